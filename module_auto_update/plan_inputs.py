"""Gather what the upgrade planner needs, without an Odoo registry.

Plain SQL on a DB-API cursor and the filesystem, like ``state``: the ORM
method ``get_upgrade_plan`` and the command line both call ``plan_for(cr)``.
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

from . import state
from .core import plan

_logger = logging.getLogger(__name__)

XML_ID_TAGS = ("record", "template", "menuitem")
SCRIPT_FOLDERS = ("migrations", "upgrades")
# Columns every model has without declaring them.
MAGIC_FIELDS = ("id", "create_uid", "create_date", "write_uid", "write_date")
FIELD_TYPES = frozenset(
    {
        "Binary",
        "Boolean",
        "Char",
        "Date",
        "Datetime",
        "Float",
        "Html",
        "Id",
        "Image",
        "Integer",
        "Json",
        "Many2many",
        "Many2one",
        "Many2oneReference",
        "Monetary",
        "One2many",
        "Properties",
        "PropertiesDefinition",
        "Reference",
        "Selection",
        "Text",
    }
)


# The database ----------------------------------------------------------------


def installed_modules(cr):
    """``{addon: {"version", "depends", "demo"}}`` of installed addons, as recorded."""
    cr.execute(
        """SELECT m.name, m.latest_version, m.demo, array_remove(array_agg(d.name ORDER BY d.name), NULL)
             FROM ir_module_module m
        LEFT JOIN ir_module_module_dependency d ON d.module_id = m.id
            WHERE m.state = 'installed'
         GROUP BY m.id"""
    )
    return {
        name: {"version": version, "depends": list(deps), "demo": bool(demo)}
        for name, version, demo, deps in cr.fetchall()
    }


def recorded_xmlids(cr, modules):
    """The non-noupdate XML IDs of ``modules`` that point at a record."""
    cr.execute(
        """SELECT d.module, d.name, d.model,
                  EXISTS(SELECT 1 FROM ir_model_data o WHERE o.model = d.model AND o.res_id = d.res_id AND o.id != d.id)
             FROM ir_model_data d
            WHERE d.module = ANY(%s) AND d.res_id IS NOT NULL AND NOT COALESCE(d.noupdate, false)
              AND d.model != ALL(%s)""",
        (list(modules), sorted(plan.CODE_DEFINED_MODELS)),
    )
    return [{"module": m, "name": n, "model": model, "shared": shared} for m, n, model, shared in cr.fetchall()]


def stored_fields(cr, modules):
    """Stored, column-backed fields with an XML ID of one of ``modules``, with all their XML IDs' addons."""
    cr.execute(
        """SELECT f.model, f.name, array_agg(DISTINCT d.module ORDER BY d.module)
             FROM ir_model_fields f
             JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
            WHERE f.store AND f.state = 'base' AND f.ttype NOT IN ('one2many', 'many2many')
              AND f.name != ALL(%s)
         GROUP BY f.model, f.name
           HAVING bool_or(d.module = ANY(%s))""",
        (list(MAGIC_FIELDS), list(modules)),
    )
    return [{"model": model, "name": name, "modules": list(mods)} for model, name, mods in cr.fetchall()]


def company_countries(cr):
    cr.execute(
        "SELECT DISTINCT c.code FROM res_company r JOIN res_partner p ON p.id = r.partner_id "
        "JOIN res_country c ON c.id = p.country_id"
    )
    return [code for (code,) in cr.fetchall()]


# The disk --------------------------------------------------------------------


def read_manifest(name):
    """The manifest of an addon on disk, read afresh (Odoo caches its own), or None."""
    path = state.addon_path(name)
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


