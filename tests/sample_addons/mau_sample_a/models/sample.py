# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SampleA(models.Model):
    _name = "mau.sample.a"
    _description = "Auto-upgrade sample A"

    name = fields.Char(required=True)
