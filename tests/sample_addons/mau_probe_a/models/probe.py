# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProbeA(models.Model):
    _name = "mau.probe.a"
    _description = "Auto-upgrade probe A"

    name = fields.Char(required=True)
    old_field = fields.Char()
