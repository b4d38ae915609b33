# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Auto-upgrade sample: a field on res.partner",
    "version": "18.0.1.0.0",
    "depends": ["base"],
    "license": "LGPL-3",
    "installable": True,
}
