# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Auto-upgrade probe: a new dependency",
    "version": "18.0.1.0.0",
    "depends": ["base"],
    "license": "LGPL-3",
    "post_init_hook": "post_init",
    "installable": True,
}
