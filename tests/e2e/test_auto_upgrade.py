# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The auto-upgrade against a real Odoo 18: what is upgraded, what is saved."""

import json

RUN = """
M = env["ir.module.module"]
try:
    action = M.upgrade_changed_checksum()
    result({"ok": True, "message": action["params"]["message"]})
except Exception as exc:
    result({"ok": False, "error": type(exc).__name__, "message": str(exc)})
"""

SAVE = 'env["ir.module.module"]._save_installed_checksums(); env.cr.commit()'


def add_field_and_view(db):
    """Sample A gets a new field on its own model and shows it in its view."""
    model = db.addon("mau_sample_a") / "models" / "sample.py"
    model.write_text(model.read_text() + "    color = fields.Char()\n")
    view = db.addon("mau_sample_a") / "views" / "views.xml"
    view.write_text(
        view.read_text().replace(
            '<field name="name" />', '<field name="name" />\n                <field name="color" />'
        )
    )


def columns(db, table):
    return {r[0] for r in db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))}


def upgraded_at(db):
    return dict(db.sql("SELECT name, upgraded_at FROM module_auto_update_checksum"))


def test_changed_addon_and_its_dependents_are_upgraded_then_nothing(db):
    db.shell(SAVE)
    before = db.saved()
    assert "mau_sample_a" in before and "base" in before
    add_field_and_view(db)

    out = db.shell(RUN)
    assert out["ok"], out
    assert "color" in columns(db, "mau_sample_a")
    arch = db.sql("SELECT arch_db::text FROM ir_ui_view WHERE name = 'mau.sample.a.form'")[0][0]
    assert "color" in arch
    stamps = upgraded_at(db)
    # exactly the changed addon and its dependent
    assert {n for n, t in stamps.items() if t} == {"mau_sample_a", "mau_sample_b"}
    after = db.saved()
    assert after["mau_sample_a"] != before["mau_sample_a"]
    assert {n for n in after if after[n] != before.get(n)} == {"mau_sample_a"}
    assert set(db.states("mau_sample_a", "mau_sample_b", "mau_sample_c").values()) == {"installed"}
    # the legacy parameter is kept in step with the table
    legacy = json.loads(
        db.sql("SELECT value FROM ir_config_parameter WHERE key = 'module_auto_update.installed_checksums'")[0][0]
    )
    assert legacy == after

    out = db.shell(RUN)
    assert out["ok"] and out["message"].startswith("Nothing to upgrade"), out
    assert upgraded_at(db) == stamps


def test_failed_upgrade_saves_nothing_and_leaves_nothing_pending(db):
    db.shell(SAVE)
    before = db.saved()
    add_field_and_view(db)
    view = db.addon("mau_sample_a") / "views" / "views.xml"
    good = view.read_text()
    view.write_text(good.replace("</odoo>", "<record"))  # malformed XML

    out = db.shell(RUN)
    assert not out["ok"] and out["error"] == "FailedUpgradeError", out
    assert "mau_sample_a" in out["message"]
    assert db.saved() == before
    assert not db.sql("SELECT name FROM ir_module_module WHERE state LIKE 'to %'")

    view.write_text(good)
    out = db.shell(RUN)
    assert out["ok"], out
    assert "color" in columns(db, "mau_sample_a")
    assert db.saved()["mau_sample_a"] != before["mau_sample_a"]


def test_first_run_without_records_upgrades_everything(db):
    out = db.shell(RUN)
    assert out["ok"], out
    stamps = upgraded_at(db)
    installed = {n for (n,) in db.sql("SELECT name FROM ir_module_module WHERE state = 'installed'")}
    assert {n for n, t in stamps.items() if t} == installed
