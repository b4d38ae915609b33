# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SampleC(models.Model):
    _name = "mau.sample.c"
    _description = "Auto-upgrade sample C"

    name = fields.Char(required=True)
