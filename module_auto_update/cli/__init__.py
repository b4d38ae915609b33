# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# The quick start (quick_start.py) imports this package without Odoo, as the
# plain package module_auto_update: the command is loaded only under odoo.addons.
if __name__.startswith("odoo.addons."):
    from . import auto_upgrade
    from ..upgrade.on_start import post_load

    # odoo-bin imports this package to discover commands, after which Odoo never
    # calls the manifest's post_load (the package is already imported): install
    # the upgrade-on-start hook here too. It acts only when configured.
    post_load()
