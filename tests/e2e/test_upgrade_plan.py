# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The upgrade plan against a real Odoo 18: what it announces is what the upgrade then does.

Samples: a <- b, c alone, and e <- f <- g (two levels of dependents).
"""

PLAN = 'result(env["ir.module.module"].get_upgrade_plan())'

PLAN_THEN_UPGRADE = """
M = env["ir.module.module"]
plan = M.get_upgrade_plan()
try:
    M.upgrade_changed_checksum()
    result({"plan": plan, "ok": True})
except Exception as exc:
    result({"plan": plan, "ok": False, "error": str(exc)})
"""

# Each script appends its own path to a table: the order Odoo really ran them in.
SCRIPT = """def migrate(cr, version):
    cr.execute("CREATE TABLE IF NOT EXISTS mau_script_log (id serial PRIMARY KEY, script text)")
    cr.execute("INSERT INTO mau_script_log (script) VALUES (%s)", ["/".join(__file__.split("/")[-3:])])
"""
SCRIPTS_RUN_IN_ORDER = [
    "migrations/0.0.0/pre-zero.py",
    "migrations/1.0.5/pre-mid.py",
    "upgrades/18.0.1.1.0/pre-last.py",
    "migrations/1.0.5/post-mid.py",
    "migrations/0.0.0/post-zero.py",
    "upgrades/18.0.1.1.0/end-last.py",
    "migrations/0.0.0/end-zero.py",
]
SCRIPTS_NOT_RUN = ["migrations/1.0.0/pre-done.py", "migrations/1.2/pre-future.py", "migrations/1.0.5/notes.py"]


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def table_bytes(db):
    return {
        table: db.sql(f"SELECT t::text FROM {table} t ORDER BY id")
        for table in ("ir_module_module", "ir_module_module_dependency", "module_auto_update_checksum")
    }


def xmlids(db, *modules):
    rows = db.sql(
        "SELECT module || '.' || name FROM ir_model_data WHERE module = ANY(%s) AND model NOT LIKE 'ir.model%%'",
        (list(modules),),
    )
    return {xmlid for (xmlid,) in rows}


def columns(db, table):
    return {r[0] for r in db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))}


def change_samples(db):
    """a: new version with scripts, a new and an unknown dependency; b: a field and
    a view removed; e: a file added, its data file removed, its model modified."""
    a = db.addon("mau_sample_a")
    edit(a / "__manifest__.py", '"version": "18.0.1.0.0"', '"version": "18.0.1.1.0"')
    edit(a / "__manifest__.py", '"depends": ["base"]', '"depends": ["base", "mau_plan_new", "mau_no_such_addon"]')
    for script in SCRIPTS_RUN_IN_ORDER + SCRIPTS_NOT_RUN:
        (a / script).parent.mkdir(parents=True, exist_ok=True)
        (a / script).write_text(SCRIPT)
    new = db.addons_dir / "mau_plan_new"
    new.mkdir()
    (new / "__manifest__.py").write_text('{"name": "New dependency", "depends": ["base"], "license": "LGPL-3"}\n')
    (new / "__init__.py").write_text("")

    b = db.addon("mau_sample_b")
    edit(b / "models" / "sample.py", "    b_note = fields.Char()\n", "")
    edit(b / "__manifest__.py", ', "views/views.xml"', "")
    (b / "views" / "views.xml").unlink()

    e = db.addon("mau_sample_e")
    (e / "README.rst").write_text("Sample E\n")
    edit(e / "__manifest__.py", ', "data/records.xml"', "")
    (e / "data" / "records.xml").unlink()
    edit(e / "models" / "sample.py", "required=True)", "required=True, index=True)")


def test_plan_announces_what_the_upgrade_does(recorded_db):
    db = recorded_db
    change_samples(db)
    before = table_bytes(db)
    plan = db.shell(PLAN)
    assert table_bytes(db) == before, "the plan must not write to the module or checksum tables"

    # (module_auto_update itself may differ too: it is being developed in this checkout.)
    assert [(c["module"], c["reason"]) for c in plan["changed"] if c["module"] != "module_auto_update"] == [
        ("mau_sample_a", "changed"),
        ("mau_sample_b", "changed"),
        ("mau_sample_e", "changed"),
    ]
    changed = {c["module"]: c["files"] for c in plan["changed"]}
    assert changed["mau_sample_e"] == {
        "added": ["README.rst"],
        "removed": ["data/records.xml"],
        "modified": ["__manifest__.py", "models/sample.py"],
    }
    assert changed["mau_sample_b"] == {
        "added": [],
        "removed": ["views/views.xml"],
        "modified": ["__manifest__.py", "models/sample.py"],
    }
    assert sorted(changed["mau_sample_a"]["added"]) == sorted(SCRIPTS_RUN_IN_ORDER + SCRIPTS_NOT_RUN)
    assert plan["cascade"] == [
        {"module": "mau_sample_f", "because_of": ["mau_sample_e"]},
        {"module": "mau_sample_g", "because_of": ["mau_sample_e"]},
    ]
    assert plan["to_install"] == [{"module": "mau_plan_new", "required_by": ["mau_sample_a"]}]
    unrun = {b["file"] for b in plan["blocking"] if b["code"].startswith("migration-not-reached")}
    assert unrun == {f"mau_sample_a/{script}" for script in SCRIPTS_NOT_RUN if "/pre-" in script}
    [blocking] = [b for b in plan["blocking"] if b["file"] not in unrun]
    assert blocking["detail"].startswith("mau_sample_a depends on mau_no_such_addon, which is not in the addons path")
    assert (blocking["file"], blocking["line"]) == ("mau_sample_a/__manifest__.py", 6)

    # The unknown dependency goes; the rest is upgraded, and compared with the plan, the scripts
    # that the version does not let run allowed (they would block it otherwise).
    edit(db.addon("mau_sample_a") / "__manifest__.py", ', "mau_no_such_addon"', "")
    db.sql(
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
        "VALUES ('module_auto_update.allow_unrun_migrations', 'True', now(), now())"
    )
    doomed_records = xmlids(db, "mau_sample_b", "mau_sample_c", "mau_sample_e")
    columns_before = columns(db, "mau_sample_a")
    out = db.shell(PLAN_THEN_UPGRADE)
    assert out["ok"], out
    plan = out["plan"]
    assert plan["blocking"] == []

    [migration] = plan["migrations"]
    assert (migration["module"], migration["from"], migration["to"]) == ("mau_sample_a", "18.0.1.0.0", "18.0.1.1.0")
    assert [s["path"] for s in migration["scripts"]] == SCRIPTS_RUN_IN_ORDER
    assert [s["stage"] for s in migration["scripts"]] == ["pre", "pre", "pre", "post", "post", "end", "end"]
    assert [r for (r,) in db.sql("SELECT script FROM mau_script_log ORDER BY id")] == SCRIPTS_RUN_IN_ORDER

    warnings = [w for w in plan["warnings"] if w["module"] != "module_auto_update"]
    kinds = sorted((w["kind"], w["module"], w.get("model")) for w in warnings)
    assert kinds == [
        ("columns-dropped", "mau_sample_b", "mau.sample.a"),
        # migrations/1.0.0/pre-done.py is new but not above the installed version, 1.2 above the manifest's.
        ("migration-not-reached", "mau_sample_a", None),
        ("migration-not-reached", "mau_sample_a", None),
        ("records-deleted", "mau_sample_b", "ir.ui.view"),
        ("records-deleted", "mau_sample_e", "mau.sample.e"),
        ("records-deleted", "mau_sample_e", "res.partner.category"),
    ], "no base-upgrade, no missing dependency, nothing from the unchanged mau_sample_c nor the CSV rows"
    unreached = {w["file"] for w in warnings if w["kind"] == "migration-not-reached"}
    assert unreached == {f"mau_sample_a/{script}" for script in SCRIPTS_NOT_RUN if "/pre-" in script}
    deleted = doomed_records - xmlids(db, "mau_sample_b", "mau_sample_c", "mau_sample_e")
    announced = {x for w in warnings if w["kind"] == "records-deleted" for x in w["xmlids"]}
    assert deleted == announced
    assert announced == {
        "mau_sample_b.view_mau_sample_a_form_b",
        "mau_sample_e.record_one",
        "mau_sample_e.record_two",
        "mau_sample_e.record_three",
        "mau_sample_e.tag_sample_e",
    }
    assert sum(w.get("count", 0) for w in warnings) == len(deleted)
    assert db.sql("SELECT count(*) FROM mau_sample_e") == [(0,)], "the records themselves are gone"
    [dropped] = [w for w in plan["warnings"] if w["kind"] == "columns-dropped"]
    assert "statically" in dropped["detail"]
    assert columns_before - columns(db, "mau_sample_a") == set(dropped["fields"]) == {"b_note"}

    assert db.states("mau_plan_new") == {"mau_plan_new": "installed"}
    upgraded = {n for (n,) in db.sql("SELECT name FROM module_auto_update_checksum WHERE upgraded_at IS NOT NULL")}
    planned = {c["module"] for key in ("changed", "cascade", "to_install") for c in plan[key]}
    assert upgraded == planned
    assert "; dependents upgraded with them: 2; addons to install: 1; version changes: 1; " in plan["summary"]["text"]


WIZARD = """
import pathlib

