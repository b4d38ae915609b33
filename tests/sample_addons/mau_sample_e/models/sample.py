# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SampleE(models.Model):
    _name = "mau.sample.e"
    _description = "Auto-upgrade sample E"

    name = fields.Char(required=True)
    note = fields.Char()
    rank = fields.Integer()
