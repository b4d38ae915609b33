# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which installed addons differ from their last recorded fingerprint, and how."""

CHANGED = "changed"
NEVER_RECORDED = "never recorded"
FOLDER_MISSING = "folder missing"
# Installed, its code on disk, but its manifest says installable: False (Odoo skips it).
NOT_INSTALLABLE = "not installable"
# The reasons of addons that no upgrade can act on: listed, left as they are.
LEFT_ALONE = (FOLDER_MISSING, NOT_INSTALLABLE)
FORCED = "forced"
UNREADABLE = "unreadable"


def changed_addons(current, saved, forced=()):
    """Return ``{addon: reason}`` for the installed addons that need an upgrade.

    ``current`` maps every installed addon to its digest now, ``False`` when
    its folder is missing, ``None`` when a file of it could not be read.
    ``saved`` maps addons to the digest recorded at their last upgrade.
    An addon whose folder is missing is reported, never upgraded: Odoo cannot
    load an addon without its code, it would stay ``to upgrade`` forever.
    """
    reasons = {}
    for name in sorted(current):
        digest = current[name]
        if name in forced:
            reasons[name] = FORCED
        elif digest is False:
            reasons[name] = FOLDER_MISSING
        elif digest is None:
            reasons[name] = UNREADABLE
        elif not saved.get(name):
            reasons[name] = NEVER_RECORDED
        elif saved[name] != digest:
            reasons[name] = CHANGED
    return reasons


def changed_reasons(current, saved, forced=(), ignore=()):
    """``{addon: reason}`` of ``changed_addons``, without the addons of ``ignore``."""
    reasons = changed_addons(current, saved, forced=set(forced))
    return {name: reason for name, reason in reasons.items() if name not in set(ignore)}


def upgradable(reasons):
    """The addons of ``changed_addons()`` that an upgrade can act on."""
    return sorted(name for name, reason in reasons.items() if reason not in LEFT_ALONE)


def diff_files(old, new):
    """Compare two ``{relpath: digest}`` maps: what was added, removed, modified."""
    old, new = old or {}, new or {}
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "modified": sorted(p for p in set(old) & set(new) if old[p] != new[p]),
    }
