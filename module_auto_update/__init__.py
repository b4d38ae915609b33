# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# The Odoo layer is loaded only when Odoo loads the addon (as odoo.addons.*):
# the pure core (addon_hash, core/) stays importable without Odoo, which is
# how the core test suite and external tools use it.
if __name__.startswith("odoo.addons."):
    from . import models
    from . import wizard
    from .hooks import uninstall_hook
    from .upgrade import signaling
    from .upgrade.on_start import post_load
    from . import cli

    signaling.install()  # one signal per upgrade, one registry reload per signal
