# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Names that scripts written for the OCA addon import from this module path."""

from odoo.exceptions import UserError

from ..core.stored import DEFAULT_EXCLUDE_PATTERNS, PARAM_EXCLUDE_PATTERNS, PARAM_INSTALLED_CHECKSUMS

__all__ = [
    "DEFAULT_EXCLUDE_PATTERNS",
    "PARAM_EXCLUDE_PATTERNS",
    "PARAM_INSTALLED_CHECKSUMS",
    "FailedUpgradeError",
    "IncompleteUpgradeError",
]


class FailedUpgradeError(UserError):
    """The upgrade did not happen or failed; no fingerprint was saved."""


class IncompleteUpgradeError(UserError):
    """The upgrade ran, but some addons are still pending afterwards."""
