from odoo import fields, models


class SampleC(models.Model):
    _name = "mau.sample.c"
    _description = "Auto-upgrade sample C"

    name = fields.Char(required=True)
