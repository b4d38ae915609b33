# The module path and these two names are what scripts written for the OCA
# addon and click-odoo-contrib import; the implementation lives in the core.
from .core.fingerprint import _walk, addon_hash

__all__ = ["_walk", "addon_hash"]
