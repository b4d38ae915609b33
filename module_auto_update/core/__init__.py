# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The pure core: fingerprints, comparison, planning, locking. No Odoo import here."""