W = env["module.auto.update.wizard"]
addons = pathlib.Path({addons!r})


def tables():
    env.cr.execute("SELECT t::text FROM ir_module_module t ORDER BY id")
    modules = env.cr.fetchall()
    env.cr.execute("SELECT t::text FROM module_auto_update_checksum t ORDER BY id")
    return [modules, env.cr.fetchall()]


def open_wizard():
    wizard = W.browse(W.action_open()["res_id"])
    env.cr.commit()  # as the web client's request does
    return wizard


env["ir.module.module"]._save_installed_checksums()
env.cr.commit()
out = {{"empty": open_wizard().is_empty}}

(addons / "mau_sample_e" / "README.rst").write_text("changed\\n")
before = tables()
plain = open_wizard()
out["plain"] = [plain.is_empty, plain.has_warnings, plain.summary, plain.plan_html]
# Cancel closes the dialog: nothing else happens.
out["cancel_changed_nothing"] = tables() == before
env.cr.execute("SELECT count(*) FROM module_auto_update_run")
out["runs_after_cancel"] = env.cr.fetchone()[0]

model = addons / "mau_sample_b" / "models" / "sample.py"
code = model.read_text()
model.write_text(code.replace("    b_note = fields.Char()\\n", ""))
risky = open_wizard()
out["risky"] = [risky.is_empty, risky.has_warnings, risky.plan_html]
model.write_text(code)
out["arch"] = W.get_views([(False, "form")])["views"]["form"]["arch"]

