# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What an upgrade will do that hurts a live database, said before it runs.

The run holds every table whose schema it changes locked until it commits
(one transaction: that is what makes it all or nothing). What makes that
hurt is the work done on a large table meanwhile. Compared here: the fields
that the code of the addons to load declares (``declared_fields``, read
without importing it), against what the database records of those fields
(``plan_readers.field_facts``) and the size of their tables, read from
PostgreSQL's statistics (``plan_readers.table_sizes``: estimates, not counts).

A warning each (``kind``, its sentence in ``core.messages``):

- ``column-rewrite``: a stored field's column changes type, so PostgreSQL
  rewrites the whole table under an exclusive lock (not said of a change
  that needs no rewrite, varchar to text);
- ``not-null-column``: a new required field, or one that becomes required:
  Odoo writes every row, then checks them all to set ``NOT NULL``;
- ``column-filled``: a new stored field with a default: every row written;
- ``recompute``: a new stored computed (or related) field, computed for
  every row inside the upgrade;
- ``index-created``: a new index, built while nobody can write the table;
- ``login-model``: new fields on ``res.users``, ``res.partner`` or
  ``res.company`` (the models every user meets) from an upgraded addon,
  whatever the size: Odoo processes that keep its old Python code do not
  know them, and the views that now show them fail to open there
  ("Invalid field") until they restart. An addon installed for the first
  time is imported by those processes from its new code: not said.

Those that depend on size are said for tables of at least ``large_rows``
rows. A field whose declaration is not all known (a keyword that is no
constant, an addon whose code could not be read, another addon that
declares the field too and is not upgraded) is left out: nothing is
concluded from what was not read. Removed fields are the plan's
``columns-dropped`` warning, which says the size of their table too.
"""

from .messages import entry

LARGE_ROWS = 100_000
# The system parameter that sets another threshold for a database (the command line's --large-table).
PARAM_LARGE_ROWS = "module_auto_update.large_table_rows"
LOGIN_MODELS = ("res.users", "res.partner", "res.company")
# The keywords whose value, not only their presence, decides what the upgrade does to the column.
VALUED = ("required", "index", "store", "translate", "company_dependent", "attachment")
# Field types without a column of their own.
NO_COLUMN = ("One2many", "Many2many")
# Column types (pg_type.typname) that another converts to without rewriting the table.
NO_REWRITE = {("varchar", "text")}
COLUMN_TYPES = {
    "Boolean": "bool",
    "Integer": "int4",
    "Monetary": "numeric",
    "Char": "varchar",
    "Text": "text",
    "Html": "text",
    "Date": "date",
    "Datetime": "timestamp",
    "Selection": "varchar",
    "Reference": "varchar",
    "Many2one": "int4",
    "Many2oneReference": "int4",
    "Json": "jsonb",
    "Properties": "jsonb",
    "PropertiesDefinition": "jsonb",
}


def code_tables(scans):
    """``{model: table}`` of the classes of ``scans`` (``{addon: PythonScan}``) that set ``_table``."""
    return {model: table for scan in scans.values() for model, table in scan.tables.items()}


def table_of(model, tables=None):
    """The table of ``model``: its ``_table`` when the code sets one (``tables``), else Odoo's default."""
    return (tables or {}).get(model) or model.replace(".", "_")


def merged(declarations):
    """One field as Odoo sets it up from its declarations in load order (``declared_fields.Field``):
    the last one's type, with the keywords of the declarations of that type merged, later ones first.
    None when one of ``VALUED`` is given without a constant value (what it does is not known)."""
    last = declarations[-1]
    same = [d for d in declarations if d.type == last.type]
    if any(set(VALUED) & (d.given - set(d.known)) for d in same):
        return None
    given, known = frozenset().union(*(d.given for d in same)), {}
    for declaration in same:
        known.update(declaration.known)
    return last._replace(given=given, known=known)


def _computed(field):
    return "compute" in field.given or "related" in field.given


