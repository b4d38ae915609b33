# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's whole-database loading steps, narrowed by the run (``upgrade/scoped.py``), do what Odoo's do.

- The module list: addons on the path whose manifests changed in every way
  ``update_list`` reads (values, dependencies and their auto-install flags,
  exclusions, countries, a new category, an icon, the installable flag), a
  new addon and an unchanged one; refreshed narrowed on one copy of the
  database and by Odoo on another, the module tables must be the same, row
  for row (the run's clock aside, as ``test_same_database`` compares them).
- An upgrade by ``odoo-bin auto-upgrade`` and by ``odoo-bin -u``, with a
  column that no field stores any more (NOT NULL) and an invalid custom view:
  both drop the NOT NULL and warn of the view; ours with the steps narrowed
  (its log says so), on each series of ``scoped.SERIES_STEPS``.
"""

import json

import odoo_env
import pytest
from conftest import Database

MODULE_TABLES = (
    "ir_module_module",
    "ir_module_module_dependency",
    "ir_module_module_exclusion",
    "module_country",
    "ir_module_category",
    "ir_model_data",
)
SCOPED_REFRESH = """
from odoo.addons.module_auto_update.upgrade import scoped
modules = env["ir.module.module"].with_context(lang=None)
found = scoped.differing(modules, scoped.addons_listing())[0]
with scoped.whole_database_steps():
    modules.update_list()
    modules.update_list()
env.cr.commit()
result({"mirrored": scoped._mirrored(scoped.MODULE_LIST, scoped.base_classes()[0]), "found": found})
"""
# 17.0's module list has no countries (no _update_countries, no module_country table): a manifest's
# countries change no row there.
COUNTRIES = odoo_env.SERIES != "17.0"
if not COUNTRIES:
    MODULE_TABLES = tuple(table for table in MODULE_TABLES if table != "module_country")
FULL_REFRESH = 'env["ir.module.module"].update_list(); env.cr.commit()'
IGNORE_SELF = ("--ignore-addons", "module_auto_update")


def write_addon(folder, name, **manifest):
    addon = folder / name
    addon.mkdir(exist_ok=True)
    (addon / "__init__.py").write_text("")
    values = {"name": name, "version": f"{odoo_env.SERIES}.1.0.0", "depends": ["base"], "license": "LGPL-3", **manifest}
    (addon / "__manifest__.py").write_text(repr(values) + "\n")


def module_tables(dbname, since):
    """Every row of the module tables, as text, the clock of the run (at or after ``since``) blanked."""
    rows = {}
    conn = odoo_env.pg_connect(dbname)
    try:
        with conn.cursor() as cr:
            for table in MODULE_TABLES:
                cr.execute(
                    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname",
                    (table,),
                )
                exprs = [
                    cr.mogrify(f'CASE WHEN "{name}" >= %s THEN \'<run>\' ELSE "{name}"::text END', (since,)).decode()
                    if kind.startswith("timestamp")
                    else f'"{name}"::text'
                    for name, kind in cr.fetchall()
                ]
                cr.execute(f"SELECT {', '.join(exprs)} FROM {table}")
                rows[table] = sorted(cr.fetchall(), key=repr)
    finally:
        conn.close()
    return rows


@pytest.fixture
def copies():
    """``copy(db)``: a copy of ``db`` (same addons folder) as it is now; dropped afterwards."""
    made = []

    def copy(db):
        name = odoo_env.unique_db()
        odoo_env.create_db(name, template=db.name)
        made.append(name)
        return Database(db.odoo, name, db.addons_dir)

    yield copy
    for name in made:
        odoo_env.drop_db(name)


def test_narrowed_module_list_writes_what_odoo_writes(db, copies):
    folder = db.addons_dir
    for name in ("a", "b", "c", "d", "e", "f", "g"):
        write_addon(folder, f"mau_scope_{name}", summary="before", category="MAU Scope")
    write_addon(folder, "mau_scope_h", installable=False)
    write_addon(folder, "mau_scope_same", summary="kept")
    db.shell(FULL_REFRESH)  # their rows, as Odoo writes them
    # Every way a manifest on disk can differ from its row.
    write_addon(folder, "mau_scope_a", summary="after", category="MAU Scope")
    write_addon(folder, "mau_scope_b", summary="before", category="MAU Scope", depends=["base", "mau_scope_a"])
    write_addon(folder, "mau_scope_c", summary="before", category="MAU Scope", auto_install=True)
    write_addon(folder, "mau_scope_d", summary="before", category="MAU Scope", excludes=["mau_scope_a"])
    write_addon(folder, "mau_scope_e", summary="before", category="MAU Scope", countries=["be"])
    write_addon(folder, "mau_scope_f", summary="before", category="MAU Scope/Brand new")
    icon = folder / "mau_scope_g" / "static" / "description"
    icon.mkdir(parents=True)
    (icon / "icon.png").write_bytes(b"\x89PNG\r\n")
    write_addon(folder, "mau_scope_h")  # installable again
    write_addon(folder, "mau_scope_new", category="MAU Scope/Newer")
    narrowed, full = copies(db), copies(db)
    since = narrowed.sql("SELECT now() AT TIME ZONE 'UTC'")[0][0]
    refreshed = narrowed.shell(SCOPED_REFRESH)
    full.shell(FULL_REFRESH)
    assert refreshed["mirrored"], "Odoo's module list refresh is not the one the narrowed step mirrors"
    changed = {f"mau_scope_{name}" for name in "abcdefgh" if COUNTRIES or name != "e"} | {"mau_scope_new"}
    assert set(refreshed["found"]) == changed, "narrowed to the changed manifests and the new addon"
    after_narrowed, after_full = module_tables(narrowed.name, since), module_tables(full.name, since)
    for table in MODULE_TABLES:
        assert after_narrowed[table] == after_full[table], table
    states = dict(narrowed.sql("SELECT name, state FROM ir_module_module WHERE name LIKE 'mau_scope_%%'"))
    assert states["mau_scope_h"] == "uninstalled" and "mau_scope_new" in states


def test_upgrade_drops_stale_not_null_and_checks_custom_views_as_odoo_does(recorded_db, copies):
    db = recorded_db
    db.sql("ALTER TABLE res_partner ADD COLUMN mau_gone integer NOT NULL DEFAULT 0")
    arch = json.dumps({"en_US": '<form><field name="mau_no_such_field"/></form>'})
    db.sql(
        "INSERT INTO ir_ui_view (name, model, type, arch_db, active, mode, priority) "
        "VALUES ('mau broken custom view', 'res.partner', 'form', %s, true, 'primary', 16)",
        (arch,),
    )
    init = db.addon("mau_sample_c") / "__init__.py"
    init.write_text(init.read_text() + "# changed\n")
    reference = copies(db)

    ours = db.odoo_bin(db.odoo.command_name, *IGNORE_SELF, "--format", "json")
    assert json.loads(ours.stdout.strip().splitlines()[-1])["upgraded"] == ["mau_sample_c"], ours.stderr[-3000:]
    theirs = reference.odoo_bin("-u", "mau_sample_c", "--stop-after-init")
    # Narrowed on this series (scoped.SERIES_STEPS), not Odoo's full steps: said in the log.
    assert "refreshing the module list where it differs from the addons path" in ours.stderr, ours.stderr[-3000:]
    assert "is not the one this addon knows" not in ours.stderr, ours.stderr[-3000:]
    for database, proc in ((db, ours), (reference, theirs)):
        not_null = database.sql(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'res_partner'::regclass AND attname = 'mau_gone'"
        )
        assert not_null == [(False,)], database.name
        assert "invalid custom view(s) for model res.partner" in proc.stderr, proc.stderr[-3000:]
