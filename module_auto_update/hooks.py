# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .models.module import PARAM_INSTALLED_CHECKSUMS


def uninstall_hook(env):
    # Odoo drops our table with the model; the legacy parameter is ours to
    # remove, or a later reinstall would trust fingerprints nobody kept up.
    env["ir.config_parameter"].sudo().search([("key", "=", PARAM_INSTALLED_CHECKSUMS)]).unlink()