out["action"] = plain.action_upgrade()
result(out)
"""


def test_wizard_shows_the_plan_then_upgrades_or_cancels(recorded_db):
    from lxml import etree

    db = recorded_db
    out = db.shell(WIZARD.format(addons=str(db.addons_dir)))
    assert out["empty"] is True

    is_empty, has_warnings, summary, html = out["plain"]
    assert (is_empty, has_warnings) == (False, False)
    assert summary.startswith("Addons to upgrade: 1; dependents upgraded with them: 2")
    assert "mau_sample_e" in html and "README.rst" in html and "mau_sample_g" in html and "alert-warning" not in html
    assert out["cancel_changed_nothing"] and out["runs_after_cancel"] == 0

    is_empty, has_warnings, html = out["risky"]
    assert (is_empty, has_warnings) == (False, True)
    assert "alert-warning" in html and "Fields b_note of mau.sample.a are no longer declared" in html
    # With warnings Cancel is the primary button, without them Upgrade is.
    buttons = etree.fromstring(out["arch"]).findall(".//footer/button")
    primary = {
        (b.get("name") or b.get("special"), b.get("invisible")) for b in buttons if "btn-primary" in b.get("class")
    }
    assert primary == {
        ("action_upgrade", "is_empty or has_warnings or is_blocked or first_run"),
        ("cancel", "not (has_warnings or is_blocked or first_run)"),
    }

    # Upgrade runs the auto-upgrade and shows its result.
    assert out["action"]["params"]["message"] == "Upgraded: mau_sample_e, mau_sample_f, mau_sample_g"
    assert db.sql("SELECT trigger, result, upgraded FROM module_auto_update_run") == [
        ("menu", "done", "mau_sample_e, mau_sample_f, mau_sample_g"),
    ]
    assert db.sql("SELECT name FROM module_auto_update_checksum WHERE upgraded_at IS NOT NULL ORDER BY name") == [
        ("mau_sample_e",),
        ("mau_sample_f",),
        ("mau_sample_g",),
    ]