def _constant(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _is_field(value):
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in FIELD_TYPES


def model_fields(cr, models):
    """``{model: [field names]}`` the database knows, whatever addon declared them."""
    cr.execute(
        "SELECT model, array_agg(name) FROM ir_model_fields WHERE model = ANY(%s) GROUP BY model", (list(models),)
    )
    return {model: list(names) for model, names in cr.fetchall()}


def _class_fields(tree):
    """``{class name: (model, [fields], [parent models])}`` of a parsed Python file."""
    classes = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        attrs, names = {}, []
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target, value = stmt.target, stmt.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if target.id in ("_name", "_inherit"):
                attrs[target.id] = _constant(value)
            elif _is_field(value):
                names.append(target.id)
        inherit = attrs.get("_inherit") or []
        inherit = [inherit] if isinstance(inherit, str) else [i for i in inherit if isinstance(i, str)]
        name = attrs.get("_name")
        model = name if isinstance(name, str) else inherit[0] if len(inherit) == 1 else None
        if model:
            classes[cls.name] = (model, names, [i for i in inherit if i != model])
    # Fields whose name is a Python keyword are added with setattr(Class, "global", field).
    for call in (n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)):
        func, args = call.value.func, call.value.args
        if (
            getattr(func, "id", None) == "setattr"
            and len(args) == 3
            and isinstance(args[0], ast.Name)
            and args[0].id in classes
            and isinstance(args[1], ast.Constant)
        ):
            classes[args[0].id][1].append(args[1].value)
    return classes


def declared_fields(path):
    """``({model: {field names}}, {model: {parent models}})`` that an addon's Python code declares.

    Static: reads class bodies (``_name``/``_inherit``, ``x = fields.X()``)
    and ``setattr(Class, "x", fields.X())``; code that builds fields
    dynamically is not seen.
    """
    own, parents = {}, {}
    for pyfile in glob.glob(os.path.join(path, "**", "*.py"), recursive=True):
        if os.path.relpath(pyfile, path).split(os.sep)[0] in ("tests", *SCRIPT_FOLDERS):
            continue
        try:
            with open(pyfile, encoding="utf-8") as f:
                tree = ast.parse(f.read(), pyfile)
        except (OSError, SyntaxError, ValueError):
            continue
        for model, names, inherit in _class_fields(tree).values():
            own.setdefault(model, set()).update(names)
            parents.setdefault(model, set()).update(inherit)
    return own, parents


def fields_kept(cr, paths):
    """``{addon: {model: [field names]}}`` that each addon's code still provides.

    A model's fields include those it inherits from its parent models,
    declared by this addon or (as the database knows them) by another.
    """
    declared = {name: declared_fields(path) for name, path in paths.items()}
    known = model_fields(cr, {p for _own, parents in declared.values() for ps in parents.values() for p in ps})
    return {
        name: {model: sorted(_fields_of(model, own, parents, known, {model})) for model in own}
        for name, (own, parents) in declared.items()
    }


def _fields_of(model, own, parents, known, seen):
    names = set(own.get(model, ()))
    for parent in parents.get(model, set()) - seen:
        names |= set(known.get(parent, ())) | _fields_of(parent, own, parents, known, seen | {parent})
    return names


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


# The plan --------------------------------------------------------------------


def plan_for(cr, forced=(), ignore=(), fingerprints=None):
    """The upgrade plan of the database behind ``cr`` (see core.plan.build_plan).

    ``fingerprints``: the installed addons' ones, when the caller has them already.
    """
    installed = installed_modules(cr)
    if fingerprints is None:
        fingerprints = state.current_fingerprints(sorted(installed), state.fingerprint_settings(cr))
    current = state.digests(fingerprints)
    saved = state.saved_checksums(cr)
    manifests = {name: m for name in get_modules() if (m := read_manifest(name)) is not None}
    countries = company_countries(cr)
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
        saved_files=state.saved_file_checksums(cr),
        forced=forced,
        ignore=ignore,
        series=odoo.release.major_version,
        scripts={name: script_files(name, manifests[name]["path"]) for name in todo},
        records=recorded_xmlids(cr, todo),
        defined_xmlids=defined,
        stored_fields=stored_fields(cr, todo),
        declared_fields=fields_kept(cr, {name: manifests[name]["path"] for name in todo}),
        missing_external={name: missing_external(manifests[name]) for name in loaded},
        company_countries=countries,
    )
