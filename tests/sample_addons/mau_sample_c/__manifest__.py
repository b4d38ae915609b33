# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Auto-upgrade sample c",
    "version": "18.0.1.0.0",
    "depends": ["base"],
    "license": "LGPL-3",
    "data": ["security/ir.model.access.csv", "views/views.xml"],
    "installable": True,
}
