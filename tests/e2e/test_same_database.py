# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Our upgrade yields the same database as ``odoo-bin -u``.

For each scenario, one change is made on disk (in a private copy of the
sample addons) to a database with those addons installed and their
fingerprints recorded. Two copies of that database (``CREATE DATABASE ...
TEMPLATE``, and its filestore) are then upgraded: copy A with ``odoo-bin -u
<the addons our run upgraded> --stop-after-init``, copy B with ``odoo-bin
auto-upgrade``. The two must be the same database:

- the schema: ``pg_dump --schema-only --no-owner --no-privileges``, as is;
- every row of every table, compared as text (``COPY ... TO STDOUT``), ids
  included, with only what ``IGNORED`` below lists left out, each entry with
  its reason;
- every file of the filestore, by content.

A difference is shown row by row (column by column for rows of the same
id) and DDL line by line; a row that one run rewrote with the same values and
the other left alone differs by its write date. Each scenario also checks that
its change reached the database, that our run upgraded what it should, and
that what ``-u`` logs as a warning, ours logs too.

Odoo's database-wide steps are each seen by a scenario if our run skips
them: the module list refresh (``module-list``: a new addon on disk nothing
depends on, an uninstalled addon's manifest changed; and in every scenario,
the refresh rewrites every ``ir_module_module`` row), the removed columns
(every scenario: the base has a NOT NULL column that no code declares, on a
table no scenario touches), the custom views (``custom-view``: validating
them writes nothing, but -u warns of the one a change broke).

The base databases (the samples; the OCA addons when their wheels can be
downloaded) are built once for the module and copied for each scenario.
"""

import dataclasses
import difflib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter

import odoo_env
import pytest
from conftest import PROBES, SAMPLES, Database, copy_samples
from test_all_or_nothing import ONCE, edit, write
from test_all_or_nothing import change as probes_change

from module_auto_update.core import stored

# What the comparison leaves out, and why. Nothing else: any other
# difference fails the scenario.
IGNORED = {
    # Whole tables: our own records, which odoo-bin -u never writes by design.
    "tables": {
        # The history of our runs: one row per run (B), none for -u (A).
        stored.RUN_TABLE,
        # The fingerprints: our run records those it upgraded from; -u leaves
        # the old ones (B's are checked below: a new run finds nothing to do).
        stored.CHECKSUM_TABLE,
        # The migration scripts our run ran, recorded beside the fingerprints.
        stored.MIGRATION_TABLE,
    },
    # Rows: the legacy copy of the fingerprints (for the OCA addon and
    # click-odoo-update) and its digest, rewritten with the fingerprints.
    "rows": {"ir_config_parameter": ("key", (stored.PARAM_INSTALLED_CHECKSUMS, stored.PARAM_WRITTEN))},
    # Timestamp columns whose value, when the run set it, is the clock at that
    # moment: two runs cannot agree on it. Each with the column that says the
    # run set it (its value at or after the run's start). A value from before
    # the run is compared as any other; a row that one run wrote and the
    # other did not still differs (a date from before the run against one of
    # the run).
    "run_clock": {
        # Odoo's magic columns, on every table: when the ORM created or wrote the row.
        "*": {"create_date": "create_date", "write_date": "write_date"},
        # The autovacuum job's trigger that the end of every upgrade adds
        # (odoo/modules/loading.py, STEP 4): now + 1 minute, in the rows the run
        # created (the base's own trigger may still lie in the future).
        "ir_cron_trigger": {"call_at": "create_date"},
        # 19.0's signal to other processes that the registry changed: a row (id, date = now()) that
        # the end of every upgrade inserts (odoo/orm/registry.py, Registry.signal_changes).
        "orm_signaling_registry": {"date": "date"},
    },
    # Sequences' positions are not compared at all: pg_dump --schema-only
    # leaves them out (PostgreSQL never rolls them back, and a run may draw
    # numbers it does not keep); the ids actually used are compared in the rows.
}
SET_BY_THE_RUN = "<set by the run>"
# The addon under test is the live checkout, which may be edited while the
# suite runs: its own changes are not what this test is about (as test_cli).
IGNORE_SELF = ("--ignore-addons", "module_auto_update")


# Snapshots and their comparison -------------------------------------------------------


def now(dbname):
    """The database's clock, as Odoo writes its dates (naive UTC)."""
    return odoo_env.sql(dbname, "SELECT now() AT TIME ZONE 'UTC'")[0][0]


