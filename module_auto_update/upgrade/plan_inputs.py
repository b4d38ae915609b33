# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Gather what the upgrade planner needs, without an Odoo registry.

The database is read with the pure core's SQL readers (``core.plan_readers``)
and the addons' code with its static scanner (``core.declared_fields``); what
needs Odoo is here: the addon lookup, manifests as Odoo reads them, the
upgrade path of migration scripts, external dependencies. The ORM method
``get_upgrade_plan`` and the run protocol both call ``plan_for(cr)``.
Nothing is written to the database.
"""

import glob
import hashlib
import logging
import os

import odoo.release
import odoo.upgrade
from odoo import tools
from odoo.modules.module import adapt_version, check_python_external_dependency, get_modules

from ..core import plan, plan_readers, preflight, risk, stored
from ..core.declared_fields import fields_kept, parent_models, scan_python
from ..core.manifest import read_manifest_file
from . import addons, series

_logger = logging.getLogger(__name__)

SCRIPT_FOLDERS = ("migrations", "upgrades")


def read_manifest(name, errors=None):
    """The manifest of an addon on disk, read afresh (Odoo caches its own), or None.

    A manifest that cannot be read is logged, and its blocking entry put in
    ``errors[name]`` when given.
    """
    path = addons.addon_path(name)
    manifest_file = path and series.manifest_file(path)
    if not manifest_file:
        return None
    try:
        manifest, source = read_manifest_file(manifest_file)
        manifest["version"] = adapt_version(manifest.get("version", "1.0"))
    except (OSError, SyntaxError, ValueError) as exc:
        _logger.warning("Manifest of addon %s cannot be read: %s", name, exc)
        if errors is not None:
            errors[name] = preflight.manifest_problem(name, os.path.basename(manifest_file), exc)
        return None
    manifest.setdefault("depends", [])
    manifest.setdefault("installable", True)
    manifest["path"] = path
    manifest["source"] = source  # the lines blocking entries point at
    return manifest


def find_scripts(name, path):
    """``{version folder: [script paths]}`` of ``migrations/``, ``upgrades/`` and the upgrade path."""
    sources = [(os.path.join(path, folder), path) for folder in SCRIPT_FOLDERS]
    sources += [(os.path.join(upgrade, name), None) for upgrade in odoo.upgrade.__path__]
    scripts = {}
    for folder, relative_to in sources:
        if not os.path.isdir(folder):
            continue
        for version in os.listdir(folder):
            if version == "tests" or not os.path.isdir(os.path.join(folder, version)):
                continue
            for script in glob.glob(os.path.join(folder, version, "*.py")):
                scripts.setdefault(version, []).append(os.path.relpath(script, relative_to) if relative_to else script)
    return scripts


def read_script_digests(path, scripts):
    """``{script path: SHA-1 of its file}`` of ``find_scripts``' ``scripts`` (an unreadable one left out)."""
    digests = {}
    for paths in scripts.values():
        for script in paths:
            try:
                with open(os.path.join(path, script), "rb") as f:
                    digests[script] = hashlib.sha1(f.read()).hexdigest()
            except OSError as exc:
                _logger.warning("Migration script %s cannot be read: %s", script, exc)
    return digests


def find_missing_external(manifest):
    """``[(word, what)]``: the external dependencies of ``manifest`` that are not available,
    each with the word the manifest names it by (``preflight.check_addons`` makes them blocking)."""
    depends = manifest.get("external_dependencies") or {}
    missing = []
    for package in depends.get("python", ()):
        try:
            check_python_external_dependency(package)
        except Exception as exc:  # Odoo raises a bare Exception
            missing.append((package, f"Python package {package} ({exc})"))
    for binary in depends.get("bin", ()):
        try:
            tools.find_in_path(binary)
        except OSError:
            missing.append((binary, f"program {binary} in the PATH"))
    return missing


def check_scripts(name, path, scripts, addons_on_disk):
    """``{script path: [blocking entries]}`` of ``find_scripts``' ``scripts`` of addon ``name`` at ``path``:
    compiled, and their imports looked up in this process, which runs the upgrade (``preflight.check_script``)."""
    return {
        script: preflight.check_script(name, script, os.path.join(path, script), addons_on_disk)
        for paths in scripts.values()
        for script in paths
    }


