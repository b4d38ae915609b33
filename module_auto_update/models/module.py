"""Names that scripts written for the OCA addon import from this module path."""

from odoo.exceptions import UserError

PARAM_INSTALLED_CHECKSUMS = "module_auto_update.installed_checksums"
PARAM_EXCLUDE_PATTERNS = "module_auto_update.exclude_patterns"
DEFAULT_EXCLUDE_PATTERNS = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*"


class FailedUpgradeError(UserError):
    """The upgrade did not happen or failed; no fingerprint was saved."""


class IncompleteUpgradeError(UserError):
    """The upgrade ran, but some addons are still pending afterwards."""
