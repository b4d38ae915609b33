"""The pure core: fingerprints, comparison, planning, locking. No Odoo import here."""
