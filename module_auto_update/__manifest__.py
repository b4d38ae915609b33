# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Module Auto Update",
    "summary": "Upgrade only the addons whose files changed since their last upgrade",
    # Without the series: Odoo prefixes its own (18.0.1.0.0 on 18.0, 19.0.1.0.0 on 19.0), one tree for all.
    "version": "1.0.0",
    "category": "Extra Tools",
    "website": "https://github.com/module-auto-update/module_auto_update",
    "author": "module_auto_update developers",
    "license": "LGPL-3",
    "depends": ["base"],
    # The lists of Odoo's own addons (Community and Enterprise) for --ignore-core-addons.
    "external_dependencies": {"python": ["manifestoo-core"]},
    "data": [
        "security/ir.model.access.csv",
        "data/ir_actions_server.xml",
        "data/ir_cron.xml",
        "views/module_auto_update_run_views.xml",
        "wizard/module_auto_update_wizard_views.xml",
        "views/menus.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "post_load": "post_load",
    "assets": {
        # The upgrade's notification, shown again after the reload that follows it.
        "web.assets_backend": ["module_auto_update/static/src/js/*.js"],
        "web.assets_tests": ["module_auto_update/static/tests/tours/*.js"],
    },
    "installable": True,
}
