# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Migration scripts: which ones an upgrade runs, in which order, and which never will.

Pure functions over plain data, Odoo 18's migration manager restated:
it runs the ``pre``/``post``/``end`` scripts of the version folders in
``(installed, manifest]`` (of ``migrations/``, ``upgrades/`` and the upgrade
path), ``0.0.0`` first in ``pre`` and last otherwise, and on a version
change only. A script outside that range does not run, and one edited after
it ran never runs again: both are warnings of the plan.
"""

import re

from .messages import entry

STAGES = ("pre", "post", "end")
ANY_VERSION = "0.0.0"

# The version folders the migration manager accepts: an optional server
# prefix (6.1, x.0, x.saas~y, saas~x.y), then two or three numbers.
_VERSION_DIR = re.compile(
    r"^((6\.1|[6-9]\.0|[1-9]\d+\.0|(7|8|9|10)\.saas~[1-9]\d*|saas~(1[1-9]|[2-9]\d+)\.[1-9])\.)?\d+\.\d+(\.\d+)?$",
    re.ASCII,
)
_VERSION_PARTS = re.compile(r"(\d+|[a-z]+|\.|-)")
_VERSION_WORDS = {"pre": "c", "preview": "c", "-": "final-", "_": "final-", "rc": "c", "dev": "@", "saas": "", "~": ""}


# Versions ------------------------------------------------------------------


def parse_version(version):
    """Sort key of a version, as Odoo's ``parse_version`` orders them.

    Numbers compare numerically, trailing zeros do not count (2.4 == 2.4.0),
    pre-release words sort before the release, an empty version is 0.1.
    """
    key = []
    for part in _VERSION_PARTS.split((version or "0.1").lower()):
        part = _VERSION_WORDS.get(part, part)
        if not part or part == ".":
            continue
        if part[0].isdigit():
            key.append(part.zfill(8))
            continue
        part = "*" + part
        if part < "*final":
            while key and key[-1] == "*final-":
                key.pop()
        while key and key[-1] == "00000000":
            key.pop()
        key.append(part)
    while key and key[-1] == "00000000":
        key.pop()
    key.append("*final")
    return tuple(key)


def full_version(version, series):
    """The manifest version with the server series in front, as Odoo stores it."""
    if version == series or not version.startswith(series + "."):
        return f"{series}.{version}"
    return version


def _script_version(version, series):
    if version == ANY_VERSION or version.count(".") > 2:
        return version
    return f"{series}.{version}"


# Where the scripts of a version folder stand for one upgrade: already past
# (not above the installed version), run, or beyond the manifest's version.
PAST, RUNS, BEYOND = "past", "runs", "beyond"


def folder_place(version, installed_version, manifest_version, series):
    """``PAST``, ``RUNS`` or ``BEYOND``: whether Odoo runs the scripts of folder
    ``version`` when upgrading from ``installed_version`` to ``manifest_version``.

    Odoo runs the folders in ``(installed, manifest]``; ``0.0.0`` runs on any
    version change (``PAST`` when the version does not change).
    """
    installed = parse_version(installed_version or "")
    current = parse_version(_script_version(manifest_version, series))
    if version == ANY_VERSION:
        return RUNS if installed < current else PAST
    full = _script_version(version, series)
    folder = parse_version(full)
    if full != version:
        # A version without series is compared without it, so that an
        # upgrade to a new series does not run the same script twice.
        installed, current, folder = installed[2:], current[2:], folder[2:]
    if folder <= installed:
        return PAST
    return RUNS if folder <= current else BEYOND


def _stage(path):
    """The stage of a script Odoo runs (``pre-*.py``...), or None for any other file."""
    name = path.rsplit("/", 1)[-1]
    return next((stage for stage in STAGES if name.startswith(f"{stage}-") and name.endswith(".py")), None)


def _valid_folder(version):
    return version == ANY_VERSION or bool(_VERSION_DIR.match(version))


def migration_scripts(scripts, installed_version, manifest_version, series, digests=None):
    """Scripts Odoo runs when upgrading from ``installed_version``, in its order.

    ``scripts`` maps version folders (of ``migrations/``, ``upgrades/`` and
    the upgrade path together) to the script paths in them; ``digests``
    ``{path: digest}`` of their files, given to each script (None when unknown).
    """
    digests = digests or {}
    versions = sorted(
        (v for v, files in scripts.items() if files and v != ANY_VERSION and _valid_folder(v)),
        # Odoo leaves the order of equal versions (1.1 and 18.0.1.1) to a set's; ours is by name.
        key=lambda v: (parse_version(_script_version(v, series)), v),
    )
    result = []
    for stage in STAGES:
        ordered = list(versions)
        if scripts.get(ANY_VERSION):
            ordered.insert(0 if stage == "pre" else len(ordered), ANY_VERSION)
        for version in ordered:
            if folder_place(version, installed_version, manifest_version, series) != RUNS:
                continue
            files = [f for f in scripts[version] if _stage(f) == stage]
            for path in sorted(files, key=lambda f: f.rsplit("/", 1)[-1]):
                result.append({"stage": stage, "version": version, "path": path, "digest": digests.get(path)})
    return result


def next_version(version):
    """``version`` with its last number one higher: ``18.0.1.0.1`` after ``18.0.1.0.0``."""
    found = re.search(r"\d+$", version)
    return version[: found.start()] + str(int(found.group()) + 1) if found else f"{version}.1"


def script_file(module, path):
    """The file of a script as warnings name it: ``addon/path``, or the absolute path of the upgrade path's."""
    return path if path.startswith("/") else f"{module}/{path}"


