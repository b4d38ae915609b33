from odoo import fields, models


class SampleA(models.Model):
    _name = "mau.sample.a"
    _description = "Auto-upgrade sample A"

    name = fields.Char(required=True)