def schema(dbname):
    return odoo_env.schema_lines(dbname)


def table_query(cr, table, columns, since):
    """The ``SELECT`` of ``table``'s rows as compared: ``columns`` by name, what IGNORED says left out."""
    clock = {**IGNORED["run_clock"]["*"], **IGNORED["run_clock"].get(table, {})}
    kinds = dict(columns)
    exprs = []
    for name, kind in columns:
        ident, when = f'"{name}"', f'"{clock.get(name)}"'
        if name in clock and kind.startswith("timestamp") and kinds.get(clock[name], "").startswith("timestamp"):
            exprs.append(cr.mogrify(f"CASE WHEN {when} >= %s THEN %s ELSE {ident}::text END", (since, SET_BY_THE_RUN)))
        else:
            exprs.append(ident.encode())
    query = b"SELECT " + b", ".join(exprs) + f" FROM {table}".encode()
    if table in IGNORED["rows"]:
        column, values = IGNORED["rows"][table]
        query += cr.mogrify(f' WHERE "{column}" != ALL(%s)', (list(values),))
    return query.decode()


def snapshot(dbname, since):
    """Schema lines, rows of every table (``{table: (columns, Counter(lines))}``) and filestore
    files (``{path: sha1}``) of ``dbname``, after a run that started at ``since``."""
    conn = odoo_env.pg_connect(dbname)
    rows = {}
    try:
        with conn.cursor() as cr:
            # Every table of every schema but PostgreSQL's own (Odoo's are all in public, named without it).
            cr.execute(
                "SELECT c.oid, CASE WHEN n.nspname = 'public' THEN quote_ident(c.relname) "
                "                   ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                "AND c.relkind IN ('r', 'p') ORDER BY 2"
            )
            for oid, table in cr.fetchall():
                if table in IGNORED["tables"]:
                    continue
                cr.execute(
                    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attname",
                    (oid,),
                )
                columns = cr.fetchall()
                out = io.StringIO()
                cr.copy_expert(f"COPY ({table_query(cr, table, columns, since)}) TO STDOUT", out)
                rows[table] = ([name for name, _kind in columns], Counter(out.getvalue().splitlines()))
    finally:
        conn.close()
    root = odoo_env.filestore(dbname)
    files = {
        str(path.relative_to(root)): hashlib.sha1(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    return {"schema": schema(dbname), "rows": rows, "files": files}


def clip(text, width=400):
    return text if len(text) <= width else f"{text[:width]}... ({len(text)} characters)"


def row_differences(table, columns_a, lines_a, columns_b, lines_b):
    """The rows of ``table`` that differ, in words: column by column for rows of the same id."""
    if columns_a != columns_b:
        return [f"{table}: columns differ: -u {columns_a}, ours {columns_b}"]
    only_a, only_b = lines_a - lines_b, lines_b - lines_a
    if not only_a and not only_b:
        return []
    found = [f"{table} ({len(only_a)} row(s) only after -u, {len(only_b)} only after ours):"]
    split_a = [line.split("\t") for line in only_a.elements()]
    split_b = [line.split("\t") for line in only_b.elements()]
    if "id" in columns_a:
        at = columns_a.index("id")
        by_id_a, by_id_b = {r[at]: r for r in split_a}, {r[at]: r for r in split_b}
        for key in sorted(set(by_id_a) & set(by_id_b), key=lambda k: (len(k), k)):
            changed = [
                f"{name}: -u {clip(a)!r} / ours {clip(b)!r}"
                for name, a, b in zip(columns_a, by_id_a[key], by_id_b[key], strict=True)
                if a != b
            ]
            found.append(f"  id={key}: " + "; ".join(changed))
        split_a = [r for r in split_a if r[at] not in by_id_b]
        split_b = [r for r in split_b if r[at] not in by_id_a]
    for side, rows in (("-u only", split_a), ("ours only", split_b)):
        for row in rows:
            found.append(f"  {side}: " + ", ".join(f"{n}={clip(v, 200)}" for n, v in zip(columns_a, row, strict=True)))
    return found


def differences(a, b):
    """What differs between snapshot ``a`` (after -u) and ``b`` (after ours), in words; empty when nothing."""
    found = []
    if a["schema"] != b["schema"]:
        diff = difflib.unified_diff(a["schema"], b["schema"], "after -u", "after ours", lineterm="", n=2)
        found.append("schema:\n" + "\n".join(diff))
    for table in sorted(set(a["rows"]) | set(b["rows"])):
        if table not in a["rows"] or table not in b["rows"]:
            continue  # the schema's difference already says it
        found += row_differences(table, *a["rows"][table], *b["rows"][table])
    files = {path for path in set(a["files"]) | set(b["files"]) if a["files"].get(path) != b["files"].get(path)}
    if files:
        found.append(f"filestore: {sorted(files)}")
    return found


# The databases -------------------------------------------------------------------------


def copy_db(template, name):
    """``name``, a copy of database ``template`` with its filestore."""
    odoo_env.create_db(name, template=template)
    if odoo_env.filestore(template).is_dir():
        shutil.copytree(odoo_env.filestore(template), odoo_env.filestore(name))


# User data the upgrades must carry over; two custom views on mau_sample_c's form (a view in
# the database, without an XML id): one goes on applying after the "custom view" scenario's
# change, the other's target is gone; and a NOT NULL column that no code declares, on a table
# no scenario touches (what an installed addon whose code is gone leaves, or a column a DBA
# added): every Odoo upgrade makes such a column nullable, whatever it upgrades
# (_check_removed_columns, on every model).
BASE_DATA = """
env["ir.module.module"]._save_installed_checksums()
env.cr.execute("ALTER TABLE res_bank ADD COLUMN mau_leftover varchar NOT NULL DEFAULT 'kept'")
env.cr.execute("UPDATE mau_sample_e SET rank = id * 10")
A = env["mau.sample.a"]
A.create([{"name": "kept", "b_note": "a note"}, {"name": "also kept"}])
form = env.ref("mau_sample_c.view_mau_sample_c_form")
View = env["ir.ui.view"]
View.create({
    "name": "custom: placeholder", "model": "mau.sample.c", "inherit_id": form.id,
    "arch": '<field name="name" position="attributes"><attribute name="placeholder">Custom</attribute></field>',
})
View.create({
    "name": "custom: after the top-level name", "model": "mau.sample.c", "inherit_id": form.id,
    "arch": '<xpath expr="/form/field[@name=\\'name\\']" position="after"><field name="create_date" /></xpath>',
})
env.cr.commit()
"""


@pytest.fixture(scope="module")
def samples_base(odoo, tmp_path_factory):
    """base, module_auto_update, the samples and probes a, b, c, with user data; fingerprints recorded."""
    addons = copy_samples(tmp_path_factory.mktemp("same_base_addons"), SAMPLES + PROBES)
    name = odoo_env.unique_db("mau_same")
    try:
        modules = ("module_auto_update", *SAMPLES, *(p for p in PROBES if p != "mau_probe_new"))
        odoo_env.install(odoo, name, modules, addons=[addons])
        odoo_env.shell(odoo, name, BASE_DATA, addons=[addons])
        yield name
    finally:
        odoo_env.drop_db(name)


# The scenarios: each changes a copy of the base's addons ----------------------------------


def field_added(addons):
    """A column on res.partner (read while Odoo starts), and on a table with rows (e <- f <- g):
    one with a default, one computed and stored."""
    partner = addons / "mau_sample_partner" / "models" / "res_partner.py"
    partner.write_text(partner.read_text() + "    mau_level = fields.Integer()\n")
    edit(
        addons / "mau_sample_e" / "models" / "sample.py",
        "    rank = fields.Integer()\n",
        "    rank = fields.Integer()\n"
        "    weight = fields.Integer(default=7)\n"
        '    label = fields.Char(compute="_compute_label", store=True)\n\n'
        '    @api.depends("name", "rank")\n'
        "    def _compute_label(self):\n"
        "        for record in self:\n"
        '            record.label = f"{record.name} ({record.rank})"\n',
    )
    edit(addons / "mau_sample_e" / "models" / "sample.py", "import fields, models", "import api, fields, models")


def field_removed(addons):
    """A column with values (e's rank), and b's b_note with the view that shows it (as test_upgrade_plan)."""
    edit(addons / "mau_sample_e" / "models" / "sample.py", "    rank = fields.Integer()\n", "")
    b = addons / "mau_sample_b"
    edit(b / "models" / "sample.py", "    b_note = fields.Char()\n", "")
    edit(b / "__manifest__.py", ', "views/views.xml"', "")
    (b / "views" / "views.xml").unlink()


def view_changed(addons):
    """a's form, which b's view inherits, rearranged."""
    edit(
        addons / "mau_sample_a" / "views" / "views.xml",
        '            <form>\n                <field name="name" />\n            </form>',
        '            <form string="Sample A">\n                <sheet>\n                    <group>\n'
        '                        <field name="name" />\n                        <field name="create_date" />\n'
        "                    </group>\n                </sheet>\n            </form>",
    )


def new_dependency(addons):
    """c depends on d, an addon new on disk: the upgrade installs it."""
    copy_samples(addons, ["mau_sample_d"])
    edit(addons / "mau_sample_c" / "__manifest__.py", '"depends": ["base"]', '"depends": ["base", "mau_sample_d"]')


BRIDGE_MANIFEST = f"""{{
    "name": "Auto-upgrade sample: installed by itself with c and d",
    "version": "{odoo_env.SERIES}.1.0.0",
    "depends": ["mau_sample_c", "mau_sample_d"],
    "auto_install": True,
    "license": "LGPL-3",
    "data": ["data/tags.xml"],
    "installable": True,
}}
"""
BRIDGE_MODEL = """from odoo import fields, models


class SampleC(models.Model):
    _inherit = "mau.sample.c"

    bridged = fields.Boolean(default=True)
"""
BRIDGE_DATA = """<?xml version="1.0" encoding="utf-8" ?>
<odoo>
    <record id="tag_bridge" model="res.partner.category">
        <field name="name">Bridge tag</field>
        <!-- Not Odoo's default, a random number: two runs would draw two. -->
        <field name="color">3</field>
    </record>
</odoo>
"""


def auto_install(addons):
    """The new dependency, and a bridge of c and d, new on disk too, installed by itself."""
    new_dependency(addons)
    bridge = addons / "mau_sample_bridge"
    write(bridge / "__manifest__.py", BRIDGE_MANIFEST)
    write(bridge / "__init__.py", "from . import models\n")
    write(bridge / "models" / "__init__.py", "from . import sample\n")
    write(bridge / "models" / "sample.py", BRIDGE_MODEL)
    write(bridge / "data" / "tags.xml", BRIDGE_DATA)


def migration_scripts(addons):
    """test_all_or_nothing's upgrade of the probes: pre-, post- and end-migration scripts, a field
    removed and one added, records, a new dependency with a post-init hook, a file in the filestore."""
    probes_change(Database(None, "same-database", addons))


def custom_view(addons):
    """c's form rearranged: of the two custom views inheriting it, one still applies, the other not."""
    edit(
        addons / "mau_sample_c" / "views" / "views.xml",
        '            <form>\n                <field name="name" />\n            </form>',
        '            <form>\n                <group>\n                    <field name="name" />\n'
        "                </group>\n            </form>",
    )


def module_list(addons):
    """Beside a plain change (a file added to the leaf g), the list of addons on disk changes: a
    new addon nothing depends on (d), and an uninstalled addon's manifest (mau_probe_new) renamed.
    Odoo's upgrade refreshes the module list from every manifest."""
    (addons / "mau_sample_g" / "README.rst").write_text("Sample G\n")
    copy_samples(addons, ["mau_sample_d"])
    edit(addons / "mau_probe_new" / "__manifest__.py", "a new dependency", "a new dependency, renamed")


@dataclasses.dataclass(frozen=True)
class Scenario:
    change: object  # change(addons folder)
    upgraded: tuple  # what our run upgrades (and installs)
    effect: str  # SQL that shows the change made it to the database...
    expected: list  # ... its rows
    warns: str = None  # what -u (and so ours) warns of, if anything


# Whatever the scenario upgrades (see BASE_DATA).
LEFTOVER_NULLABLE = (
    "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'res_bank' AND column_name = 'mau_leftover'",
    [("YES",)],
)

SCENARIOS = {
    "field-added": Scenario(
        field_added,
        ("mau_sample_e", "mau_sample_f", "mau_sample_g", "mau_sample_partner"),
        "SELECT (SELECT count(*) FROM information_schema.columns "
        "        WHERE table_name = 'res_partner' AND column_name = 'mau_level'), "
        "       array_agg(weight ORDER BY id), bool_and(label = name || ' (' || rank || ')') FROM mau_sample_e",
        [(1, [7, 7, 7], True)],
    ),
    "field-removed": Scenario(
        field_removed,
        ("mau_sample_b", "mau_sample_e", "mau_sample_f", "mau_sample_g"),
        "SELECT count(*) FROM information_schema.columns "
        "WHERE (table_name, column_name) IN (('mau_sample_e', 'rank'), ('mau_sample_a', 'b_note'))",
        [(0,)],
    ),
    "view-changed": Scenario(
        view_changed,
        ("mau_sample_a", "mau_sample_b"),
        "SELECT v.arch_db->>'en_US' LIKE '%<sheet>%' FROM ir_ui_view v JOIN ir_model_data d "
        "ON d.model = 'ir.ui.view' AND d.res_id = v.id WHERE d.module = 'mau_sample_a'",
        [(True,)],
    ),
    "new-dependency": Scenario(
        new_dependency,
        ("mau_sample_c", "mau_sample_d"),
        "SELECT state FROM ir_module_module WHERE name = 'mau_sample_d'",
        [("installed",)],
    ),
    "auto-install": Scenario(
        auto_install,
        ("mau_sample_bridge", "mau_sample_c", "mau_sample_d"),
        "SELECT state, (SELECT count(*) FROM information_schema.columns "
        "               WHERE table_name = 'mau_sample_c' AND column_name = 'bridged') "
        "FROM ir_module_module WHERE name = 'mau_sample_bridge'",
        [("installed", 1)],
    ),
    "migration-scripts": Scenario(
        migration_scripts,
        ("mau_probe_a", "mau_probe_b", "mau_probe_c", "mau_probe_new"),
        "SELECT addon, stage FROM mau_probe_log ORDER BY addon, stage",
        sorted(ONCE),
    ),
    "module-list": Scenario(
        module_list,
        ("mau_sample_g",),
        "SELECT name, state, shortdesc->>'en_US' FROM ir_module_module "
        "WHERE name IN ('mau_sample_d', 'mau_probe_new') ORDER BY name",
        [
            ("mau_probe_new", "uninstalled", "Auto-upgrade probe: a new dependency, renamed"),
            ("mau_sample_d", "uninstalled", "Auto-upgrade sample d"),
        ],
    ),
    "custom-view": Scenario(
        custom_view,
        ("mau_sample_c",),
        "SELECT count(*) FROM ir_ui_view WHERE name LIKE 'custom: %' AND active",
        [(2,)],  # the one whose target is gone is still there, only warned of:
        "invalid custom view(s) for model mau.sample.c",
    ),
}


# The two upgrades --------------------------------------------------------------------------


def upgrade_ours(db):
    """``odoo-bin auto-upgrade`` on ``db``; its JSON outcome."""
    proc = db.odoo_bin(db.odoo.command_name, "--format", "json", "--log-level=warn", *IGNORE_SELF, check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and lines and lines[-1]["result"] == "done", proc.stdout + proc.stderr[-6000:]
    return lines[-1], proc.stderr


def upgrade_odoo(db, names):
    """``odoo-bin -u names --stop-after-init`` on ``db``."""
    proc = db.odoo_bin("-u", ",".join(names), "--stop-after-init", "--no-http", "--log-level=warn")
    return proc.stderr


def warnings(log):
    """The first line of each WARNING, ERROR and CRITICAL record of an Odoo log (``date time pid
    LEVEL dbname logger: message``), without its time, pid and database."""
    found = set()
    for line in log.splitlines():
        parts = line.split(" ", 5)
        if len(parts) == 6 and parts[3] in ("WARNING", "ERROR", "CRITICAL"):
            found.add(f"{parts[3]} {parts[5]}")
    return found


def assert_upgrades_alike(odoo, template, addons, tmp_path, scenario, also=()):
    """Upgrade two copies of ``template`` with ``addons`` (A: -u, B: ours): the same database, with
    the scenario's change (and ``also``: more ``(sql, rows)``), and what -u warns of, ours warns of too."""
    # Odoo iterates over sets of names where it inserts rows (a new addon's dependencies:
    # ir_module_module._update_dependencies), so the ids those rows get follow Python's string
    # hashing, drawn anew by every process: two runs of odoo-bin -u differ there too. One seed
    # for both processes makes that order the same, and any remaining difference ours.
    odoo = dataclasses.replace(odoo, env={**odoo.env, "PYTHONHASHSEED": "0"})
    a = Database(odoo, odoo_env.unique_db("mau_same_u"), addons)
    b = Database(odoo, odoo_env.unique_db("mau_same_ours"), addons)
    try:
        copy_db(template, a.name)
        copy_db(template, b.name)
        since_b = now(b.name)
        outcome, log_b = upgrade_ours(b)
        new = {entry["module"] for entry in outcome["to_install"]}
        # What our run marked and loaded: -u marks their dependents and new dependencies the same way.
        names = [name for name in outcome["upgraded"] if name not in new]
        since_a = now(a.name)
        log_a = upgrade_odoo(a, names)
        found = differences(snapshot(a.name, since_a), snapshot(b.name, since_b))
        if found:
            (tmp_path / "differences.txt").write_text("\n".join(found))
        assert not found, f"-u and ours differ (all of it in {tmp_path / 'differences.txt'}):\n" + clip(
            "\n".join(found), 20000
        )
        assert sorted(outcome["upgraded"]) == sorted(scenario.upgraded), outcome
        for query, rows in ((scenario.effect, scenario.expected), *also):
            assert b.sql(query) == rows, query
        # What -u warns of, ours warns of too (ours may say more: its own lines).
        warned_u, warned_ours = warnings(log_a), warnings(log_b)
        assert warned_u <= warned_ours, sorted(warned_u - warned_ours)
        assert not scenario.warns or any(scenario.warns in line for line in warned_u), warned_u
        # Our own records, left out of the comparison: the fingerprints B recorded are the disk's.
        check = b.odoo_bin(
            b.odoo.command_name, "--check", "--format", "json", "--log-level=warn", *IGNORE_SELF, check=False
        )
        assert '"result": "nothing to do"' in check.stdout, check.stdout + check.stderr[-3000:]
    finally:
        odoo_env.drop_db(a.name)
        odoo_env.drop_db(b.name)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_same_database_as_odoo_u(odoo, samples_base, tmp_path, scenario):
    addons = copy_samples(tmp_path / "addons", SAMPLES + PROBES)
    SCENARIOS[scenario].change(addons)
    assert_upgrades_alike(odoo, samples_base, addons, tmp_path, SCENARIOS[scenario], also=[LEFTOVER_NULLABLE])


def test_the_comparison_sees_what_differs_and_only_that(samples_base):
    """The comparison itself, on two copies of the base changed by hand: it sees a changed value, a
    date older than the run, a date in the future set before the run, a row, an index and a file of
    one side only; it leaves out the dates the runs set and our own records."""
    a, b = odoo_env.unique_db("mau_same_u"), odoo_env.unique_db("mau_same_ours")
    try:
        copy_db(samples_base, a)
        copy_db(samples_base, b)
        for name in (a, b):  # a trigger from before the runs, due after them
            odoo_env.sql(
                name,
                "INSERT INTO ir_cron_trigger (cron_id, call_at, create_date) "
                "SELECT min(id), '2999-01-01', '2000-01-01' FROM ir_cron",
            )
        since = now(a)
        assert differences(snapshot(a, since), snapshot(b, since)) == []
        for name in (a, b):  # each "run" writes the same row at its own moment
            odoo_env.sql(name, "UPDATE res_users SET write_date = now() AT TIME ZONE 'UTC' WHERE id = 2")
        for statement in (
            "UPDATE module_auto_update_checksum SET checksum = 'changed'",
            "UPDATE ir_config_parameter SET value = 'changed' WHERE key LIKE 'module_auto_update.installed_checksums%'",
        ):
            odoo_env.sql(b, statement)
        assert differences(snapshot(a, since), snapshot(b, since)) == []

        for statement in (
            "UPDATE res_partner SET name = 'Changed' WHERE id = 1",
            "UPDATE ir_cron_trigger SET call_at = '2999-01-02' WHERE call_at = '2999-01-01'",
            "UPDATE ir_module_module SET write_date = write_date - interval '1 day' WHERE name = 'mau_sample_a'",
            "INSERT INTO ir_config_parameter (key, value) VALUES ('mau.same', 'ours only')",
            "CREATE INDEX mau_same_index ON mau_sample_c (name)",
        ):
            odoo_env.sql(b, statement)
        write(odoo_env.filestore(b) / "ab" / "abcdef", "a file of ours only")
        found = differences(snapshot(a, since), snapshot(b, since))
        text = "\n".join(found)
        assert [line.split()[0].rstrip(":") for line in found if not line.startswith(" ")] == [
            "schema",
            "ir_config_parameter",
            "ir_cron_trigger",
            "ir_module_module",
            "res_partner",
            "filestore",
        ], text
        assert "+CREATE INDEX mau_same_index ON public.mau_sample_c USING btree (name);" in text
        assert "id=1: name: -u 'My Company' / ours 'Changed'" in text
        assert "  ours only: create_date=\\N, create_uid=\\N, id=" in text and "key=mau.same, value=ours only" in text
        assert "filestore: ['ab/abcdef']" in text
        assert "call_at: -u '2999-01-01 00:00:00' / ours '2999-01-02 00:00:00'" in text
        (line,) = [line for line in found if line.startswith("  id=") and "write_date" in line]
        assert SET_BY_THE_RUN not in line, "a date older than the run is compared as it is"
    finally:
        odoo_env.drop_db(a)
        odoo_env.drop_db(b)


# OCA addons from their wheels, an older release upgraded to a newer one --------------------

# (addon, installed release, release upgraded to), as published on PyPI.
OCA_RELEASES = {
    "date_range": ("18.0.1.0.0.9", "18.0.3.0.0.3"),  # company_id to company_ids, with openupgradelib
    "auditlog": ("18.0.1.0.1", "18.0.2.0.0"),  # a field with a default on rules in use
}
# date_range's 18.0.2.0.0 migration imports it; its wheel does not require it.
OPENUPGRADELIB = "openupgradelib==3.13.7"
OCA_DATA = """
env["ir.module.module"]._save_installed_checksums()
company = env.ref("base.main_company")
kind = env["date.range.type"].create({"name": "Fiscal year", "company_id": company.id})
env["date.range"].create([
    {"name": f"FY{year}", "type_id": kind.id, "date_start": f"{year}-01-01", "date_end": f"{year}-12-31",
     "company_id": company.id}
    for year in (2025, 2026)
])
rule = env["auditlog.rule"].create({
    "name": "Partners", "model_id": env.ref("base.model_res_partner").id, "log_write": True, "log_create": True,
})
rule.subscribe()
env.cr.commit()
"""


PIP_DOWNLOAD = (sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check")


def wheel_spec(addon, release):
    return f"odoo-addon-{addon}=={release}"


def pip_download(spec, folder):
    """``pip download --no-deps spec`` into ``folder`` (the machine's pip configuration: its index);
    the wheel, or the reason it could not be had."""
    try:
        proc = subprocess.run(
            [*PIP_DOWNLOAD, "-d", str(folder), spec],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return None, f"pip download {spec} took more than 300 s"
    if proc.returncode != 0:
        return None, f"pip download {spec} failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"
    name, _sep, version = spec.partition("==")
    prefix = f"{name.replace('-', '_')}-{version}-"
    return next(p for p in folder.iterdir() if p.name.lower().startswith(prefix.lower())), None


def extract_addon(wheel, addon, addons):
    """The addon folder of an addon's wheel (``odoo/addons/<addon>/``), as ``addons/<addon>``."""
    shutil.rmtree(addons / addon, ignore_errors=True)
    prefix = f"odoo/addons/{addon}/"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                target = addons / addon / member[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))


@pytest.fixture(scope="module")
def oca(odoo, tmp_path_factory):
    """``(odoo, wheels)``: the wheels of OCA_RELEASES ({(addon, release): path}), and an Odoo that
    imports openupgradelib; skips when they cannot be downloaded, and on another series than 18.0."""
    if odoo_env.SERIES != "18.0":
        pytest.skip(f"the OCA releases compared are 18.0's wheels: they do not install on Odoo {odoo_env.SERIES}")
    folder = tmp_path_factory.mktemp("oca_wheels")
    wheels = {}
    for addon, releases in OCA_RELEASES.items():
        for release in releases:
            wheels[addon, release], why = pip_download(wheel_spec(addon, release), folder)
            if why:
                pytest.skip(f"the OCA wheels cannot be obtained here ({why})")
    probe = subprocess.run([sys.executable, "-c", "import openupgradelib"], capture_output=True, env=odoo_env_of(odoo))
    if probe.returncode != 0:
        lib, why = pip_download(OPENUPGRADELIB, folder)
        if why:
            pytest.skip(f"openupgradelib, which date_range's migration imports, cannot be obtained ({why})")
        site = folder / "site"
        with zipfile.ZipFile(lib) as archive:
            archive.extractall(site)  # a pure-Python wheel: importable as it lies
        path = os.pathsep.join(filter(None, [str(site), odoo_env_of(odoo).get("PYTHONPATH")]))
        odoo = dataclasses.replace(odoo, env={**odoo.env, "PYTHONPATH": path})
    return odoo, wheels


def odoo_env_of(odoo):
    return {**os.environ, **odoo.env}


@pytest.fixture(scope="module")
def oca_base(oca, tmp_path_factory):
    """base, module_auto_update and the older releases of OCA_RELEASES, in use; fingerprints recorded."""
    odoo, wheels = oca
    addons = tmp_path_factory.mktemp("oca_base_addons")
    for addon, (old, _new) in OCA_RELEASES.items():
        extract_addon(wheels[addon, old], addon, addons)
    name = odoo_env.unique_db("mau_same_oca")
    try:
        odoo_env.install(odoo, name, ("module_auto_update", *OCA_RELEASES), addons=[addons])
        odoo_env.shell(odoo, name, OCA_DATA, addons=[addons])
        yield name
    finally:
        odoo_env.drop_db(name)


OCA_SCENARIOS = {
    "date_range": Scenario(
        None,
        ("date_range",),
        "SELECT r.name->>'en_US', c.res_company_id FROM date_range r JOIN date_range_res_company_rel c "
        "ON c.date_range_id = r.id ORDER BY 1",
        [("FY2025", 1), ("FY2026", 1)],
    ),
    "auditlog": Scenario(None, ("auditlog",), "SELECT name, log_export_data FROM auditlog_rule", [("Partners", True)]),
}


@pytest.mark.parametrize("addon", list(OCA_RELEASES))
def test_same_database_as_odoo_u_for_an_oca_release(oca, oca_base, tmp_path, addon):
    odoo, wheels = oca
    addons = tmp_path / "addons"
    addons.mkdir()
    for name, (old, new) in OCA_RELEASES.items():
        extract_addon(wheels[name, new if name == addon else old], name, addons)
    assert_upgrades_alike(odoo, oca_base, addons, tmp_path, OCA_SCENARIOS[addon])