def unreached_scripts(
    module, scripts, installed_version, manifest_version, series, files=None, ran=(), recorded_version=None
):
    """The entries of the scripts of a changed addon that its version does not let run.

    - A script in a folder above the manifest's version: the version was not
      bumped (far enough); the advice is the highest such folder's version.
    - A script added since the last recorded fingerprint (``files``, the
      plan's file changes of the addon, None when unknown) in a folder not
      above the installed version: it never runs; the advice is the manifest's
      version when it goes up, else the one after the installed version.
    - A ``0.0.0`` script added or modified while the version does not change.

    ``ran``: the paths recorded as run on the database (never new).
    ``recorded_version``: the installed version when the fingerprint was
    recorded (None when unknown). An upgrade made since by another tool
    (``odoo-bin -u``) that took the installed version above it ran the
    scripts of the folders in ``(recorded_version, installed]``, and the
    ``0.0.0`` ones: they are not new.
    """
    new = set((files or {}).get("added", ()))
    touched = new | set((files or {}).get("modified", ()))
    installed = installed_version or ""
    manifest = full_version(manifest_version, series)
    bumped = parse_version(manifest) > parse_version(installed)
    outside = bool(recorded_version) and parse_version(recorded_version) < parse_version(installed)
    found = []
    for version in sorted(scripts):
        if not _valid_folder(version):
            continue
        place = folder_place(version, installed, manifest, series)
        ran_outside = outside and folder_place(version, recorded_version, installed, series) == RUNS
        for path in sorted(p for p in scripts[version] if _stage(p) and p not in ran):
            if place == BEYOND:
                found.append(("migration-not-reached", version, path))
            elif place == PAST and path in (touched if version == ANY_VERSION else new) and not ran_outside:
                code = "migration-not-reached-any" if version == ANY_VERSION else "migration-not-reached-installed"
                found.append((code, version, path))
    beyond = [_script_version(v, series) for code, v, _path in found if code == "migration-not-reached"]
    targets = {
        "migration-not-reached": max(beyond, key=parse_version, default=""),
        "migration-not-reached-installed": manifest if bumped else next_version(installed),
        "migration-not-reached-any": next_version(installed),
    }
    result = []
    for code, version, path in found:
        file = script_file(module, path)
        params = {
            "module": module,
            "file": file,
            "version": version if version == ANY_VERSION else _script_version(version, series),
            "installed": installed,
            "manifest": manifest,
            "target": targets[code],
        }
        result.append(dict(entry(code, **params), module=module, kind="migration-not-reached", file=file))
    return result


def edited_scripts(module, scripts, installed_version, manifest_version, series, ran, digests):
    """The warnings of the scripts recorded as run whose file changed since (``migration-edited``).

    ``ran``: ``{path: {"version", "stage", "digest", "ran_at"}}`` recorded on
    the database; ``digests``: ``{path: digest}`` of the files now. A script
    removed since, a ``0.0.0`` one (it runs again at the next version
    change) or one whose folder is above the installed version again (it
    runs again) is not said to be edited.
    """
    result = []
    for path, record in sorted(ran.items()):
        version = record["version"]
        now = digests.get(path)
        if version == ANY_VERSION or now is None or now == record["digest"] or path not in scripts.get(version, ()):
            continue
        if folder_place(version, installed_version, manifest_version, series) != PAST:
            continue
        file = script_file(module, path)
        found = entry("migration-edited", module=module, file=file, version=_script_version(version, series))
        result.append(dict(found, module=module, kind="migration-edited", file=file, ran_at=record.get("ran_at")))
    return result


def scripts_run(plan, upgraded):
    """The scripts of the plan's ``migrations`` that ran for the addons of ``upgraded``, with
    their digest (those whose file could not be read are left out): what ``stored.save_migrations`` keeps."""
    return [
        dict(script, module=item["module"])
        for item in (plan or {}).get("migrations", ())
        if item["module"] in set(upgraded)
        for script in item["scripts"]
        if script.get("digest")
    ]
