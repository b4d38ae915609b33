# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The upgrade plan: what an auto-upgrade will do, why, and what may be lost.

Pure functions over plain data (no Odoo import): ``plan_inputs`` gathers the
data from the database and the disk, the ORM method and the command line
render it. The rules are Odoo 18's, restated here as facts:

- ``button_upgrade`` upgrades the installed dependents of every changed addon
  (after refreshing dependencies from the manifests on disk), every installed
  addon when ``base`` changes, and installs the dependencies a manifest newly
  requires, then the auto-install addons they complete;
- the migration manager runs ``pre``/``post``/``end`` scripts of versions in
  ``(installed, manifest]``, ``0.0.0`` first in ``pre`` and last otherwise;
- at the end, the records whose non-``noupdate`` XML ID of an upgraded addon
  was not loaded again are deleted, fields included (dropping their columns).
"""

import re

from . import compare

# Models whose XML IDs come from Python code, not from data files: they are
# judged by the fields analysis (columns-dropped), not by records-deleted.
CODE_DEFINED_MODELS = frozenset(
    {
        "ir.model",
        "ir.model.fields",
        "ir.model.fields.selection",
        "ir.model.constraint",
        "ir.model.relation",
        "ir.model.inherit",
        "ir.module.module",
        "ir.module.category",
    }
)
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


# What is upgraded ----------------------------------------------------------


def changed_reasons(current, saved, forced=(), ignore=()):
    """``{addon: reason}`` of compare.changed_addons, without the ignored addons."""
    reasons = compare.changed_addons(current, saved, forced=set(forced))
    return {name: reason for name, reason in reasons.items() if name not in set(ignore)}


def _depends(name, installed, manifests):
    manifest = manifests.get(name)
    if manifest is not None:
        return list(manifest.get("depends", ()))
    return list(installed.get(name, {}).get("depends", ()))


def _ancestors(installed, manifests):
    """``{addon: every installed addon it depends on, directly or not}`` for installed addons.

    Only installed addons pass an upgrade on to their dependents, as in button_upgrade.
    """
    memo = {}

    def walk(name, seen):
        if name in memo:
            return memo[name]
        result = set()
        for dep in _depends(name, installed, manifests):
            if dep in seen or dep not in installed:
                continue
            result |= {dep} | walk(dep, seen | {dep})
        memo[name] = result
        return result

    return {name: walk(name, {name}) for name in installed}


def upgrade_scope(reasons, installed, manifests, company_countries=()):
    """The addons an upgrade of ``reasons``' addons touches.

    ``installed`` maps installed addons to ``{"version", "depends"}`` (the
    database's view), ``manifests`` every addon found on disk to its manifest.
    Returns ``{"changed", "cascade", "to_install", "blocking"}``.
    """
    changed = [name for name in compare.upgradable(reasons) if name in installed]
    ancestors = _ancestors(installed, manifests)
    cascade = {}
    for name in sorted(installed):
        if name in changed or name == "studio_customization":
            continue
        because = sorted(ancestors[name] & set(changed))
        if "base" in changed:
            because = because or ["base"]
        if because:
            cascade[name] = because
    todo = set(changed) | set(cascade)

    to_install, blocking = _installs(sorted(todo), installed, manifests, company_countries)
    return {"changed": changed, "cascade": cascade, "to_install": to_install, "blocking": blocking}


def _installs(todo, installed, manifests, company_countries):
    """``({addon: [required by]}, [blocking sentences])`` of what upgrading ``todo`` installs.

    Like button_upgrade then button_install: the uninstalled dependencies,
    with theirs, then the auto-install addons whose triggering dependencies
    are all there once at least one of them is new (and whose countries, if
    any, include a company's), with their own dependencies.
    """
    to_install, blocking = {}, []
    countries = {c.upper() for c in company_countries}

    def add(queue):
        while queue:
            requirer, dep = queue.pop(0)
            if dep in installed:
                continue
            manifest = manifests.get(dep)
            if manifest is None or not manifest.get("installable", True):
                blocking.append(
                    f"{requirer} depends on {dep}, which is not available in the addons path: the upgrade would fail."
                )
                continue
            if dep not in to_install:
                to_install[dep] = []
                queue.extend((dep, sub) for sub in manifest.get("depends", ()))
            if requirer not in to_install[dep]:
                to_install[dep].append(requirer)

    add([(name, dep) for name in todo for dep in _depends(name, installed, manifests)])
    while to_install:
        going = set(installed) | set(to_install)
        triggered = []
        for name, manifest in sorted(manifests.items()):
            trigger = manifest.get("auto_install")
            if name in going or not trigger or not manifest.get("installable", True):
                continue
            required = set(manifest.get("depends", ())) if trigger is True else set(trigger)
            wanted = {c.upper() for c in manifest.get("countries", ())}
            if required <= going and required & set(to_install) and (not wanted or wanted & countries):
                triggered.extend((dep, name) for dep in sorted(required & set(to_install)))
        if not triggered:
            break
        for requirer, name in triggered:
            to_install.setdefault(name, []).append(requirer)
        add([(name, dep) for _requirer, name in triggered for dep in manifests[name].get("depends", ())])
    return to_install, blocking


def load_order(names, installed, manifests):
    """``names`` in the order Odoo's module graph loads them: by depth, then name."""
    depth = {}

    def level(name, seen=()):
        if name not in depth:
            deps = [d for d in _depends(name, installed, manifests) if d not in seen]
            depth[name] = 1 + max((level(d, (*seen, name)) for d in deps), default=-1)
        return depth[name]

    return sorted(names, key=lambda n: (level(n), n))


# Migrations ----------------------------------------------------------------


def migration_scripts(scripts, installed_version, manifest_version, series):
    """Scripts Odoo runs when upgrading from ``installed_version``, in its order.

    ``scripts`` maps version folders (of ``migrations/``, ``upgrades/`` and
    the upgrade path together) to the script paths in them.
    """
    installed = parse_version(installed_version or "")
    current = parse_version(_script_version(manifest_version, series))

    def runs(version):
        if version == ANY_VERSION:
            return installed < current
        full = _script_version(version, series)
        if full != version:
            # A version without series is compared without it, so that an
            # upgrade to a new series does not run the same script twice.
            return installed[2:] < parse_version(full)[2:] <= current[2:]
        return installed < parse_version(full) <= current

    versions = sorted(
        (v for v, files in scripts.items() if files and v != ANY_VERSION and _VERSION_DIR.match(v)),
        # Odoo leaves the order of equal versions (1.1 and 18.0.1.1) to a set's; ours is by name.
        key=lambda v: (parse_version(_script_version(v, series)), v),
    )
    result = []
    for stage in STAGES:
        ordered = list(versions)
        if scripts.get(ANY_VERSION):
            ordered.insert(0 if stage == "pre" else len(ordered), ANY_VERSION)
        for version in ordered:
            if not runs(version):
                continue
            files = [f for f in scripts[version] if f.rsplit("/", 1)[-1].startswith(f"{stage}-") and f.endswith(".py")]
            for path in sorted(files, key=lambda f: f.rsplit("/", 1)[-1]):
                result.append({"stage": stage, "version": version, "path": path})
    return result


# Warnings ------------------------------------------------------------------


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def deleted_records(records, defined_xmlids):
    """``[(module, model, [xmlids])]`` that the end of the upgrade deletes.

    ``records``: the recorded, non-noupdate XML IDs of the upgraded addons,
    as dicts ``module``, ``name``, ``model``, ``shared`` (another XML ID
    points at the same record: Odoo then drops only the XML ID).
    ``defined_xmlids``: the full XML IDs the upgraded addons' data files define.
    """
    defined = set(defined_xmlids)
    lost = {}
    for rec in records:
        if rec["model"] in CODE_DEFINED_MODELS or rec.get("shared"):
            continue
        xmlid = f"{rec['module']}.{rec['name']}"
        if xmlid in defined:
            continue
        # Parents of _inherits records get "<child xmlid>_<parent model>".
        suffix = "_" + rec["model"].replace(".", "_")
        if xmlid.endswith(suffix) and xmlid[: -len(suffix)] in defined:
            continue
        lost.setdefault((rec["module"], rec["model"]), []).append(xmlid)
    return [(module, model, sorted(ids)) for (module, model), ids in sorted(lost.items())]


def dropped_columns(stored_fields, declared_fields, upgraded):
    """``[(module, model, [fields])]`` whose columns the upgrade drops.

    ``stored_fields``: dicts ``model``, ``name``, ``modules`` (the addons
    holding an XML ID of the field). A column goes when every such addon is
    upgraded and none of them declares the field any more.
    ``declared_fields``: ``{addon: {model: [field names]}}`` read statically.
    """
    upgraded = set(upgraded)
    lost = {}
    for field in stored_fields:
        modules = set(field["modules"])
        if not modules or not modules <= upgraded:
            continue
        if any(field["name"] in declared_fields.get(m, {}).get(field["model"], ()) for m in modules):
            continue
        lost.setdefault((min(modules), field["model"]), []).append(field["name"])
    return [(module, model, sorted(names)) for (module, model), names in sorted(lost.items())]


def warnings(scope, deleted, dropped, missing_external):
    result = []
    if "base" in scope["changed"]:
        result.append(
            {
                "module": "base",
                "kind": "base-upgrade",
                "detail": "base changed: every installed addon will be upgraded.",
            }
        )
    for module, model, xmlids in deleted:
        result.append(
            {
                "module": module,
                "kind": "records-deleted",
                "model": model,
                "count": len(xmlids),
                "xmlids": xmlids,
                "detail": f"{_plural(len(xmlids), 'record')} of {model} will be deleted: their XML IDs "
                f"({', '.join(xmlids)}) are no longer defined by any data file.",
            }
        )
    for module, model, names in dropped:
        result.append(
            {
                "module": module,
                "kind": "columns-dropped",
                "model": model,
                "fields": names,
                "detail": f"Field(s) {', '.join(names)} of {model} are no longer declared in the code of {module}: "
                "their columns and data will be dropped. Detected statically from the Python code; "
                "fields created dynamically can be missed.",
            }
        )
    for module, problems in sorted(missing_external.items()):
        for problem in problems:
            result.append(
                {
                    "module": module,
                    "kind": "external-dependency-missing",
                    "detail": f"{problem}: the upgrade would fail.",
                }
            )
    return result


# The plan ------------------------------------------------------------------


def build_plan(
    *,
    installed,
    current,
    saved,
    manifests,
    current_files=None,
    saved_files=None,
    forced=(),
    ignore=(),
    series="18.0",
    scripts=None,
    records=(),
    defined_xmlids=(),
    stored_fields=(),
    declared_fields=None,
    missing_external=None,
    company_countries=(),
):
    """The JSON-serialisable plan of the next auto-upgrade.

    ``installed``: ``{addon: {"version": latest_version, "depends": [...]}}``;
    ``current``/``saved``: addon digests (``False``: folder missing, ``None``:
    unreadable); ``current_files``/``saved_files``: ``{addon: {relpath: sha1}}``;
    ``manifests``: ``{addon: manifest}`` of every addon on disk; ``scripts``:
    ``{addon: {version folder: [paths]}}``; the other inputs feed warnings().
    """
    current_files, saved_files = current_files or {}, saved_files or {}
    reasons = changed_reasons(current, saved, forced, ignore)
    scope = upgrade_scope(reasons, installed, manifests, company_countries)
    todo = set(scope["changed"]) | set(scope["cascade"])

    changed = []
    for name in sorted(reasons):
        known = name in saved_files and name in current_files
        files = compare.diff_files(saved_files[name], current_files[name]) if known else None
        changed.append({"module": name, "reason": reasons[name], "files": files})

    migrations = []
    for name in load_order(todo, installed, manifests):
        manifest = manifests.get(name)
        if manifest is None:
            continue
        old, new = installed[name].get("version") or "", full_version(manifest.get("version", "1.0"), series)
        steps = migration_scripts((scripts or {}).get(name, {}), old, new, series)
        if parse_version(old) != parse_version(new) or steps:
            migrations.append({"module": name, "from": old, "to": new, "scripts": steps})

    found = warnings(
        scope,
        deleted_records(records, defined_xmlids),
        dropped_columns(stored_fields, declared_fields or {}, todo),
        {name: problems for name, problems in (missing_external or {}).items() if problems},
    )
    plan = {
        "changed": changed,
        "cascade": [{"module": n, "because_of": b} for n, b in sorted(scope["cascade"].items())],
        "to_install": [{"module": n, "required_by": r} for n, r in sorted(scope["to_install"].items())],
        "blocking": scope["blocking"],
        "migrations": migrations,
        "warnings": found,
    }
    plan["summary"] = summary(plan)
    return plan


def summary(plan):
    counts = {key: len(plan[key]) for key in ("changed", "cascade", "to_install", "blocking", "migrations", "warnings")}
    upgradable = [c for c in plan["changed"] if c["reason"] != compare.FOLDER_MISSING]
    if is_empty(plan):
        text = "Nothing to upgrade."
        if plan["changed"]:
            text += f" {_plural(len(plan['changed']), 'addon')} with a missing folder cannot be upgraded."
    else:
        parts = [f"{_plural(len(upgradable), 'changed addon')} to upgrade"]
        if plan["cascade"]:
            parts.append(f"{_plural(len(plan['cascade']), 'dependent')} upgraded with them")
        if plan["to_install"]:
            parts.append(f"{_plural(len(plan['to_install']), 'addon')} to install")
        if plan["migrations"]:
            parts.append(f"{_plural(len(plan['migrations']), 'version change')}")
        text = ", ".join(parts) + "; "
        if plan["blocking"]:
            text += f"{_plural(len(plan['blocking']), 'blocking problem')}, "
        text += f"{_plural(len(plan['warnings']), 'warning')}."
    counts["text"] = text
    return counts


def is_empty(plan):
    return not any(c["reason"] != compare.FOLDER_MISSING for c in plan["changed"]) and not plan["to_install"]


def render_text(plan):
    """A plain-text rendering of the plan, for the shell and the command line."""
    lines = [plan["summary"]["text"]]
    if plan["changed"]:
        lines.append("")
        lines.append("Changed:")
        for entry in plan["changed"]:
            lines.append(f"  {entry['module']} ({entry['reason']})")
            files = entry["files"]
            if files is None:
                continue
            for kind, sign in (("added", "+"), ("removed", "-"), ("modified", "~")):
                lines.extend(f"      {sign} {path}" for path in files[kind])
    if plan["cascade"]:
        lines.append("")
        lines.append("Upgraded as dependents:")
        lines.extend(f"  {e['module']} (because of {', '.join(e['because_of'])})" for e in plan["cascade"])
    if plan["to_install"]:
        lines.append("")
        lines.append("To install:")
        lines.extend(f"  {e['module']} (required by {', '.join(e['required_by'])})" for e in plan["to_install"])
    if plan["migrations"]:
        lines.append("")
        lines.append("Migrations:")
        for entry in plan["migrations"]:
            lines.append(f"  {entry['module']}: {entry['from'] or '(none)'} -> {entry['to']}")
            lines.extend(f"      {s['stage']} {s['version']} {s['path']}" for s in entry["scripts"])
    if plan["blocking"] or plan["warnings"]:
        lines.append("")
        lines.append("Warnings:")
        lines.extend(f"  BLOCKING: {sentence}" for sentence in plan["blocking"])
        lines.extend(f"  {w['module']} [{w['kind']}] {w['detail']}" for w in plan["warnings"])
    return "\n".join(lines)
