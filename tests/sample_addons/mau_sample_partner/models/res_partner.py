# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    # res.partner is read while Odoo starts: a new stored field here makes
    # every registry load fail until the addon is upgraded.
    _inherit = "res.partner"

    mau_nickname = fields.Char()
