# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a rehearsal saw: the real upgrade, inside its transaction, before the rollback.

A rehearsal runs the upgrade as a real run does and rolls it back instead of
committing (``upgrade/run.py``). Before the rollback, on the run's own
connection, PostgreSQL still shows what the transaction did:

- its schema (``schema_changes``): tables created or dropped, columns
  added, dropped or changed in type or nullability, constraints and indexes;
- the rows it inserted, updated and deleted per table (``rows_written``,
  from ``pg_stat_xact_user_tables``: the transaction's own counters, cheap);
- the size of each table before (PostgreSQL's estimate), said beside a
  table or column dropped: the data gone.

The plan's warnings of what hurts a live database (``core.risk``) are
shown beside what the rehearsal measured of them (``measured_risks``): how
long the run held the table locked against writers (``core.watcher``).

Both are read at the start of the upgrade and at its end (``snapshot``) and
compared, so that what the transaction did before (a caller's, in Odoo's
test mode) is not counted.

The report (``report``) adds what the run's loader saw (each addon's seconds,
the migration scripts and hooks that ran) and is rendered for a terminal by
``report_lines``. Plain SQL on a DB-API cursor; nothing here imports Odoo.
"""

from collections import namedtuple

from . import plan_readers

Schema = namedtuple("Schema", "columns constraints indexes")
Snapshot = namedtuple("Snapshot", "schema counters sizes", defaults=({},))

COLUMNS = """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
                AND a.attnum > 0 AND NOT a.attisdropped"""
CONSTRAINTS = """SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
                   FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                  WHERE c.relnamespace = current_schema()::regnamespace"""
INDEXES = "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
COUNTERS = """SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables
               WHERE schemaname = current_schema() AND n_tup_ins + n_tup_upd + n_tup_del > 0"""
# Tables shown by the text report; JSON has them all.
TEXT_ROWS = 10
# Tables every upgrade writes (Odoo's registry of modules, models, views, data; our fingerprints).
BOOKKEEPING = ("ir_", "module_auto_update_")
BOOKKEEPING_TEXT = "Odoo's own records (%s tables: ir_*, module_auto_update_*)"


def schema(cr):
    """The current schema's tables and columns, constraints and indexes, as the transaction of ``cr`` sees them."""
    cr.execute(COLUMNS)
    columns = {(table, column): (kind, not_null) for table, column, kind, not_null in cr.fetchall()}
    cr.execute(CONSTRAINTS)
    constraints = {(table, name): definition for table, name, definition in cr.fetchall()}
    cr.execute(INDEXES)
    indexes = {(table, name): definition for table, name, definition in cr.fetchall()}
    return Schema(columns, constraints, indexes)


def snapshot(cr, sizes=False):
    """The schema and the row counters of the transaction of ``cr``, as it sees them now; with ``sizes``,
    the table sizes too (only those before the upgrade are said)."""
    cr.execute(COUNTERS)
    counters = {table: tuple(counts) for table, *counts in cr.fetchall()}
    return Snapshot(schema(cr), counters, plan_readers.table_sizes(cr) if sizes else {})


def rows_written(before, after):
    """``[{"table", "inserted", "updated", "deleted"}]`` from the counters ``before`` to ``after``
    (``Snapshot.counters``), most written first."""
    rows = []
    for table, counts in after.items():
        done = [now - then for now, then in zip(counts, before.get(table, (0, 0, 0)), strict=True)]
        if any(done):
            rows.append(dict(zip(("table", "inserted", "updated", "deleted"), (table, *done), strict=True)))
    return sorted(rows, key=lambda row: (-(row["inserted"] + row["updated"] + row["deleted"]), row["table"]))


def schema_changes(before, after, sizes=None):
    """The differences from ``before`` to ``after`` (``Schema``), tables first.

    Each is ``{"change", "table", "name", "detail"}``; ``change`` is one of
    ``table created``, ``table dropped``, ``column added``, ``column dropped``,
    ``column changed``, ``constraint added``, ``constraint dropped``,
    ``index created``, ``index dropped``. What belongs to a created or
    dropped table is said with the table only. ``sizes``: ``{table: rows}``
    before, said of a table or column dropped and of a column changed.
    """
    sizes = sizes or {}

    def rows(table):
        return f"about {sizes.get(table, 0)} rows"

    tables_before = {table for table, _column in before.columns}
    tables_after = {table for table, _column in after.columns}
    created, dropped = tables_after - tables_before, tables_before - tables_after
    changes = [
        _change("table created", table, "", f"{sum(1 for t, _c in after.columns if t == table)} columns")
        for table in sorted(created)
    ]
    changes += [_change("table dropped", table, "", rows(table)) for table in sorted(dropped)]
    whole = created | dropped

    def column(kind, not_null):
        return f"{kind}{' not null' if not_null else ''}"

    for key in sorted(set(before.columns) | set(after.columns)):
        if key[0] in whole:
            continue
        old, new = before.columns.get(key), after.columns.get(key)
        if old is None:
            changes.append(_change("column added", *key, column(*new)))
        elif new is None:
            changes.append(_change("column dropped", *key, f"{column(*old)}, {rows(key[0])}"))
        elif old != new:
            changes.append(_change("column changed", *key, f"{column(*old)} → {column(*new)}, {rows(key[0])}"))
    for thing, added, removed, old_map, new_map in (
        ("constraint", "constraint added", "constraint dropped", before.constraints, after.constraints),
        ("index", "index created", "index dropped", before.indexes, after.indexes),
    ):
        for key in sorted(set(old_map) | set(new_map)):
            if key[0] in whole:
                continue
            old, new = old_map.get(key), new_map.get(key)
            if old is None:
                changes.append(_change(added, *key, new))
            elif new is None:
                changes.append(_change(removed, *key, old))
            elif old != new:
                changes.append(_change(f"{thing} changed", *key, f"{old} → {new}"))
    return changes


def _change(change, table, name, detail):
    return {"change": change, "table": table, "name": name, "detail": detail}


def report(addons, before, after, warnings=(), locks=()):
    """The ``rehearsal`` of a ``Result``: ``addons`` in load order (each ``{"module", "seconds",
    "scripts", "hooks"}``), then ``schema`` and ``rows``, from the ``Snapshot`` ``before`` to ``after``,
    and ``risks``: the plan's ``warnings`` measured (``measured_risks``) with the run's ``locks``."""
    return {
        "addons": addons,
        "schema": schema_changes(before.schema, after.schema, before.sizes),
        "rows": rows_written(before.counters, after.counters),
        "risks": measured_risks(warnings, locks),
    }


def measured_risks(warnings, locks):
    """``[{"kind", "model", "table", "rows", "locked", "mode"}]``: the plan's warnings about a table
    (``core.risk``, ``columns-dropped``), each with the estimate it gave (``rows``) and how long the
    rehearsal held that table locked against writers (``locked`` seconds and ``mode``, from the
    watcher's ``locks``; None when it was never seen locked)."""
    held = {lock["table"]: lock for lock in locks}
    return [
        {
            "kind": warning["kind"],
            "model": warning["model"],
            "table": warning["params"]["table"],
            "rows": warning["params"]["rows"],
            "locked": held.get(warning["params"]["table"], {}).get("seconds"),
            "mode": held.get(warning["params"]["table"], {}).get("mode"),
        }
        for warning in warnings
        if "table" in warning.get("params", {})
    ]


def split_rows(rows):
    """``(data, bookkeeping)``: the rows of the data's tables, and the sums of ``BOOKKEEPING``'s
    (``{"tables", "inserted", "updated", "deleted"}``, None when it wrote none)."""
    own = [row for row in rows if row["table"].startswith(BOOKKEEPING)]
    sums = {key: sum(row[key] for row in own) for key in ("inserted", "updated", "deleted")}
    return [row for row in rows if row not in own], dict(sums, tables=len(own)) if own else None


def report_lines(rehearsal):
    """The rehearsal's report for a terminal, one line each, unindented."""
    lines = ["addons, in load order:"]
    for addon in rehearsal["addons"]:
        lines.append(f"  {addon['module']}: {addon['seconds']:.2f} s")
        lines.extend(
            f"    {script['stage']}-migration {script['version']} {script['file']}: {script['seconds']:.2f} s"
            for script in addon["scripts"]
        )
        lines.extend(f"    {hook}" for hook in addon["hooks"])
    if rehearsal["schema"]:
        lines.append("schema changes:")
        for change in rehearsal["schema"]:
            name = f"{change['table']}.{change['name']}" if change["name"] else change["table"]
            lines.append(f"  {change['change']}: {name}" + (f" ({change['detail']})" if change["detail"] else ""))
    else:
        lines.append("schema changes: none")
    # The tables of the data first; Odoo's own bookkeeping (every upgrade writes it) in one line.
    rows, own = split_rows(rehearsal["rows"])
    lines.append("rows written (inserted, updated, deleted):" if rows or own else "rows written: none")
    lines.extend(f"  {row['table']}: {row['inserted']}, {row['updated']}, {row['deleted']}" for row in rows[:TEXT_ROWS])
    if len(rows) > TEXT_ROWS:
        lines.append(f"  and {len(rows) - TEXT_ROWS} more tables (--format json lists them all)")
    if own:
        lines.append(f"  {BOOKKEEPING_TEXT % own['tables']}: {own['inserted']}, {own['updated']}, {own['deleted']}")
    if rehearsal.get("risks"):
        lines.append("warnings, estimated and measured:")
        for risk in rehearsal["risks"]:
            locked = f"locked {risk['locked']:.1f} s ({risk['mode']})" if risk["locked"] is not None else "not locked"
            lines.append(f"  {risk['kind']} {risk['table']}: about {risk['rows']} rows, {locked}")
    return lines
