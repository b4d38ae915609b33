# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Auto-upgrade probe b",
    "version": "18.0.1.0.0",
    "depends": ["mau_probe_a"],
    "license": "LGPL-3",
    "data": ["data/records.xml"],
    "installable": True,
}
