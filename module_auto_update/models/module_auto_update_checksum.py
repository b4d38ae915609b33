# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..upgrade import series


@series.unique_constraints(("name_unique", "UNIQUE(name)", "An addon has one recorded fingerprint."))
class ModuleAutoUpdateChecksum(models.Model):
    """The fingerprint of an addon at its last successful upgrade."""

    _name = "module.auto.update.checksum"
    _description = "Addon fingerprint at its last upgrade"
    _order = "name"

    name = fields.Char("Addon", required=True, index=True, readonly=True)
    checksum = fields.Char(required=True, readonly=True)
    # Per-file digests ({relpath: sha1}) so that a plan can name the files
    # that changed; the addon checksum stays the one other tools compute.
    file_checksums = fields.Json(readonly=True)
    computed_at = fields.Datetime("Computed on", required=True, readonly=True)
    upgraded_at = fields.Datetime("Last upgraded by auto-upgrade", readonly=True)
    # An upgrade made since by another tool (odoo-bin -u) that took the addon above
    # it ran the migration scripts up to the installed version: they are not new.
    installed_version = fields.Char(
        readonly=True, help="The addon's installed version when this fingerprint was recorded."
    )
