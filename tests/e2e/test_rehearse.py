# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``--rehearse``: the real upgrade on the real database, rolled back, with what it did.

The upgrade is the probes' (``test_all_or_nothing.change``): a field added
to ``mau_probe_a`` with a new record and pre-, post- and end-migration
scripts, a partner record from ``mau_probe_c``, a new dependency installed
with its ``post_init_hook``; here the post-migration also updates partners.
Every rehearsal is checked against a whole-database snapshot: identical
afterwards, the history row aside.
"""

import json
import subprocess

import odoo_env
import pytest
from test_all_or_nothing import (
    HISTORY,
    ONCE,
    QUICK,
    V1,
    addons_path,
    assert_unchanged,
    change,
    history_count,
    last_run,
    log,
    raising_script,
    script,
    write,
)

UPDATES_PARTNERS = "    cr.execute(\"UPDATE res_partner SET comment = 'rehearsed' WHERE id IN (1, 2, 3)\")\n"


def post_migration(db, extra):
    write(db.addon("mau_probe_a") / "migrations" / V1 / "post-migrate.py", script("mau_probe_a", "post", extra))


def rehearse(db, *args):
    return db.odoo_bin(db.odoo.command_name, "--rehearse", *args, check=False)


def rehearsal_row(db):
    (row,) = db.sql(f"SELECT result, rehearsal, upgraded, error FROM {HISTORY} ORDER BY id DESC LIMIT 1")
    return dict(zip(("result", "rehearsal", "upgraded", "error"), row, strict=True))


def test_rehearsal_reports_what_the_upgrade_did_and_changes_nothing(probe_db):
    db = probe_db
    change(db, lambda db: post_migration(db, UPDATES_PARTNERS))
    before = odoo_env.database_snapshot(db.name)

    proc = rehearse(db, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    (line,) = [json.loads(text) for text in proc.stdout.splitlines() if text.startswith("{")]
    assert line["result"] == "rehearsed" and line["error"] is None, line
    assert set(line["upgraded"]) == {"mau_probe_a", "mau_probe_b", "mau_probe_c", "mau_probe_new"}
    report = line["rehearsal"]

    # The addons in load order, with their time, scripts and hooks.
    addons = {entry["module"]: entry for entry in report["addons"]}
    assert [m for m in addons if m.startswith("mau_probe")] == [
        "mau_probe_a",
        "mau_probe_c",
        "mau_probe_new",
        "mau_probe_b",
    ]
    assert all(addons[name]["seconds"] > 0 for name in ("mau_probe_a", "mau_probe_b", "mau_probe_c"))
    scripts = [(s["stage"], s["version"], s["file"]) for s in addons["mau_probe_a"]["scripts"]]
    assert scripts == [(stage, V1, f"migrations/{V1}/{stage}-migrate.py") for stage in ("pre", "post", "end")]
    assert addons["mau_probe_new"]["hooks"] == ["post_init_hook post_init"]
    assert addons["mau_probe_a"]["hooks"] == []  # upgraded, not installed: Odoo runs no hook

    # The schema: the new column, the new dependency's table.
    changes = {(c["change"], c["table"], c["name"]): c["detail"] for c in report["schema"]}
    assert changes[("column added", "mau_probe_a", "new_field")] == "integer"
    assert ("table created", "mau_probe_log", "") in changes  # the scripts' own table
    # The rows: the partner record inserted, the three partners the post-migration updated.
    rows = {row["table"]: row for row in report["rows"]}
    assert rows["res_partner"]["inserted"] == 1 and rows["res_partner"]["updated"] >= 3, rows["res_partner"]
    assert rows["mau_probe_log"]["inserted"] == len(ONCE)
    # No Odoo server is connected to the database: none would need a restart (test_said_when_true.py).
    assert "mau_probe_a" in line["restart_addons"] and line["restart_processes"] == []
    assert line["restart_needed"] is False

    # Nothing but the history row: no fingerprint, no script's trace, no module state.
    assert_unchanged(db, before)
    assert log(db) == []
    assert rehearsal_row(db)["result"] == "rehearsed" and rehearsal_row(db)["rehearsal"] is True

    # The real upgrade then runs every script once.
    proc = db.odoo_bin(db.odoo.command_name, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert sorted(log(db)) == sorted(ONCE)
    assert db.sql("SELECT count(*) FROM res_partner WHERE comment = 'rehearsed'") == [(3,)]


def test_failed_rehearsal_names_the_script_and_changes_nothing(probe_db):
    db = probe_db
    change(db, raising_script("post"))
    before = odoo_env.database_snapshot(db.name)

    proc = rehearse(db)
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    said = proc.stdout
    assert "failed" in said and "mau_probe_a" in said and "post-migrat" in said and "probe post refused" in said, said
    assert "Traceback" not in said
    assert_unchanged(db, before)
    row = rehearsal_row(db)
    assert row["result"] == "failed" and row["rehearsal"] is True

    # Mended: the text report, then the real upgrade.
    post_migration(db, "")
    proc = rehearse(db)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    text = proc.stdout
    assert "rehearsed (upgraded, then rolled back:" in text, text
    assert "column added: mau_probe_a.new_field (integer)" in text, text
    assert f"post-migration {V1} migrations/{V1}/post-migrate.py" in text, text
    assert "post_init_hook post_init" in text and "res_partner: 1, " in text, text
    assert_unchanged(db, before)
    proc = db.odoo_bin(db.odoo.command_name, check=False)
    assert proc.returncode == 0 and sorted(log(db)) == sorted(ONCE), proc.stderr[-3000:]


COMMITS = {
    # Odoo's cursor: its commit is the run's savepoint, the transaction goes on.
    "cr.commit()": ("    cr.commit()\n", 0, "rehearsed"),
    # A statement that would end the transaction is refused before PostgreSQL sees it.
    "COMMIT statement": ('    cr.execute("COMMIT")\n', 1, "sent COMMIT, which would end the upgrade's one transaction"),
}


@pytest.mark.parametrize("how", COMMITS)
def test_a_script_that_commits_cannot_end_the_rehearsal(probe_db, how):
    db = probe_db
    extra, code, said = COMMITS[how]
    change(db, lambda db: post_migration(db, UPDATES_PARTNERS + extra))
    before = odoo_env.database_snapshot(db.name)
    runs = history_count(db)
    proc = rehearse(db)
    assert proc.returncode == code and said in proc.stdout, proc.stdout + proc.stderr[-3000:]
    assert_unchanged(db, before)
    assert log(db) == [] and history_count(db) == runs + 1


@pytest.mark.parametrize("entry", ["odoo-bin", "quick start"])
def test_blocked_rehearsal_does_not_start(probe_db, entry):
    db = probe_db
    change(db, lambda db: write(db.addon("mau_probe_c") / "data" / "partners.xml", "<odoo><record\n</odoo>"))
    before = odoo_env.database_snapshot(db.name)
    if entry == "odoo-bin":
        proc = rehearse(db, "--format", "json")
    else:  # hands over to odoo-bin auto-upgrade (auto_upgrade on 19.0)
        argv = [db.odoo.python, str(QUICK), f"--addons-path={addons_path(db)}", "-d", db.name]
        proc = subprocess.run([*argv, "--rehearse", "--format", "json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 5, proc.stdout + proc.stderr[-3000:]
    (line,) = [json.loads(text) for text in proc.stdout.splitlines() if text.startswith("{")]
    assert line["result"] == "blocked" and line["rehearsal"] is None
    assert [(b["module"], b["file"]) for b in line["blocking"]] == [("mau_probe_c", "mau_probe_c/data/partners.xml")]
    assert_unchanged(db, before)
    assert last_run(db)["result"] == "blocked"


def test_rehearse_button_in_a_running_server(recorded_db, tmp_path):
    db = recorded_db
    view = db.addon("mau_sample_c") / "views" / "views.xml"
    view.write_text(view.read_text().replace("<form>", '<form string="Rehearsed while serving">'))
    with odoo_env.serve(db.odoo, db.name, tmp_path / "server.log", addons=[db.addons_dir]) as url:
        uid = odoo_env.jsonrpc(url, "common", "login", db.name, "admin", "admin")["result"]

        def call(model, method, *args):
            answer = odoo_env.jsonrpc(url, "object", "execute_kw", db.name, uid, "admin", model, method, *args)
            assert "result" in answer, answer
            return answer["result"]

        wizard = call("module.auto.update.wizard", "create", [{}])
        before = odoo_env.database_snapshot(db.name)
        call("module.auto.update.wizard", "action_rehearse", [[wizard]])
        (shown,) = call("module.auto.update.wizard", "read", [[wizard], ["rehearsal", "rehearsal_html"]])
        outcome = shown["rehearsal"]
        assert outcome["result"] == "rehearsed" and outcome["upgraded"] == ["mau_sample_c"], outcome
        (addon,) = outcome["rehearsal"]["addons"]
        assert addon["module"] == "mau_sample_c" and addon["seconds"] > 0
        assert "Rehearsed: the upgrade succeeded" in shown["rehearsal_html"]
        wizards = "public.module_auto_update_wizard"
        differences = odoo_env.snapshot_differences(
            before, odoo_env.database_snapshot(db.name), ignore=(HISTORY, wizards)
        )
        assert not differences, differences
        assert rehearsal_row(db)["rehearsal"] is True

        # The server serves on, with the registry it had, and upgrades for real.
        answer = call("ir.module.module", "upgrade_changed_checksum", [])
        assert "mau_sample_c" in answer["params"]["message"], answer
    arch = db.sql("SELECT arch_db::text FROM ir_ui_view WHERE name = 'mau.sample.c.form'")[0][0]
    assert "Rehearsed while serving" in arch
