# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which fields an addon's Python code declares, read without importing it.

Static: the class bodies of every ``.py`` file (``_name``/``_inherit``,
``x = fields.X()``) and ``setattr(Class, "x", fields.X())``. Code that builds
fields dynamically is not seen. Used by the planner to tell which stored
fields an upgrade would drop, and by ``core.risk`` to tell which fields it
adds or changes: each declaration's type and its constant keyword arguments
(``required=True``, ``index=True``, ``store=True``...).
"""

import ast
import glob
import os
from typing import NamedTuple

# Folders whose code Odoo never loads as models.
SKIPPED_FOLDERS = ("tests", "migrations", "upgrades")
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


_UNKNOWN = object()


def _constant(node, unknown=None):
    """The value of ``node`` when it is a constant, else ``unknown``."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        return unknown


def _field_type(value):
    """The field type (``Char``...) that ``value`` builds, or None when it is not a field."""
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name if name in FIELD_TYPES else None


class Field(NamedTuple):
    """One field declaration as the code reads: ``type`` (``Char``...), where it is, its keyword
    arguments (``given``) and the values of those that are constants (``known``)."""

    type: str
    file: str
    line: int
    given: frozenset = frozenset()
    known: dict = {}


def _declaration(value, relpath):
    """The ``Field`` that the call ``value`` (``fields.X(...)``) declares; ``**kwargs`` are not seen."""
    named = [keyword for keyword in value.keywords if keyword.arg is not None]
    values = {keyword.arg: _constant(keyword.value, _UNKNOWN) for keyword in named}
    known = {name: found for name, found in values.items() if found is not _UNKNOWN}
    return Field(_field_type(value), relpath, value.lineno, frozenset(values), known)


def _class_fields(tree, relpath):
    """``{class name: (model, {field: Field}, [parent models], _table or None)}`` of a parsed Python file."""
    classes = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        attrs, names = {}, {}
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target, value = stmt.target, stmt.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if target.id in ("_name", "_inherit", "_table"):
                attrs[target.id] = _constant(value)
            elif _field_type(value):
                names[target.id] = _declaration(value, relpath)
        inherit = attrs.get("_inherit") or []
        inherit = [inherit] if isinstance(inherit, str) else [i for i in inherit if isinstance(i, str)]
        name = attrs.get("_name")
        model = name if isinstance(name, str) else inherit[0] if len(inherit) == 1 else None
        if model:
            table = attrs.get("_table")
            classes[cls.name] = (
                model,
                names,
                [i for i in inherit if i != model],
                table if isinstance(table, str) else None,
            )
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
            # The field may be built beforehand (global_ = fields.Boolean(...)): its declaration is then unknown.
            field = _declaration(args[2], relpath) if _field_type(args[2]) else Field(None, relpath, call.lineno)
            classes[args[0].id][1][args[1].value] = field
    return classes


class PythonScan(NamedTuple):
    """What the static reading of an addon's Python code found."""

    own: dict  # {model: {field names}} its classes declare
    parents: dict  # {model: {parent models}} of its classes
    errors: list  # [(relpath, line, message)] of the files Python cannot parse
    declared: dict = {}  # {model: {field name: Field}}, the last declaration of each
    tables: dict = {}  # {model: table} of the classes that set _table


def scan_python(path):
    """Read every ``.py`` file of the addon at ``path`` but its tests (see PythonScan).

    Static: reads class bodies (``_name``/``_inherit``, ``x = fields.X()``)
    and ``setattr(Class, "x", fields.X())``, outside ``SKIPPED_FOLDERS``;
    code that builds fields dynamically is not seen. Migration scripts are
    only checked for syntax.
    """
    own, parents, errors, declared, tables = {}, {}, [], {}, {}
    for pyfile in sorted(glob.glob(os.path.join(path, "**", "*.py"), recursive=True)):
        relpath = os.path.relpath(pyfile, path)
        folder = relpath.split(os.sep)[0]
        if folder == "tests":
            continue
        try:
            with open(pyfile, "rb") as f:
                tree = ast.parse(f.read(), pyfile)
        except SyntaxError as exc:  # IndentationError and TabError too
            errors.append((relpath, exc.lineno, exc.msg))
            continue
        except (OSError, ValueError) as exc:
            errors.append((relpath, None, str(exc)))
            continue
        if folder in SKIPPED_FOLDERS:
            continue
        for model, names, inherit, table in _class_fields(tree, relpath.replace(os.sep, "/")).values():
            own.setdefault(model, set()).update(names)
            parents.setdefault(model, set()).update(inherit)
            declared.setdefault(model, {}).update(names)
            if table:
                tables[model] = table
    return PythonScan(own, parents, errors, declared, tables)


def _readable(scans):
    """The scans of ``scans`` without a file Python cannot parse: what the others declare is not known."""
    return {name: scan for name, scan in scans.items() if not scan.errors}


def parent_models(scans):
    """The parent models of the classes of ``scans`` (``{addon: PythonScan}``): the models whose
    fields ``fields_kept`` needs as the database knows them."""
    return {p for scan in _readable(scans).values() for ps in scan.parents.values() for p in ps}


def fields_kept(scans, known):
    """``{addon: {model: [field names]}}`` that each addon's code still provides.

    ``scans``: ``{addon: PythonScan}``; an addon with a file Python cannot
    parse is left out: what it declares is not known. A model's fields
    include those it inherits from its parent models, declared by this addon
    or by another: ``known``, ``{model: [field names]}`` of the
    ``parent_models`` as the database knows them (``plan_readers.model_fields``).
    """
    scans = _readable(scans)
    return {
        name: {model: sorted(_fields_of(model, scan.own, scan.parents, known, {model})) for model in scan.own}
        for name, scan in scans.items()
    }


def _fields_of(model, own, parents, known, seen):
    names = set(own.get(model, ()))
    for parent in parents.get(model, set()) - seen:
        names |= set(known.get(parent, ())) | _fields_of(parent, own, parents, known, seen | {parent})
    return names
