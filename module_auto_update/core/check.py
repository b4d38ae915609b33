# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Whether a database has anything to upgrade, from its tables and the disk.

The decision every run starts with, before any registry: the installed
addons' fingerprints now against the ones stored at their last upgrade.
``locate`` maps an addon name to its folder (False when absent): Odoo's
lookup in the Odoo layer, the same lookup redone without Odoo in the quick
start, so both decide alike.
"""

import logging
import os
from dataclasses import dataclass
from typing import NamedTuple

from . import compare, plan, stored
from .cache import cached_fingerprint
from .fingerprint import UnreadableFileError, fingerprint, parse_patterns

_logger = logging.getLogger(__name__)


class FingerprintSettings(NamedTuple):
    exclude_patterns: list
    keep_langs: list
    cache_dir: str = None  # the stat cache's folder, None when it is turned off


def fingerprint_settings(cr, data_dir):
    """Exclude patterns and active languages: what a fingerprint depends on.

    The stat cache lives in Odoo's ``data_dir``, which every Odoo process of
    the machine shares and may write.
    """
    patterns = parse_patterns(stored.get_param(cr, stored.PARAM_EXCLUDE_PATTERNS, stored.DEFAULT_EXCLUDE_PATTERNS))
    cache_dir = os.path.join(data_dir, "module_auto_update", "stat_cache") if stored.stat_cache_enabled(cr) else None
    return FingerprintSettings(patterns, stored.active_langs(cr), cache_dir)


def current_fingerprints(names, settings, locate):
    """``{name: Fingerprint}``; ``False`` for a missing folder, ``None`` for an
    addon with a file that cannot be read (it then counts as changed)."""
    patterns, langs, cache_dir = FingerprintSettings(*settings)
    result = {}
    for name in names:
        path = locate(name)
        if not path:
            result[name] = False
            continue
        try:
            if cache_dir:
                result[name] = cached_fingerprint(path, patterns, langs, cache_dir)
            else:
                result[name] = fingerprint(path, patterns, langs)
        except UnreadableFileError as exc:
            _logger.warning("Addon %s counts as changed, its fingerprint is unknown: %s", name, exc)
            result[name] = None
    return result


def digests(fingerprints):
    return {name: fp.digest if fp else fp for name, fp in fingerprints.items()}


def core_addon_dirs(odoo_dir):
    """Odoo's own addons folders, from the folder of the ``odoo`` package."""
    return {os.path.join(odoo_dir, "addons"), os.path.join(os.path.dirname(odoo_dir), "addons")}


def core_addons(names, locate, odoo_dir):
    """The addons of ``names`` whose code comes from Odoo's own addons folders."""
    dirs = core_addon_dirs(odoo_dir)
    return {name for name in names if (path := locate(name)) and os.path.dirname(os.path.realpath(path)) in dirs}


@dataclass(frozen=True)
class Inspection:
    """What one run found: its scope, the fingerprints, and what differs."""

    installed: list
    forced: tuple
    ignore: list
    fingerprints: dict
    saved: dict
    reasons: dict
    pending: list

    @property
    def nothing_to_do(self):
        return not compare.upgradable(self.reasons) and not self.pending

    def plan(self):
        """The plan when there is nothing to upgrade: the full plan reads every
        manifest on disk, but with an empty scope it is the plan of the reasons."""
        return plan.build_plan(
            installed={},
            current=digests(self.fingerprints),
            saved=self.saved,
            manifests={},
            forced=self.forced,
            ignore=self.ignore,
        )


def inspect(cr, locate, data_dir, odoo_dir, update_all=False, ignore=(), ignore_core=False):
    """Compare the installed addons of the database behind ``cr`` with the disk.

    Fingerprints are taken now and saved after a successful upgrade, like the
    in-Odoo method does: an edit made while upgrading is a change next time.
    """
    installed = stored.modules_in_state(cr, ["installed"])
    ignore = set(ignore) | (core_addons(installed, locate, odoo_dir) if ignore_core else set())
    forced = tuple(installed) if update_all else ()
    fingerprints = current_fingerprints(installed, fingerprint_settings(cr, data_dir), locate)
    saved = stored.saved_checksums(cr)
    return Inspection(
        installed=installed,
        forced=forced,
        ignore=sorted(ignore),
        fingerprints=fingerprints,
        saved=saved,
        reasons=plan.changed_reasons(digests(fingerprints), saved, forced, sorted(ignore)),
        pending=stored.modules_in_state(cr, stored.PENDING_STATES),
    )
