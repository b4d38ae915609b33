# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Migration scripts checked against a real Odoo 18: those the version does not let run, and
those edited after they ran (their digest is recorded in the upgrade's transaction).

Sample c (alone, installed at 18.0.1.0.0) gets the scripts.
"""

import hashlib

from test_cli import cli, outcomes
from test_upgrade_plan import SCRIPT, edit

PLAN_EVERYWHERE_THEN_UPGRADE = """
M = env["ir.module.module"]
W = env["module.auto.update.wizard"]
plan = M.get_upgrade_plan()
text = M.get_upgrade_plan_text()
html = str(W.browse(W.action_open()["res_id"]).plan_html)
try:
    M.upgrade_changed_checksum()
    result({"plan": plan, "text": text, "html": html, "ok": True})
except Exception as exc:
    result({"plan": plan, "text": text, "html": html, "ok": False, "error": str(exc)})
"""


def write(path, text=SCRIPT):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def script_warnings(warnings):
    return sorted(
        (w["code"], w["file"]) for w in warnings if w["kind"] in ("migration-not-reached", "migration-edited")
    )


def ran(db):
    return db.sql("SELECT module, version, stage, path, digest FROM module_auto_update_migration ORDER BY path")


def logged(db):
    """The scripts that really ran (each logs its path), or None when none did."""
    if not db.sql("SELECT 1 FROM pg_class WHERE relname = 'mau_script_log'"):
        return None
    return [r for (r,) in db.sql("SELECT script FROM mau_script_log ORDER BY id")]


def test_scripts_the_version_does_not_let_run_do_not_stop_the_upgrade_and_do_not_run(recorded_db):
    db = recorded_db
    c = db.addon("mau_sample_c")
    write(c / "migrations" / "18.0.1.0.1" / "post-beyond.py")  # the version was not bumped
    write(c / "migrations" / "1.0.0" / "pre-installed.py")  # the version already installed
    # (What the plan, its text and the wizard say of them: module_auto_update/tests/test_plan.py.)
    out = db.shell(PLAN_EVERYWHERE_THEN_UPGRADE)
    # A warning does not stop the upgrade; Odoo indeed runs neither script, and none is recorded.
    assert out["ok"], out
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_c'") == [("18.0.1.0.0",)]
    assert logged(db) is None
    assert ran(db) == []


def test_digest_recorded_after_a_run_and_edited_script_warned(recorded_db):
    db = recorded_db
    c = db.addon("mau_sample_c")
    edit(c / "__manifest__.py", '"version": "18.0.1.0.0"', '"version": "18.0.1.0.1"')
    folder = c / "migrations" / "18.0.1.0.1"
    for stage in ("pre", "post"):
        write(folder / f"{stage}-log.py")
    proc = cli(db, "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    assert out["result"] == "done" and "mau_sample_c" in out["upgraded"]
    assert script_warnings(out["warnings"]) == []
    assert logged(db) == ["migrations/18.0.1.0.1/pre-log.py", "migrations/18.0.1.0.1/post-log.py"]
    digest = hashlib.sha1(SCRIPT.encode()).hexdigest()
    assert ran(db) == [
        ("mau_sample_c", "18.0.1.0.1", "post", "migrations/18.0.1.0.1/post-log.py", digest),
        ("mau_sample_c", "18.0.1.0.1", "pre", "migrations/18.0.1.0.1/pre-log.py", digest),
    ]
    assert db.sql("SELECT count(*) FROM module_auto_update_migration WHERE ran_at IS NULL") == [(0,)]

    # Edited after it ran, and a new script in the folder of the version installed: both never run.
    write(folder / "post-log.py", SCRIPT + "    cr.execute('SELECT 1')\n")
    write(folder / "post-second.py")
    proc = cli(db, "--format", "json", "--dry-run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    warnings = outcomes(proc)[db.name]["warnings"]
    assert script_warnings(warnings) == [
        ("migration-edited", "mau_sample_c/migrations/18.0.1.0.1/post-log.py"),
        ("migration-not-reached-installed", "mau_sample_c/migrations/18.0.1.0.1/post-second.py"),
    ]
    details = {w["file"]: w["detail"] for w in warnings}
    assert details["mau_sample_c/migrations/18.0.1.0.1/post-log.py"] == (
        "mau_sample_c/migrations/18.0.1.0.1/post-log.py was edited after it ran on this database (version "
        "18.0.1.0.1): its changes will never run again. Put them in a new migration for a higher version."
    )
    assert (
        "set the version in __manifest__.py to 18.0.1.0.2"
        in details["mau_sample_c/migrations/18.0.1.0.1/post-second.py"]
    )


def test_a_failed_run_records_no_script(recorded_db):
    db = recorded_db
    c = db.addon("mau_sample_c")
    edit(c / "__manifest__.py", '"version": "18.0.1.0.0"', '"version": "18.0.1.0.1"')
    write(c / "migrations" / "18.0.1.0.1" / "pre-log.py")
    write(c / "migrations" / "18.0.1.0.1" / "end-fail.py", "def migrate(cr, version):\n    raise ValueError('no')\n")
    out = db.shell(PLAN_EVERYWHERE_THEN_UPGRADE)
    [migration] = out["plan"]["migrations"]
    assert [s["path"] for s in migration["scripts"]] == [
        "migrations/18.0.1.0.1/pre-log.py",
        "migrations/18.0.1.0.1/end-fail.py",
    ]
    assert not out["ok"] and "end-fail" in out["error"], out
    assert ran(db) == [] and logged(db) is None, "rolled back with the upgrade"
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_c'") == [("18.0.1.0.0",)]
