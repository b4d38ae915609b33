# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Whether a database has anything to upgrade, from its tables and the disk.

The decision every run starts with, before any registry: the installed
addons' fingerprints now against the ones stored at their last upgrade.
``locate`` maps an addon name to its folder (False when absent): Odoo's
lookup in the Odoo layer, the same lookup redone without Odoo in the quick
start, so both decide alike.
"""

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import NamedTuple

from . import compare, plan, stored
from .cache import Writer, cached_fingerprint
from .fingerprint import UnreadableFileError, addon_digest, fingerprint, lazy_fingerprint
from .manifest import read_manifest_file

_logger = logging.getLogger(__name__)
TESTS = "tests/*"


class FingerprintSettings(NamedTuple):
    exclude_patterns: list
    keep_langs: list
    cache_dir: str = None  # the stat cache's folder, None when it is turned off


def fingerprint_settings(params, data_dir):
    """Exclude patterns and active languages: what a fingerprint depends on.

    ``params``: the database's part (``stored.FingerprintParams``). The stat
    cache lives in Odoo's ``data_dir``, which every Odoo process of the
    machine shares and may write.
    """
    cache_dir = os.path.join(data_dir, "module_auto_update", "stat_cache") if params.stat_cache else None
    return FingerprintSettings(params.exclude_patterns, params.keep_langs, cache_dir)


def read_fingerprint_settings(cr, data_dir):
    """``fingerprint_settings`` of the database behind ``cr``."""
    return fingerprint_settings(stored.fingerprint_params(cr), data_dir)


def _fingerprint(path, patterns, langs, cache_dir, with_files, write):
    if cache_dir:
        return cached_fingerprint(path, patterns, langs, cache_dir, with_files=with_files, write=write)
    return fingerprint(path, patterns, langs) if with_files else lazy_fingerprint(path, patterns, langs)


def current_fingerprints(names, settings, locate, saved=None, with_files=()):
    """``{name: Fingerprint}``; ``False`` for a missing folder, ``None`` for an
    addon with a file that cannot be read (it then counts as changed).

    The per-file digests (``Fingerprint.files``) are computed only where
    needed: for the addons of ``with_files``, and of those ``saved`` (``{name:
    digest}`` recorded, when given) has no digest for, in the same read as
    the addon digest; for an addon whose digest differs from ``saved``, by
    reading it again at once, so that its digest and per-file digests come
    from one read; for the others on first use. A run that finds nothing
    changed computes no per-file digest, and reads each file at most once.
    """
    patterns, langs, cache_dir = FingerprintSettings(*settings)
    with_files = set(with_files)
    result = {}
    # Stat cache entries are written on a thread of their own, all written on return.
    with Writer() if cache_dir else contextlib.nullcontext() as write:
        for name in names:
            path = locate(name)
            if not path:
                result[name] = False
                continue
            try:
                needed = name in with_files or (saved is not None and not saved.get(name))
                fp = _fingerprint(path, patterns, langs, cache_dir, needed, write)
                if saved is not None and fp.digest != saved.get(name) and not fp.files_computed:
                    fp = _fingerprint(path, patterns, langs, cache_dir, True, write)
                result[name] = fp
            except UnreadableFileError as exc:
                _logger.warning("Addon %s counts as changed, its fingerprint is unknown: %s", name, exc)
                result[name] = None
    return result


def digests(fingerprints):
    return {name: fp.digest if fp else fp for name, fp in fingerprints.items()}


def core_addons(names, series):
    """The addons of ``names`` that Odoo itself ships, Community or Enterprise, for ``series``
    (``manifestoo-core``'s maintained lists, as click-odoo-update uses them)."""
    from manifestoo_core.core_addons import get_core_addons  # noqa: PLC0415 (only for --ignore-core-addons)
    from manifestoo_core.odoo_series import OdooSeries  # noqa: PLC0415

    return set(names) & get_core_addons(OdooSeries(series))


def find_not_installable(names, locate):
    """The addons of ``names`` whose manifest on disk says ``installable: False``."""
    found = set()
    for name in names:
        path = locate(name)
        try:
            if path and read_manifest_file(os.path.join(path, "__manifest__.py"))[0].get("installable", True) is False:
                found.add(name)
        except (OSError, TypeError, SyntaxError, ValueError):
            continue  # no manifest, or one the plan names as blocking
    return found


def other_default(patterns):
    """The exclude patterns with ``tests/*`` toggled: the default of the other tools' generation.

    click-odoo-update, the OCA addon from 18.0 and this addon exclude
    ``tests/*``; the OCA addon before 18.0 did not.
    """
    return [p for p in patterns if p != TESTS] if TESTS in patterns else [*patterns, TESTS]


def find_adopted(names, saved, settings, locate):
    """The addons of ``names`` whose recorded value is their fingerprint under ``other_default``.

    Recorded by a tool that excluded ``tests/*`` or not, unlike this database's
    setting, and unchanged since: their fingerprint is taken over, no upgrade.
    """
    patterns, langs, _cache_dir = FingerprintSettings(*settings)
    found = []
    for name in names:
        path = locate(name)
        if not path or not saved.get(name) or not os.path.isdir(os.path.join(path, "tests")):
            continue  # the toggle changes nothing for an addon without tests/
        try:
            if addon_digest(path, other_default(patterns), langs) == saved[name]:
                found.append(name)
        except UnreadableFileError:
            continue
    return sorted(found)


def classify(current, saved, forced, ignore, settings, locate):
    """``(reasons, adopted)``: why each addon is in the plan, and the addons taken over as they are.

    ``current``: the digests of the installed addons (``digests``). The
    reasons of ``compare.changed_addons`` without the ignored addons,
    ``not installable`` for those whose manifest says so, and without the
    addons recorded with the other exclude default (``adopted``).
    """
    reasons = compare.changed_reasons(current, saved, forced, ignore)
    upgradable = compare.upgradable(reasons)
    changed = [name for name in upgradable if reasons[name] == compare.CHANGED]
    adopted = find_adopted(changed, saved, settings, locate)
    if adopted:
        _logger.info("Recorded with another exclude default and unchanged, taken over: %s", ", ".join(adopted))
    not_installable = find_not_installable(sorted(set(upgradable) - set(adopted)), locate)
    reasons = {name: reason for name, reason in reasons.items() if name not in adopted}
    reasons.update(dict.fromkeys(not_installable, compare.NOT_INSTALLABLE))
    return reasons, adopted


@dataclass(frozen=True)
class Inspection:
    """What one run found: its scope, the fingerprints, and what differs."""

    installed: list
    forced: tuple
    ignore: list
    fingerprints: dict
    current: dict  # digests(fingerprints)
    settings: FingerprintSettings  # those the fingerprints were taken with: the same for those taken after
    saved: dict
    reasons: dict
    adopted: list  # recorded with the other exclude default, unchanged: taken over
    pending: list
    database_only: list = ()  # installed addons without code that exist only in the database
    partially_updated: bool = False  # an upgrade by Odoo itself stopped half-way (stored.PARAM_PARTIALLY_UPDATED)

    @property
    def without_code(self):
        """The installed addons whose folder is missing, but for those that exist only in the database."""
        return sorted(
            name
            for name, reason in self.reasons.items()
            if reason == compare.FOLDER_MISSING and name not in self.database_only
        )

    @property
    def nothing_to_do(self):
        return not compare.upgradable(self.reasons) and not self.pending and not self.partially_updated

    def plan(self):
        """The plan when there is nothing to upgrade: the full plan reads every
        manifest on disk, but with an empty scope it is the plan of the reasons."""
        return plan.build_plan(
            plan.PlanInputs(
                installed={},
                current=self.current,
                saved=self.saved,
                manifests={},
                reasons=self.reasons,
                adopted=self.adopted,
                database_only=self.database_only,
                partially_updated=self.partially_updated,
            )
        )


def inspect(
    cr, locate, data_dir, series, update_all=False, forced=(), ignore=(), ignore_core=False, only=(), fingerprints=None
):
    """Compare the installed addons of the database behind ``cr`` with the disk (see ``inspect_facts``)."""
    facts = stored.inspection_facts(cr)
    return inspect_facts(facts, locate, data_dir, series, update_all, forced, ignore, ignore_core, only, fingerprints)


def inspect_facts(
    facts,
    locate,
    data_dir,
    series,
    update_all=False,
    forced=(),
    ignore=(),
    ignore_core=False,
    only=(),
    fingerprints=None,
):
    """Compare the installed addons of ``facts`` (``stored.InspectionFacts``) with the disk.

    Left alone (their record kept): ``ignore``, the database's own ignore
    list (``stored.ignored_addons``), Odoo's own addons with ``ignore_core``,
    every addon but ``only`` when given. Fingerprints are taken now and saved
    after a successful upgrade: an edit made while upgrading is a change next time.
    Per-file digests are computed for the changed and forced addons only (see
    ``current_fingerprints``), the others' on first use. Installed addons
    whose folder is missing are logged (WARNING), but for those that exist
    only in the database. ``fingerprints``: ``{name: Fingerprint}`` taken
    already, compared instead of the installed addons' taken now.
    """
    installed = facts.installed
    ignore = set(ignore) | facts.ignored
    if ignore_core:
        ignore |= core_addons(installed, series)
    if only:
        ignore |= set(installed) - set(only)
    forced = tuple(installed) if update_all else tuple(forced)
    settings = fingerprint_settings(facts.fingerprint, data_dir)
    saved = facts.saved
    if fingerprints is None:
        fingerprints = current_fingerprints(installed, settings, locate, saved=saved, with_files=forced)
    current = digests(fingerprints)
    reasons, adopted = classify(current, saved, forced, sorted(ignore), settings, locate)
    absent = {name for name, fp in fingerprints.items() if fp is False}
    found = Inspection(
        installed=installed,
        forced=forced,
        ignore=sorted(ignore),
        fingerprints=fingerprints,
        current=current,
        settings=settings,
        saved=saved,
        reasons=reasons,
        adopted=adopted,
        pending=facts.pending,
        database_only=sorted(set(facts.database_only) & absent) if absent else [],
        partially_updated=facts.partially_updated,
    )
    if found.without_code:
        _logger.warning(
            "%s: installed addons without code in the addons path, not upgraded: %s. The next start of Odoo "
            "fails or serves without them: add their folders to the addons path, or uninstall them.",
            facts.database,
            ", ".join(found.without_code),
        )
    return found


def unknown_addons(cr, names, locate):
    """The addons of ``names`` that neither the database's module list nor the addons path knows (a typo)."""
    if not names:
        return []
    return sorted(name for name in set(names) - stored.known_addons(cr, names) if not locate(name))