def stored(field):
    """Whether ``field`` (merged) has a column of its own."""
    if field.type in NO_COLUMN:
        return False
    if field.type in ("Binary", "Image"):
        return field.known.get("attachment", True) is False
    if _computed(field):
        return bool(field.known.get("store"))
    return field.known.get("store", True) is not False


def column_type(field):
    """The column type (``pg_type.typname``) Odoo gives ``field`` (merged), or None when not known."""
    if field.known.get("translate") or field.known.get("company_dependent"):
        return "jsonb"
    if field.type == "Float":
        # digits given (but None) make a numeric column, whatever their value.
        return "numeric" if "digits" in field.given and field.known.get("digits", 0) is not None else "float8"
    if field.type in ("Binary", "Image"):
        return "bytea"
    return COLUMN_TYPES.get(field.type)


def declarations(scans, order):
    """``{(model, field): [declared_fields.Field]}`` of the addons ``order`` (load order) in ``scans``
    (``{addon: PythonScan}``), and ``{(model, field): {addons}}`` of the addons that declare each."""
    found, by = {}, {}
    for name in order:
        scan = scans.get(name)
        if scan is None or scan.errors:
            continue
        for model, names in scan.declared.items():
            for field_name, declaration in names.items():
                found.setdefault((model, field_name), []).append(declaration)
                by.setdefault((model, field_name), set()).add(name)
    return found, by


def risks(scans, order, recorded, sizes, upgraded, large_rows=LARGE_ROWS):
    """The risk warnings of loading the addons ``order`` (load order, upgraded or installed).

    ``scans``: ``{addon: PythonScan}``; ``recorded``: ``{(model, field):
    {"required", "index", "column", "modules"}}`` as the database
    knows the fields of their models (``column``: the column's type, None
    without one; ``modules``: the addons holding an XML ID of the field);
    ``sizes``: ``{table: rows}``; ``upgraded``: the installed addons the
    upgrade loads again (an existing field is judged only when every addon
    that declares it is among them).
    """
    found, by = declarations(scans, order)
    tables = code_tables(scans)
    result, login = [], {}
    for (model, name), decls in sorted(found.items()):
        known = recorded.get((model, name))
        module = min(by[(model, name)])
        if known is None and model in LOGIN_MODELS and by[(model, name)] & set(upgraded):
            login.setdefault(model, {"module": module, "fields": []})["fields"].append(name)
        field = merged(decls)
        table = table_of(model, tables)
        rows = sizes.get(table, 0)
        if field is None or rows < large_rows:
            continue
        if known is None:
            if stored(field):
                result += _new_column(field, module, model, name, table, rows)
            continue
        if not set(known["modules"]) <= set(upgraded) or not stored(field):
            continue
        result += _changed_column(field, known, module, model, name, table, rows)
    for model, added in sorted(login.items()):
        result.append(_warning("login-model", added["module"], model, fields=", ".join(added["fields"])))
    return result


def _warning(kind, module, model, **params):
    return dict(entry(kind, model=model, **params), module=module, kind=kind, model=model, **params)


def _new_column(field, module, model, name, table, rows):
    params = {"field": name, "table": table, "rows": rows}
    if _computed(field):
        found = [_warning("recompute", module, model, **params)]
    elif field.known.get("required"):
        found = [_warning("not-null-column", module, model, **params)]
    elif "default" in field.given:
        found = [_warning("column-filled", module, model, **params)]
    else:
        found = []
    if field.known.get("index"):
        found.append(_warning("index-created", module, model, **params))
    return found


def _changed_column(field, known, module, model, name, table, rows):
    params = {"field": name, "table": table, "rows": rows}
    found = []
    new_type, old_type = column_type(field), known["column"]
    if new_type and old_type and new_type != old_type and (old_type, new_type) not in NO_REWRITE:
        found.append(_warning("column-rewrite", module, model, old=old_type, new=new_type, **params))
    if field.known.get("required") and not known["required"]:
        found.append(_warning("not-null-column", module, model, **params))
    if field.known.get("index") and not known["index"]:
        found.append(_warning("index-created", module, model, **params))
    return found