def large_rows_setting(cr):
    """The system parameter ``module_auto_update.large_table_rows`` (``core.risk.LARGE_ROWS`` when
    unset, or not a whole number, which is logged)."""
    value = stored.get_param(cr, risk.PARAM_LARGE_ROWS)
    if not value:
        return risk.LARGE_ROWS
    try:
        return max(int(value), 0)
    except ValueError:
        _logger.warning("%s is not a whole number; %d is used.", risk.PARAM_LARGE_ROWS, risk.LARGE_ROWS)
        return risk.LARGE_ROWS


def plan_for(cr, found, allow_unrun=False, large_rows=None):
    """The upgrade plan of the database behind ``cr`` (see core.plan.build_plan).

    ``found``: what ``addons.inspect`` found (scope, fingerprints, reasons).
    Every file the upgrade would load is read first (``core.preflight``):
    what would make it fail is a blocking entry. ``allow_unrun``: the
    migration scripts that the versions keep from running are warnings,
    not blocking entries. ``large_rows``: the tables of at least so many rows
    whose changes are warned of (``core.risk``); None: ``large_rows_setting``.
    """
    # What the database holds, read first; then the disk, read only for the addons the upgrade touches;
    # then what the database holds of the addons it upgrades.
    facts = plan_readers.plan_facts(cr, found.saved)
    installed, countries = facts.installed, facts.countries
    manifest_errors = {}
    manifests = {name: m for name in get_modules() if (m := read_manifest(name, manifest_errors)) is not None}
    scope = plan.upgrade_scope(found.reasons, installed, manifests, countries)
    touched = sorted(set(scope["changed"]) | set(scope["cascade"]))
    todo = [name for name in touched if name in manifests]
    loaded = [*todo, *(n for n in scope["to_install"] if n in manifests)]
    scans = {name: scan_python(manifests[name]["path"]) for name in loaded}
    upgraded_scans = {name: scans[name] for name in todo}
    todo_facts = plan_readers.addon_facts(cr, todo, parent_models(upgraded_scans), plan.CODE_DEFINED_MODELS)
    declared = fields_kept(upgraded_scans, todo_facts.parent_fields)
    scripts = {name: find_scripts(name, manifests[name]["path"]) for name in todo}
    digests = {name: read_script_digests(manifests[name]["path"], scripts[name]) for name in todo}
    checked = {name: check_scripts(name, manifests[name]["path"], scripts[name], set(manifests)) for name in todo}
    missing_external = {name: find_missing_external(manifests[name]) for name in loaded}
    known_models = facts.models | {model for scan in scans.values() for model in scan.own}
    defined, problems = preflight.check_addons(loaded, manifests, scans, installed, known_models, missing_external)
    problems = [manifest_errors[name] for name in touched if name in manifest_errors] + problems
    order = plan.load_order(loaded, installed, manifests)
    tables = risk.code_tables(scans)
    models = {m for scan in scans.values() for m in scan.declared} | {f["model"] for f in todo_facts.stored_fields}
    table_names = {model: risk.table_of(model, tables) for model in models}
    sizes = plan_readers.table_sizes(cr, set(table_names.values()))
    recorded = plan_readers.field_facts(cr, models, table_names)
    return plan.build_plan(
        plan.PlanInputs(
            installed=installed,
            current=found.current,
            saved=found.saved,
            manifests=manifests,
            reasons=found.reasons,
            scope=scope,
            current_files={name: fp.files for name, fp in found.fingerprints.items() if fp},
            saved_files=facts.saved_files,
            adopted=found.adopted,
            database_only=found.database_only,
            series=odoo.release.major_version,
            scripts=scripts,
            script_digests=digests,
            recorded_scripts=todo_facts.recorded_scripts,
            saved_versions=facts.saved_versions,
            script_problems=checked,
            allow_unrun=allow_unrun,
            records=todo_facts.records,
            defined_xmlids=defined,
            stored_fields=todo_facts.stored_fields,
            declared_fields=declared,
            problems=problems,
            pending=facts.pending,
            partially_updated=found.partially_updated,
            languages=facts.languages,
            company_countries=countries,
            risks=risk.risks(scans, order, recorded, sizes, todo, large_rows or large_rows_setting(cr)),
            table_sizes=sizes,
            tables=tables,
        )
    )
