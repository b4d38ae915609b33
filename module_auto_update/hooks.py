# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from .core import stored
from .upgrade import series


def uninstall_hook(env):
    """Leave the other tools a valid record: the legacy parameter holds what was recorded.

    Odoo drops our table with its model; click-odoo-update (or the OCA addon,
    or this one reinstalled) goes on from the parameter, whose values are
    the fingerprints of the last upgrade: an addon changed since still counts
    as changed.
    """
    env.flush_all()
    saved = stored.saved_digests(env.cr)
    if saved:
        stored.write_param(env.cr, stored.PARAM_INSTALLED_CHECKSUMS, json.dumps(saved, sort_keys=True), env.uid)
    env.cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", (stored.PARAM_WRITTEN,))
    series.clear_caches(env.registry)
