# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What would make an upgrade fail, found before anything runs: file and line.

Reads the files an upgrade would load: the manifest, every data, demo and
security file it names (XML well-formed, CSV readable, no record of a model
nobody defines, no missing file). The Python code is read by
``declared_fields.scan_python``; the migration scripts are compiled and
their imports looked up where the upgrade will run them (``check_script``).
Each problem is a ``blocking`` entry of the plan (``messages.entry`` with
``module``, ``file`` and ``line``); a file that cannot be read yields no
other conclusion (no XML IDs, so no deletion is announced from it).
"""

import ast
import csv
import importlib.util
import io
import os
import re
import sys

from lxml import etree

from .messages import blocking as problem
from .migration import script_file

# The data file keys of a manifest, as Odoo loads them (demo ones only with demo data).
DATA_KEYS = ("init_xml", "update_xml", "data")
DEMO_KEYS = ("demo_xml", "demo")
XML_ID_TAGS = ("record", "template", "menuitem")
MODEL_TAGS = ("record", "function", "delete")
# The problems that leave a data file's XML IDs unknown.
UNREAD = ("file-missing", "xml-invalid", "csv-invalid")


def line_of(text, word):
    """The 1-based line of ``text`` where the quoted ``word`` first appears, or None."""
    found = re.search(r"""["']%s["']""" % re.escape(word), text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def manifest_problem(module, manifest_file, exc):
    """The blocking entry of a manifest (``manifest_file``, its name) that cannot be read: ``exc``."""
    error = getattr(exc, "msg", None) or str(exc)
    return problem(module, "manifest-invalid", f"{module}/{manifest_file}", getattr(exc, "lineno", None), error=error)


def data_files(manifest, demo):
    keys = DATA_KEYS + (DEMO_KEYS if demo else ())
    return [f for key in keys for f in manifest.get(key, ())]


def read_data_files(module, manifest, demo, known_models=None):
    """``(xmlids, problems)`` of the data files an upgrade of ``module`` loads.

    ``xmlids``: the full XML IDs they define (records, templates, menus, CSV
    rows); ``known_models``: the models that exist after the upgrade (None:
    not checked). ``manifest["source"]``, its text, gives the lines.
    """
    path = manifest["path"]
    xmlids, problems = set(), []
    for relpath in data_files(manifest, demo):
        where = f"{module}/{relpath}"
        full = os.path.join(path, relpath)
        if not os.path.isfile(full):
            line = line_of(manifest.get("source", ""), relpath)
            problems.append(problem(module, "file-missing", f"{module}/__manifest__.py", line, missing=where))
            continue
        if relpath.endswith(".xml"):
            found, trouble = _read_xml(module, full, where, known_models)
        elif relpath.endswith(".csv"):
            found, trouble = _read_csv(module, full, where, known_models)
        else:
            continue
        xmlids |= {xmlid if "." in xmlid else f"{module}.{xmlid}" for xmlid in found}
        problems.extend(trouble)
    return xmlids, problems


def _read_xml(module, full, where, known_models):
    try:
        tree = etree.parse(full)
    except etree.XMLSyntaxError as exc:
        return set(), [problem(module, "xml-invalid", where, exc.lineno, error=exc.msg)]
    except OSError as exc:
        return set(), [problem(module, "xml-invalid", where, None, error=str(exc))]
    xmlids, problems = set(), []
    for node in tree.iter(*XML_ID_TAGS, *MODEL_TAGS):
        model = node.get("model")
        if node.tag in MODEL_TAGS and known_models is not None and model and model not in known_models:
            problems.append(problem(module, "model-unknown", where, node.sourceline, model=model))
        if node.tag in XML_ID_TAGS:
            xmlid = node.get("id") or (node.get("t-name") if node.tag == "template" else None)
            if xmlid:
                xmlids.add(xmlid)
    return xmlids, problems


def _read_csv(module, full, where, known_models):
    # Odoo's rule: the file name up to the first "-" is the model.
    model = os.path.splitext(os.path.basename(full))[0].split("-")[0]
    if known_models is not None and model not in known_models:
        return set(), [problem(module, "model-unknown", where, 1, model=model)]
    try:
        with open(full, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return set(), [problem(module, "csv-invalid", where, line, error=exc.reason)]
    except OSError as exc:
        return set(), [problem(module, "csv-invalid", where, None, error=str(exc))]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    xmlids = set()
    try:
        for row in reader:
            if row.get("id"):
                xmlids.add(row["id"])
    except csv.Error as exc:
        return set(), [problem(module, "csv-invalid", where, reader.line_num, error=str(exc))]
    return xmlids, []


def python_problems(module, errors):
    """Blocking entries of ``declared_fields.PythonScan.errors``."""
    return [problem(module, "python-invalid", f"{module}/{relpath}", line, error=msg) for relpath, line, msg in errors]


def external_problems(module, manifest, missing):
    """Blocking entries of the external dependencies ``missing`` (``[(word, what)]``), at their manifest line."""
    return [
        problem(
            module,
            "external-dependency-missing",
            f"{module}/__manifest__.py",
            line_of(manifest["source"], word),
            problem=what,
        )
        for word, what in missing
    ]


def check_addons(names, manifests, scans, installed, known_models, missing_external):
    """``(xmlids, problems)`` of an upgrade that loads the addons ``names``.

    ``problems``: the blocking entries of their Python code (``scans``:
    ``{addon: declared_fields.PythonScan}``), of their external dependencies
    (``missing_external``: ``{addon: [(word, what)]}``) and of their data
    files (``read_data_files``, with demo data where ``installed`` says so).
    ``xmlids``: the XML IDs their data files define (a data file may define
    those of another addon: every loaded addon counts), or None when a data
    file could not be read: its XML IDs are unknown, no deletion may be told.
    """
    defined, problems = set(), []
    for name in names:
        manifest = manifests[name]
        problems += python_problems(name, scans[name].errors)
        problems += external_problems(name, manifest, missing_external.get(name, ()))
        demo = installed.get(name, {}).get("demo", False)
        xmlids, trouble = read_data_files(name, manifest, demo, known_models)
        defined |= xmlids
        problems += trouble
    unread = any(p["code"] in UNREAD for p in problems)
    return (None if unread else defined), problems


# Migration scripts ---------------------------------------------------------

# What an ``except`` clause must catch for the imports of its ``try`` to be optional.
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(handler):
    kind = handler.type
    if kind is None:
        return True  # a bare except
    kinds = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    names = [ast.unparse(k).rsplit(".", 1)[-1] for k in kinds if isinstance(k, ast.Name | ast.Attribute)]
    return any(name in IMPORT_ERRORS for name in names)


class _Imports(ast.NodeVisitor):
    """The absolute imports of a module, top-level and inside functions and classes, but those
    inside a ``try`` whose ``except`` catches ImportError (optional ones)."""

    def __init__(self):
        self.found = []  # [(line, module, names)]
        self.optional = 0

    def visit_Try(self, node):
        optional = any(_catches_import_error(h) for h in node.handlers)
        self.optional += optional
        for child in node.body:
            self.visit(child)
        self.optional -= optional
        for child in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(child)

    visit_TryStar = visit_Try

    def visit_Import(self, node):
        if not self.optional:
            self.found.extend((node.lineno, alias.name, ()) for alias in node.names)

    def visit_ImportFrom(self, node):
        if not self.optional and not node.level and node.module:
            self.found.append((node.lineno, node.module, tuple(alias.name for alias in node.names)))


def script_imports(tree):
    """``[(line, module, names)]``: what the module ``tree`` imports (``import a.b``: ``a.b`` and no
    names; ``from a import b``: ``a`` and ``("b",)``); relative imports and optional ones are left out."""
    visitor = _Imports()
    visitor.visit(tree)
    return visitor.found


def missing_module(name, names=()):
    """The part of module ``name`` (``a.b.c``) that this process cannot import, or None.

    Looked up with ``importlib.util.find_spec`` without importing anything
    new: each part once its parent is imported already, the first that is
    not imported yet is the last looked up (what lies below it is taken as
    there). ``names``: of ``from name import ...``; one that the imported
    module ``name`` does not have is looked up as its submodule.
    """
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if sys.modules.get(prefix) is not None:
            continue
        try:
            found = importlib.util.find_spec(prefix)
        except (ImportError, ValueError):
            found = None
        return None if found else prefix
    module = sys.modules[name]
    for sub in names:
        if sub == "*" or hasattr(module, sub) or not hasattr(module, "__path__"):
            continue
        try:
            found = importlib.util.find_spec(f"{name}.{sub}")
        except (ImportError, ValueError):
            found = None
        if not found:
            return f"{name}.{sub}"
    return None


def check_script(module, path, full_path, addons=(), missing=missing_module):
    """The blocking entries of migration script ``path`` of ``module`` (its file: ``full_path``).

    It must compile, and what it imports must be importable by this process,
    which runs the upgrade (``missing(name, names)``: the part that is not, or
    None). An import of ``odoo.addons.X`` is fine for the addons ``addons``
    (those on disk): Odoo's import hook finds them.
    """
    file = script_file(module, path)
    try:
        with open(full_path, "rb") as f:
            source = f.read()
        tree = ast.parse(source, full_path)
        compile(tree, full_path, "exec", dont_inherit=True)
    except SyntaxError as exc:  # IndentationError and TabError too, and what only the compiler sees
        return [problem(module, "python-invalid", file, exc.lineno, error=exc.msg)]
    except (OSError, ValueError) as exc:
        return [problem(module, "python-invalid", file, None, error=str(exc))]
    problems, said = [], set()
    for line, name, names in script_imports(tree):
        parts = name.split(".")
        wanted = parts[2:3] or list(names)
        if parts[:2] == ["odoo", "addons"] and wanted and all(addon in addons for addon in wanted):
            continue
        lacking = missing(name, names)
        if lacking and lacking not in said:
            said.add(lacking)
            problems.append(problem(module, "migration-import-missing", file, line, package=lacking))
    return problems
