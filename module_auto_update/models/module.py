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


class _WarningDialog:
    """The web client shows these as Odoo's warning dialog, as any UserError.

    It picks a dialog by the exception's full class name, which it knows
    only for Odoo's own classes, or by ``context["exception_class"]``.
    """

    @property
    def context(self):
        return {"exception_class": "odoo.exceptions.UserError"}


class FailedUpgradeError(_WarningDialog, UserError):
    """The upgrade did not happen or failed: the database was left as it was."""


class IncompleteUpgradeError(_WarningDialog, UserError):
    """The upgrade ran but left addons pending: it was rolled back."""
