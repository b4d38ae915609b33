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
- the migration manager runs the migration scripts (its rules are in ``migration``);
- at the end, the records whose non-``noupdate`` XML ID of an upgraded addon
  was not loaded again are deleted, fields included (dropping their columns).
"""

from dataclasses import dataclass

from . import compare, migration, risk
from .fingerprint import LANG_DIRS
from .messages import blocking, entry, render, where
from .preflight import line_of

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


# What is upgraded ----------------------------------------------------------


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
    """``({addon: [required by]}, [blocking entries])`` of what upgrading ``todo`` installs.

    Like button_upgrade then button_install: the uninstalled dependencies,
    with theirs, then the auto-install addons whose triggering dependencies
    are all there once at least one of them is new (and whose countries, if
    any, include a company's), with their own dependencies.
    """
    to_install, problems = {}, []
    countries = {c.upper() for c in company_countries}

    def add(queue):
        while queue:
            requirer, dep = queue.pop(0)
            if dep in installed:
                continue
            manifest = manifests.get(dep)
            if manifest is None or not manifest.get("installable", True):
                line = line_of(manifests.get(requirer, {}).get("source", ""), dep)
                file = f"{requirer}/__manifest__.py"
                problems.append(blocking(requirer, "dependency-unavailable", file, line, dependency=dep))
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
    return to_install, problems


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


# Warnings ------------------------------------------------------------------


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
    ``declared_fields``: ``{addon: {model: [field names]}}`` read statically
    (an addon absent from it: its code could not be read, nothing is concluded).
    """
    upgraded = set(upgraded)
    lost = {}
    for field in stored_fields:
        modules = set(field["modules"])
        if not modules or not modules <= upgraded or not modules <= set(declared_fields):
            # Kept by an addon left alone, or declared by code that could not be read.
            continue
        if any(field["name"] in declared_fields.get(m, {}).get(field["model"], ()) for m in modules):
            continue
        lost.setdefault((min(modules), field["model"]), []).append(field["name"])
    return [(module, model, sorted(names)) for (module, model), names in sorted(lost.items())]


def warnings(scope, deleted, dropped, reasons, without_code=(), sizes=None, tables=None):
    """The warnings of the plan: ``kind`` (its code), ``module``, and what will be lost or fail.

    A base never recorded is not said to have changed (the first run says it all).
    ``without_code``: installed addons whose folder is missing (not those that
    exist only in the database): the next start of Odoo fails or serves without them.
    ``sizes``: ``{table: rows}`` (``plan_readers.table_sizes``), ``tables``
    ``{model: _table}``: the size of the table whose columns are dropped.
    """
    result = [dict(entry("code-missing", module=name), module=name, kind="code-missing") for name in without_code]
    if "base" in scope["changed"] and reasons.get("base") != compare.NEVER_RECORDED:
        result.append(dict(entry("base-upgrade"), module="base", kind="base-upgrade"))
    for module, model, xmlids in deleted:
        found = entry("records-deleted", model=model, count=len(xmlids), xmlids=", ".join(xmlids))
        result.append(dict(found, module=module, kind="records-deleted", model=model, count=len(xmlids), xmlids=xmlids))
    for module, model, names in dropped:
        table = risk.table_of(model, tables)
        rows = (sizes or {}).get(table, 0)
        found = entry("columns-dropped", module=module, model=model, fields=", ".join(names), table=table, rows=rows)
        result.append(dict(found, module=module, kind="columns-dropped", model=model, fields=names, rows=rows))
    return result


def information(missing, pending, first_run, adopted=(), partially_updated=False):
    """What the plan says without it being a change: a first run, an upgrade by Odoo itself left half-way
    (``partially_updated``), addons left alone, pending ones, taken over.

    ``missing``: ``[(addon, reason)]`` left alone and not warned about: without
    code because they exist only in the database, or not installable.
    """
    codes = {compare.FOLDER_MISSING: "database-only", compare.NOT_INSTALLABLE: "not-installable"}
    result = [dict(entry("first-run"), module=None)] if first_run else []
    if partially_updated:
        result.append(dict(entry("partially-updated", count=len(pending)), module=None))
    result += [dict(entry(codes[reason], module=name), module=name) for name, reason in missing]
    result += [dict(entry("adopted", module=name), module=name) for name in adopted]
    result += [dict(entry("pending", module=name, state=state), module=name) for name, state in pending]
    return result


# Why: a language activated or deactivated ----------------------------------


def language_prefix(relpath):
    """The language (``fr``) of a translation file that the fingerprint counts only while a language of
    it is active (``i18n/fr.po``, ``i18n_extra/fr_BE.po``: ``core.fingerprint``), or None."""
    folder, _slash, name = relpath.rpartition("/")
    if folder not in LANG_DIRS or not name.endswith(".po") or not name[:-3].strip("."):
        return None
    return name[:-3].split("_")[0]


def _language_names(languages, prefix, active):
    """The English names (``French (BE)``) of the ``languages`` of ``prefix``: the active ones, or the
    inactive one written last."""
    found = [(code, name) for code, name, on in languages if code.split("_")[0] == prefix and bool(on) == active]
    found = sorted(found) if active else found[:1]
    return ", ".join(name.split(" / ")[0] for _code, name in found) or prefix


def language_reasons(files, saved_files, languages):
    """``{addon: why}`` of the addons of ``files`` whose only change is translation files that the
    fingerprint counts since a language was activated, or no longer counts since one was deactivated.

    ``files``: ``{addon: compare.diff_files}`` (None when not known); ``saved_files``: the per-file
    records of every addon (``{addon: {relpath: digest}}``), which tell the languages that counted at
    the last record; ``languages``: ``[(code, name, active)]`` of the database, the last written
    first (``plan_readers.languages``). A translation file added for a language that counted already
    is a change of the code: not explained here. ``why`` is a plan entry (``code``, ``params``,
    ``detail``: ``French activated: fr.po now counts in its fingerprint``).
    """
    active = {code.split("_")[0] for code, _name, on in languages if on}
    counted = {prefix for record in saved_files.values() for path in record if (prefix := language_prefix(path))}
    reasons = {}
    for name, diff in files.items():
        if not diff or diff["modified"] or bool(diff["added"]) == bool(diff["removed"]):
            continue
        paths = diff["added"] or diff["removed"]
        prefixes = {language_prefix(path) for path in paths}
        if diff["added"] and prefixes <= active - counted:
            code, now_active = "language-activated", True
        elif diff["removed"] and None not in prefixes and not prefixes & active:
            code, now_active = "language-deactivated", False
        else:
            continue
        names = ", ".join(_language_names(languages, prefix, now_active) for prefix in sorted(prefixes))
        basenames = sorted({path.rpartition("/")[2] for path in paths})
        code += "-many" if len(basenames) > 1 else ""
        reasons[name] = entry(code, languages=names, files=", ".join(basenames))
    return reasons


# The plan ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInputs:
    """What ``build_plan`` plans from, each read once per run (``upgrade/plan_inputs.plan_for``).

    ``installed``: ``{addon: {"version": latest_version, "depends": [...]}}``;
    ``current``/``saved``: addon digests (``False``: folder missing, ``None``:
    unreadable); ``current_files``/``saved_files``: ``{addon: {relpath: digest}}``;
    ``manifests``: ``{addon: manifest}`` of every addon on disk; ``reasons``:
    ``{addon: reason}`` of the inspection (``inspection.classify``); ``scope``:
    ``upgrade_scope`` of them, when the caller computed it already; ``scripts``:
    ``{addon: {version folder: [paths]}}``, ``script_digests`` ``{addon: {path:
    digest}}`` of their files, ``recorded_scripts`` ``{addon: {path: {"version",
    "stage", "digest", "ran_at"}}}`` the scripts recorded as run (``plan_readers.ran_migrations``);
    ``saved_versions``: ``{addon: installed version when its fingerprint was recorded}``;
    ``script_problems``: ``{addon: {path: [blocking entries]}}`` of its scripts
    (``preflight.check_script``), blocking for those the upgrade runs;
    ``allow_unrun``: the scripts that the versions keep from running
    (``migration.unreached_scripts``) are warnings, not blocking entries;
    ``problems``: blocking entries found by ``preflight``; ``pending``:
    ``[(addon, state)]`` left pending; ``partially_updated``: Odoo's loader
    marked the database partially updated (``stored.PARAM_PARTIALLY_UPDATED``),
    which the run clears; ``records``, ``defined_xmlids``: for
    ``deleted_records`` (``defined_xmlids`` None when a data file could not be
    read: then no deletion is announced); ``stored_fields``, ``declared_fields``:
    for ``dropped_columns``; ``adopted``: addons whose record was taken over as
    they are; ``database_only``: installed addons that exist only in the
    database (``stored.database_only_addons``), whose missing code is no warning;
    ``languages``: ``[(code, name, active)]`` of the database, the last written
    first: a ``changed`` entry's ``why`` says when a language made it change
    (``language_reasons``); ``risks``: the warnings of ``core.risk``;
    ``table_sizes``: ``{table: rows}``, ``tables``: ``{model: _table}`` set in
    code, for the size of the tables whose columns are dropped.
    """

    installed: dict
    current: dict
    saved: dict
    manifests: dict
    reasons: dict
    scope: dict = None
    current_files: dict = None
    saved_files: dict = None
    series: str = "18.0"
    scripts: dict = None
    script_digests: dict = None
    recorded_scripts: dict = None
    saved_versions: dict = None
    script_problems: dict = None
    allow_unrun: bool = False
    records: list = ()
    defined_xmlids: list = ()
    stored_fields: list = ()
    declared_fields: dict = None
    problems: list = ()
    pending: list = ()
    partially_updated: bool = False
    company_countries: list = ()
    adopted: list = ()
    database_only: list = ()
    languages: list = ()
    risks: list = ()
    table_sizes: dict = None
    tables: dict = None


def build_plan(inputs):
    """The JSON-serialisable plan of the next auto-upgrade, from ``inputs`` (``PlanInputs``)."""
    current_files, saved_files = inputs.current_files or {}, inputs.saved_files or {}
    installed, manifests, reasons = inputs.installed, inputs.manifests, inputs.reasons
    scope = inputs.scope or upgrade_scope(reasons, installed, manifests, inputs.company_countries)
    todo = set(scope["changed"]) | set(scope["cascade"])

    changed = []
    for name in compare.upgradable(reasons):
        known = name in saved_files and name in current_files
        files = compare.diff_files(saved_files[name], current_files[name]) if known else None
        changed.append({"module": name, "reason": reasons[name], "files": files, "why": None})
    explained = {item["module"]: item["files"] for item in changed if item["reason"] == compare.CHANGED}
    for name, why in language_reasons(explained, saved_files, inputs.languages).items():
        next(item for item in changed if item["module"] == name)["why"] = why
    missing = sorted((name, reason) for name, reason in reasons.items() if reason in compare.LEFT_ALONE)
    without_code = [n for n, r in missing if r == compare.FOLDER_MISSING and n not in set(inputs.database_only)]

    migrations, script_warnings, script_blocking, unrun = [], [], [], []
    files_of = {item["module"]: item["files"] for item in changed}
    for name in load_order(todo, installed, manifests):
        manifest = manifests.get(name)
        if manifest is None:
            continue
        series = inputs.series
        old, new = installed[name].get("version") or "", migration.full_version(manifest.get("version", "1.0"), series)
        found, digests = (inputs.scripts or {}).get(name, {}), (inputs.script_digests or {}).get(name, {})
        ran = (inputs.recorded_scripts or {}).get(name, {})
        steps = migration.migration_scripts(found, old, new, series, digests)
        if migration.parse_version(old) != migration.parse_version(new) or steps:
            migrations.append({"module": name, "from": old, "to": new, "scripts": steps})
        checked = (inputs.script_problems or {}).get(name, {})
        script_blocking += [problem for step in steps for problem in checked.get(step["path"], ())]
        if name in files_of:
            recorded = (inputs.saved_versions or {}).get(name)
            unreached = migration.unreached_scripts(name, found, old, new, series, files_of[name], ran, recorded)
            (script_warnings if inputs.allow_unrun else unrun).extend(unreached)
        script_warnings += migration.edited_scripts(name, found, old, new, series, ran, digests)
    # A syntax error of a script is found by the scan of the addon's Python code too: said once.
    seen = {(p["code"], p["file"], p.get("line")) for p in [*scope["blocking"], *inputs.problems]}
    script_blocking = [p for p in script_blocking if (p["code"], p["file"], p.get("line")) not in seen]
    script_blocking += [dict({key: value for key, value in w.items() if key != "kind"}, line=None) for w in unrun]

    defined = inputs.defined_xmlids
    deleted = deleted_records(inputs.records, defined) if defined is not None else []
    dropped = dropped_columns(inputs.stored_fields, inputs.declared_fields or {}, todo)
    plan = {
        "first_run": bool(inputs.current) and not any(inputs.saved.values()),
        "changed": changed,
        "cascade": [{"module": n, "because_of": b} for n, b in sorted(scope["cascade"].items())],
        "to_install": [{"module": n, "required_by": r} for n, r in sorted(scope["to_install"].items())],
        "pending": [{"module": n, "state": state} for n, state in sorted(inputs.pending)],
        "partially_updated": inputs.partially_updated,
        "missing": [{"module": n, "reason": reason} for n, reason in missing],
        "blocking": [*scope["blocking"], *inputs.problems, *script_blocking],
        "migrations": migrations,
        "warnings": [
            *warnings(scope, deleted, dropped, reasons, without_code, inputs.table_sizes, inputs.tables),
            *script_warnings,
            *inputs.risks,
        ],
    }
    quiet = [(name, reason) for name, reason in missing if name not in without_code]
    plan["info"] = information(
        quiet, sorted(inputs.pending), plan["first_run"] and bool(changed), inputs.adopted, inputs.partially_updated
    )
    if unrun:
        plan["info"].append(dict(entry("migrations-unrun-allowed"), module=None))
    plan["summary"] = summary(plan)
    return plan


def reasons(plan):
    """``{addon: reason}`` of the plan's ``changed`` entries: why each addon it upgrades for itself is there."""
    return {item["module"]: item["reason"] for item in (plan or {}).get("changed", ())}


def with_blocking(plan, problems):
    """``plan`` with the blocking entries ``problems`` added (found by the caller), its summary counted again."""
    if not problems:
        return plan
    plan = dict(plan, blocking=[*plan["blocking"], *problems])
    plan["summary"] = summary(plan)
    return plan


COUNTED = ("changed", "cascade", "to_install", "pending", "migrations", "blocking", "warnings", "missing")


def summary(plan):
    """``{key: count}`` of the plan's lists, ``parts``: ``[[code, params]]`` and their English ``text``."""
    counts = {key: len(plan[key]) for key in COUNTED}
    if not is_empty(plan):
        parts = [[f"count-{key}", {"count": counts[key]}] for key in COUNTED if counts[key]]
        parts += [["count-partially-updated", {}]] if plan.get("partially_updated") else []
    elif counts["missing"]:
        parts = [["nothing-but-missing", {"count": counts["missing"]}]]
        parts += [["count-warnings", {"count": counts["warnings"]}]] if counts["warnings"] else []
    else:
        parts = [["nothing", {}]]
    counts["parts"] = parts
    counts["text"] = summary_text(parts)
    return counts


def summary_text(parts, translate=None):
    text = "; ".join(render(code, params, translate) for code, params in parts)
    return text[:1].upper() + text[1:]


def without_code(plan):
    """The installed addons of ``plan`` whose folder is missing from the addons path (a warning each)."""
    return [w["module"] for w in (plan or {}).get("warnings", ()) if w["kind"] == "code-missing"]


def is_empty(plan):
    """Nothing to upgrade, install or finish (addons without code are never upgraded)."""
    return not (plan["changed"] or plan["to_install"] or plan["pending"] or plan.get("partially_updated"))


# Python files that running Odoo processes never imported: Odoo reads them
# afresh when it needs them (migration scripts, the manifest) or only in test mode.
NOT_IMPORTED = ("migrations/", "upgrades/", "tests/", "__manifest__.py")


def restart_addons(plan, upgraded):
    """The addons of ``upgraded`` whose Python code changed, so that Odoo processes
    running before the upgrade still run the old code (they never import it again).

    An addon whose changed files are not known (no per-file record: a first
    run, or a record made by another tool) is counted: nothing says its Python
    code did not change.
    """
    names = []
    for item in (plan or {}).get("changed", ()):
        if item["module"] not in upgraded:
            continue
        files = item["files"]
        paths = [] if files is None else [path for kind in ("added", "removed", "modified") for path in files[kind]]
        if files is None or any(path.endswith(".py") and not path.startswith(NOT_IMPORTED) for path in paths):
            names.append(item["module"])
    return sorted(names)


RESTART_HOW = "kill -HUP to the Odoo process, the master in prefork mode, or a rolling restart"


def process_names(processes):
    """``pid 1234 (local socket), pid 5678 (10.0.0.3)``: the Odoo processes of ``stored.odoo_processes``."""
    names = []
    for process in processes:
        where = process.get("host") or "host unknown"
        if process.get("pid") is not None:
            names.append(f"pid {process['pid']} ({where})")
        else:  # ODOO_PGAPPNAME without {pid}: the processes cannot be told apart
            names.append(f"{process['application']} ({process['connections']} connection(s), {where})")
    return ", ".join(names)


def restart_text(addons, processes=None, rehearsal=False):
    """What to say when ``restart_addons`` found some: the Odoo processes connected to the database
    (``stored.odoo_processes``) run the old Python code of ``addons`` (a rehearsal: would need a
    restart for the new code), or none is connected. ``processes`` None: not known, said as if some were.
    """
    addons = ", ".join(addons)
    if processes == []:
        if rehearsal:
            return (
                f"The upgrade would change the Python code of {addons}; no Odoo server is connected to the "
                "database: none would need a restart."
            )
        return f"The Python code of {addons} changed; no Odoo server is connected to the database: nothing to restart."
    connected = f": {process_names(processes)}, connected to the database" if processes else ""
    if rehearsal:
        return (
            f"Running Odoo processes would need a restart for the new Python code of {addons}{connected} "
            f"({RESTART_HOW})."
        )
    return (
        f"Running Odoo processes still run the old Python code of {addons}{connected}. Restart them "
        f"({RESTART_HOW}) to serve the new code."
    )


# Rendering: the building blocks of the plan's text (render_text) and of the wizard's HTML.

# How a changed file is marked, by kind of change (compare.diff_files).
FILE_MARKS = (("added", "+"), ("removed", "-"), ("modified", "~"))
# The lists of addons brought into the upgrade by others: (plan key, message code, entry key of the others).
BROUGHT_IN = (("cascade", "because-of", "because_of"), ("to_install", "required-by", "required_by"))


def change_reason(item, translate=None):
    """Why a ``changed`` entry of the plan is there: its ``why`` (a language activated...) or its reason."""
    why = item.get("why")
    return render(why["code"], why["params"], translate) if why else render(item["reason"], None, translate)


def marked_files(files):
    """``[(mark, path)]`` of a changed addon's ``files`` (None when not known): added, removed, modified."""
    return [(mark, path) for kind, mark in FILE_MARKS for path in (files or {}).get(kind, ())]


def blocking_line(problem, translate=None):
    """``(where, what)`` of a blocking entry: ``addon/path:line``, and its sentence (its ``detail``,
    or in the language of ``translate``)."""
    what = problem["detail"] if translate is None else render(problem["code"], problem["params"], translate)
    return where(problem), what


def brought_in(plan, translate=None):
    """``[(plan key, [(addon, why)])]`` of the addons brought into the upgrade by others, as ``BROUGHT_IN``."""
    return [
        (key, [(e["module"], render(code, {"addons": ", ".join(e[by])}, translate)) for e in plan[key]])
        for key, code, by in BROUGHT_IN
    ]


def render_text(plan):
    """A plain-text rendering of the plan, for the shell and the command line."""
    lines = [plan["summary"]["text"]]

    def section(key, entries):
        if entries:
            lines.extend(["", render(f"heading-{key}") + ":", *entries])

    section("blocking", ["  %s: %s" % blocking_line(problem) for problem in plan["blocking"]])
    changed = []
    for item in plan["changed"]:
        changed.append(f"  {item['module']} ({change_reason(item)})")
        changed.extend(f"      {mark} {path}" for mark, path in marked_files(item["files"]))
    section("changed", changed)
    for key, entries in brought_in(plan):
        section(key, [f"  {module} ({why})" for module, why in entries])
    migrations = []
    for item in plan["migrations"]:
        migrations.append(f"  {item['module']}: {item['from'] or '(none)'} -> {item['to']}")
        migrations.extend(f"      {s['stage']} {s['version']} {s['path']}" for s in item["scripts"])
    section("migrations", migrations)
    section("warnings", [f"  {w['module']} [{w['kind']}] {w['detail']}" for w in plan["warnings"]])
    section("info", [f"  {i['detail']}" for i in plan.get("info", ())])
    return "\n".join(lines)
