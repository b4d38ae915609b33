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

import ast
import csv
import glob
import logging
import os

from lxml import etree

import odoo.release
import odoo.upgrade
from odoo import tools
from odoo.modules.module import adapt_version, check_python_external_dependency, get_modules, module_manifest

from ..core import check, plan, plan_readers, stored
from ..core.declared_fields import fields_kept
from . import addons

_logger = logging.getLogger(__name__)

XML_ID_TAGS = ("record", "template", "menuitem")
SCRIPT_FOLDERS = ("migrations", "upgrades")


def read_manifest(name):
    """The manifest of an addon on disk, read afresh (Odoo caches its own), or None."""
    path = addons.addon_path(name)
    manifest_file = path and module_manifest(path)
    if not manifest_file:
        return None
    try:
        with open(manifest_file, encoding="utf-8") as f:
            manifest = ast.literal_eval(f.read())
        manifest["version"] = adapt_version(manifest.get("version", "1.0"))
    except (OSError, SyntaxError, ValueError) as exc:
        _logger.warning("Manifest of addon %s cannot be read: %s", name, exc)
        return None
    manifest.setdefault("depends", [])
    manifest.setdefault("installable", True)
    manifest["path"] = path
    return manifest


def data_files(manifest, demo):
    keys = ("init_xml", "update_xml", "data") + (("demo_xml", "demo") if demo else ())
    return [f for key in keys for f in manifest.get(key, ())]


def defined_xmlids(name, manifest, demo):
    """Full XML IDs the data files of an addon define (records, templates, menus, CSV rows)."""
    found = set()

    def qualify(xmlid):
        found.add(xmlid if "." in xmlid else f"{name}.{xmlid}")

    for relpath in data_files(manifest, demo):
        path = os.path.join(manifest["path"], relpath)
        try:
            if relpath.endswith(".xml"):
                for node in etree.parse(path).iter(*XML_ID_TAGS):
                    xmlid = node.get("id") or (node.get("t-name") if node.tag == "template" else None)
                    if xmlid:
                        qualify(xmlid)
            elif relpath.endswith(".csv"):
                with open(path, newline="", encoding="utf-8") as f:
                    for row in csv.DictReader(f):
                        if row.get("id"):
                            qualify(row["id"])
        except (OSError, etree.XMLSyntaxError, csv.Error, UnicodeDecodeError) as exc:
            # The upgrade itself will fail on this file; the plan goes on.
            _logger.warning("Data file %s of addon %s cannot be read: %s", relpath, name, exc)
    return found


def script_files(name, path):
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


def missing_external(manifest):
    """Sentences for the external dependencies of a manifest that are not available."""
    depends = manifest.get("external_dependencies") or {}
    problems = []
    for package in depends.get("python", ()):
        try:
            check_python_external_dependency(package)
        except Exception as exc:  # Odoo raises a bare Exception
            problems.append(f"Python package {package} is missing ({exc})")
    for binary in depends.get("bin", ()):
        try:
            tools.find_in_path(binary)
        except OSError:
            problems.append(f"Program {binary} is not found in the PATH")
    return problems


def plan_for(cr, forced=(), ignore=(), fingerprints=None):
    """The upgrade plan of the database behind ``cr`` (see core.plan.build_plan).

    ``fingerprints``: the installed addons' ones, when the caller has them already.
    """
    installed = plan_readers.installed_modules(cr)
    if fingerprints is None:
        fingerprints = addons.current_fingerprints(sorted(installed), cr=cr)
    current = check.digests(fingerprints)
    saved = stored.saved_checksums(cr)
    manifests = {name: m for name in get_modules() if (m := read_manifest(name)) is not None}
    countries = plan_readers.company_countries(cr)
    # The expensive inputs are read only for the addons the upgrade touches.
    reasons = plan.changed_reasons(current, saved, forced, ignore)
    scope = plan.upgrade_scope(reasons, installed, manifests, countries)
    todo = sorted((set(scope["changed"]) | set(scope["cascade"])) & set(manifests))
    loaded = [*todo, *(n for n in scope["to_install"] if n in manifests)]
    defined = set()
    for name in loaded:
        # A data file may define XML IDs of another addon: every loaded addon counts.
        defined |= defined_xmlids(name, manifests[name], installed.get(name, {}).get("demo", False))
    return plan.build_plan(
        installed=installed,
        current=current,
        saved=saved,
        manifests=manifests,
        current_files={name: fp.files for name, fp in fingerprints.items() if fp},
        saved_files=stored.saved_file_checksums(cr),
        forced=forced,
        ignore=ignore,
        series=odoo.release.major_version,
        scripts={name: script_files(name, manifests[name]["path"]) for name in todo},
        records=plan_readers.recorded_xmlids(cr, todo),
        defined_xmlids=defined,
        stored_fields=plan_readers.stored_fields(cr, todo),
        declared_fields=fields_kept(cr, {name: manifests[name]["path"] for name in todo}),
        missing_external={name: missing_external(manifests[name]) for name in loaded},
        company_countries=countries,
    )
