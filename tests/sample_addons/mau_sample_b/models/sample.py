from odoo import fields, models


class SampleA(models.Model):
    _inherit = "mau.sample.a"

    b_note = fields.Char()
