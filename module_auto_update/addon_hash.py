# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# The module path and these two names are what scripts written for the OCA
# addon and click-odoo-contrib import; the implementation lives in the core.
from .core.fingerprint import _walk, addon_hash

__all__ = ["_walk", "addon_hash"]
