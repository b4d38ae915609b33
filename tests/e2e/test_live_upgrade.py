# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Upgrading a live Odoo: users keep writing, the upgrade still succeeds.

A real Odoo server serves JSON-RPC clients (``tools/load.py``) that write the
very partners a post-migration script of the upgraded addon updates, and
create new ones, while the upgrade runs through each entry point, with the
migration written each way users write them (``load.STYLES``: one ``UPDATE``,
ORM read-compute-write, select then update per row, a stored computed field
recomputed): no acknowledged write is lost, none is overwritten by a value
computed from an older one (the harness's audit trigger), no request fails,
and the migration takes effect once. Then a user
transaction holds a table the upgrade must alter: the upgrade gives way
instead of queueing every request behind it, and succeeds once it is gone, or
gives up naming the table and the session.
"""

import json
import threading
import time

import odoo_env
import psycopg2
import pytest
from load import Load, change_sample, install_audit, migrated, overwritten

SERVER_WIDE = "--load=base,web,module_auto_update"
MIGRATED = " migrated"  # what the harness's post-migration appends to each hot partner's note


# Every migration style; in a running server (the in-Odoo methods) a changed compute is Python changed
# under that server, which those entry points refuse by design (docs/safety.rst).
STYLES = ("update", "orm", "select-update", "computed")
SERVER_STYLES = ("update", "orm", "select-update")


def new_version_with_migration(db, tmp_path, style="update"):
    """Give mau_sample_partner a new version whose post-migration (of ``style``) updates the hot partners;
    return its run log."""
    runs = tmp_path / "migration_runs"
    change_sample(db.addons_dir, runs, style)
    return runs


def add_partner_field(db):
    """A new stored field on res.partner: the upgrade must ALTER TABLE res_partner."""
    model = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    model.write_text(model.read_text() + "    mau_level = fields.Integer()\n")


def runs_of(path):
    return path.read_text().split() if path.exists() else []


def assert_migrated_once(db, runs, attempts):
    """The post-migration took effect once (its counter in the database), though attempts that reached it
    ran it: all but the last were rolled back (a conflict with the users' writes, a lock not granted)."""
    assert db.sql("SELECT value FROM ir_config_parameter WHERE key = 'load.migrated'") == [("1",)]
    assert 1 <= len(runs_of(runs)) <= attempts, (runs_of(runs), attempts)


def last_attempts(db):
    return db.sql("SELECT attempts FROM module_auto_update_run WHERE result = 'done' ORDER BY id DESC LIMIT 1")[0][0]


def partner_columns(db):
    rows = db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner'")
    return {name for (name,) in rows}


def auto_upgrade(db, *args):
    proc = db.odoo_bin(db.odoo.command_name, "--format=json", *args, check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc, lines[-1] if lines else None


def assert_users_were_served(load, db, audited=False):
    report = load.report()
    assert report["requests"] > 0 and report["phases"]["during"]["requests"] > 0, report
    assert report["failed"] == 0, report["failures"]
    assert load.lost(db.name, matches=migrated) == []
    if audited:
        assert overwritten(db.name) == []
    return report


def serving(db, tmp_path, *args):
    return odoo_env.serve(db.odoo, db.name, tmp_path / "server.log", *args, addons=[db.addons_dir])


@pytest.mark.parametrize("style", STYLES)
def test_command_line_upgrade_while_users_edit_the_rows_its_migration_updates(recorded_db, tmp_path, style):
    db = recorded_db
    install_audit(db.name)
    with serving(db, tmp_path) as url, Load(url, db.name, clients=10, hot=20) as load:
        time.sleep(2)
        runs = new_version_with_migration(db, tmp_path, style)
        load.phase("during")
        proc, out = auto_upgrade(db)
        load.phase("after")
        time.sleep(2)
    assert proc.returncode == 0 and out["result"] == "done", proc.stderr[-3000:]
    assert set(out["upgraded"]) - {"module_auto_update"} == {"mau_sample_partner"}
    assert_migrated_once(db, runs, out["attempts"])
    assert_users_were_served(load, db, audited=True)
    # Every hot row went through the migration exactly once, or was written after it.
    comments = [c for (c,) in db.sql("SELECT comment FROM res_partner WHERE name LIKE 'load hot %%'")]
    assert all(c.count(MIGRATED) <= 1 for c in comments), comments
    assert not db.pending()
    version = db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_partner'")
    assert version == [(f"{odoo_env.SERIES}.1.0.1",)]
    (attempts,) = db.sql("SELECT attempts FROM module_auto_update_run WHERE result = 'done'")[0]
    assert attempts == out["attempts"] >= 1
    # Only a new field is Python that running servers need a restart for.
    assert ("mau_sample_partner" in out["restart_addons"]) == (style == "computed"), out["restart_addons"]
    if out["attempts"] > 1:
        # Locked against writers after the conflict, and said.
        assert any(lock["why"] == "after a conflict on res_partner" for lock in out["locks"]), out["locks"]


@pytest.mark.parametrize("style", SERVER_STYLES)
def test_in_odoo_method_inside_the_prefork_server_that_serves_the_users(recorded_db, tmp_path, style):
    """As from the menu or the scheduled action: in a worker of the very server the clients use."""
    db = recorded_db
    install_audit(db.name)
    with serving(db, tmp_path, "--workers=3") as url, Load(url, db.name, clients=10, hot=20) as load:
        time.sleep(2)
        runs = new_version_with_migration(db, tmp_path, style)
        load.phase("during")
        uid = odoo_env.jsonrpc(url, "common", "login", db.name, "admin", "admin")["result"]
        args = (db.name, uid, "admin", "ir.module.module", "upgrade_changed_checksum", [])
        answer = odoo_env.jsonrpc(url, "object", "execute_kw", *args)
        load.phase("after")
        time.sleep(2)
    assert "result" in answer, answer
    message = answer["result"]["params"]["message"]
    # (module_auto_update may be upgraded too: it is the live checkout)
    assert message.replace(", module_auto_update", "") == "Upgraded: mau_sample_partner", answer
    assert_migrated_once(db, runs, last_attempts(db))
    assert_users_were_served(load, db, audited=True)
    assert not db.pending()


@pytest.mark.parametrize("style", STYLES)
def test_upgrade_on_start_while_another_server_serves_users(recorded_db, tmp_path, monkeypatch, style):
    db = recorded_db
    install_audit(db.name)
    with serving(db, tmp_path) as url, Load(url, db.name, clients=10, hot=20) as load:
        time.sleep(2)
        runs = new_version_with_migration(db, tmp_path, style)
        load.phase("during")
        monkeypatch.setenv("ODOO_AUTO_UPGRADE_ON_START", "1")
        start = db.odoo_bin(
            SERVER_WIDE, "--stop-after-init", "--no-http", "--log-handler=odoo.addons.module_auto_update:INFO"
        )
        load.phase("after")
        time.sleep(2)
    assert f"{db.name}: done" in start.stderr, start.stderr[-3000:]
    assert_migrated_once(db, runs, last_attempts(db))
    assert_users_were_served(load, db, audited=True)
    assert not db.pending()


class LongTransaction:
    """A user's transaction on res_partner that stays open (an export, a report)."""

    APPLICATION = "mau-test long report"

    def __init__(self, db, seconds, statement="SELECT count(*) FROM res_partner"):
        self.db, self.seconds, self.statement = db, seconds, statement
        self.ready, self.done, self.thread = threading.Event(), threading.Event(), None

    def _hold(self):
        conn = psycopg2.connect(dbname=self.db.name, application_name=self.APPLICATION)
        try:
            with conn.cursor() as cr:
                cr.execute(self.statement)
                self.ready.set()
                self.done.wait(self.seconds)
            conn.rollback()
        finally:
            conn.close()

    def __enter__(self):
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()
        assert self.ready.wait(30)
        return self

    def __exit__(self, *exc):
        """Ends the transaction now, if it still runs."""
        self.done.set()
        self.thread.join(30)


def test_a_long_user_transaction_the_upgrade_gives_way_then_succeeds(recorded_db, tmp_path):
    db = recorded_db
    with serving(db, tmp_path) as url, Load(url, db.name, clients=5, hot=10) as load:
        add_partner_field(db)
        runs = new_version_with_migration(db, tmp_path)
        with LongTransaction(db, 60):
            load.phase("during")
            t0 = time.monotonic()
            proc, out = auto_upgrade(db, "--lock-wait=2", "--attempts=12")
            elapsed = time.monotonic() - t0
        load.phase("after")
        time.sleep(2)
    assert proc.returncode == 0 and out["result"] == "done", proc.stderr[-3000:]
    # It could not alter res_partner while the report read it: it waited for it to end.
    assert out["attempts"] > 1 and elapsed > 50, (out["attempts"], elapsed)
    assert "rolled back, it met another session" in proc.stderr
    assert "table res_partner (AccessExclusiveLock), held by session" in proc.stderr
    assert LongTransaction.APPLICATION in proc.stderr
    assert "mau_level" in partner_columns(db)
    assert_migrated_once(db, runs, out["attempts"])
    report = assert_users_were_served(load, db)
    # Users were never queued behind the upgrade for the report's 60 s: at most
    # one lock wait (2 s) and the upgrade's own commit-bound locks.
    assert report["phases"]["during"]["max"] < 15, report["phases"]
    # res_partner was altered: locked against users until the commit, and said.
    assert "res_partner" in {lock["table"] for lock in out["locks"]}, out["locks"]
    assert out["restart_needed"] is True and "mau_sample_partner" in out["restart_addons"]
    (attempts, locks, restart) = db.sql(
        "SELECT attempts, locks, restart_needed FROM module_auto_update_run WHERE result = 'done'"
    )[0]
    assert attempts == out["attempts"] and "res_partner" in locks and restart is True


def test_a_long_user_transaction_the_upgrade_gives_up_naming_table_and_session(recorded_db, tmp_path):
    db = recorded_db
    add_partner_field(db)
    before = odoo_env.database_snapshot(db.name)
    with LongTransaction(db, 40):
        proc, out = auto_upgrade(db, "--lock-wait=1", "--attempts=2")
    assert proc.returncode == 4, (proc.returncode, proc.stderr[-3000:])
    assert out["result"] == "busy" and out["attempts"] == 2
    error = out["error"]
    assert error.startswith("The upgrade gave way to other sessions 2 time(s) and stopped"), error
    assert "table res_partner" in error and LongTransaction.APPLICATION in error and "--lock-wait" in error
    assert "Traceback" not in proc.stderr
    history = ("public.module_auto_update_run",)
    assert odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=history) == []
    assert db.sql("SELECT result, attempts FROM module_auto_update_run") == [("busy", 2)]


def test_history_and_text_say_attempts_locks_and_restart(recorded_db):
    db = recorded_db
    add_partner_field(db)
    proc = db.odoo_bin(db.odoo.command_name, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "exclusive locks held: " in proc.stdout and "res_partner" in proc.stdout, proc.stdout
    # No Odoo server is running: nothing to restart, said (a running one: test_said_when_true.py).
    # (module_auto_update, the live checkout, may be upgraded too when it was edited while the suite ran)
    line = next((line for line in proc.stdout.splitlines() if "nothing to restart" in line), proc.stdout)
    assert line.startswith("    The Python code of mau_sample_partner") and "no Odoo server is connected" in line
    assert "kill -HUP" not in proc.stdout


def index_partner_nickname(db):
    """An index on an existing res.partner column: CREATE INDEX waits for any user's uncommitted write."""
    model = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    model.write_text(
        model.read_text().replace("mau_nickname = fields.Char()", "mau_nickname = fields.Char(index=True)")
    )


USER_WRITE = "UPDATE res_partner SET mau_nickname = 'x' WHERE id = 1"


def test_a_lock_odoo_would_swallow_still_rolls_the_attempt_back(recorded_db):
    """Odoo's loader catches a failed CREATE INDEX and only logs it: the attempt
    must still roll back, never commit the upgrade without its index."""
    db = recorded_db
    index_partner_nickname(db)
    before = odoo_env.database_snapshot(db.name)
    # A user's write, not committed yet: CREATE INDEX on res_partner must wait for it.
    with LongTransaction(db, 40, USER_WRITE):
        proc, out = auto_upgrade(db, "--lock-wait=1", "--attempts=2")
    assert proc.returncode == 4 and out["result"] == "busy", (out, proc.stderr[-3000:])
    assert "table res_partner (ShareLock)" in out["error"], out["error"]
    # Odoo's loader did swallow it: the rollback is ours.
    assert "Unable to add index" in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-3000:]
    history = ("public.module_auto_update_run",)
    assert odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=history) == []
    proc, out = auto_upgrade(db)
    assert proc.returncode == 0 and out["result"] == "done", proc.stderr[-3000:]
    indexes = db.sql(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'res_partner' AND indexdef LIKE '%%mau_nickname%%'"
    )
    assert indexes, "the upgrade committed without the index"


def test_in_odoo_and_on_start_take_their_lock_wait_and_attempts_from_settings(recorded_db, tmp_path):
    db = recorded_db
    index_partner_nickname(db)
    db.sql(
        "INSERT INTO ir_config_parameter (key, value) VALUES "
        "('module_auto_update.lock_wait', '0.5'), ('module_auto_update.attempts', '2')"
    )
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        "[options]\nauto_upgrade_on_start = True\nserver_wide_modules = base,web,module_auto_update\n"
        "auto_upgrade_lock_wait = 0.5\nauto_upgrade_attempts = 3\n"
    )
    code = """
from odoo.exceptions import UserError
try:
    env["ir.module.module"].upgrade_changed_checksum()
except UserError as exc:
    result(str(exc))
"""
    with LongTransaction(db, 60, USER_WRITE):
        message = db.shell(code)
        start = db.odoo_bin("-c", str(conf), "--stop-after-init", "--no-http", check=False)
    assert message.startswith("The upgrade gave way to other sessions 2 time(s)"), message
    assert "table res_partner" in message and LongTransaction.APPLICATION in message
    assert "upgrade on start busy: The upgrade gave way to other sessions 3 time(s)" in start.stderr, start.stderr[
        -3000:
    ]
    runs = db.sql("SELECT trigger, result, attempts FROM module_auto_update_run ORDER BY id")
    assert runs == [("shell", "busy", 2), ("server start", "busy", 3)], runs
    assert not db.pending()


def test_a_chain_of_waits_names_the_session_at_its_root(recorded_db, tmp_path):
    """An idle transaction holds a partner; a user's request waits for that row; the run, which must
    alter res_partner, waits for both: the idle transaction is named, the request only counted."""
    db = recorded_db
    with serving(db, tmp_path) as url:
        uid = odoo_env.jsonrpc(url, "common", "login", db.name, "admin", "admin")["result"]
        add_partner_field(db)  # once the server runs: its code is the old one
        with LongTransaction(db, 60, "UPDATE res_partner SET mau_nickname = 'held' WHERE id = 1"):
            args = (db.name, uid, "admin", "res.partner", "write", [[1], {"mau_nickname": "user"}])
            request = threading.Thread(target=odoo_env.jsonrpc, args=(url, "object", "execute_kw", *args), daemon=True)
            request.start()
            waiting = (
                "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                "AND application_name LIKE 'odoo-%%'"
            )
            odoo_env.wait_for(lambda: db.sql(waiting, (db.name,)), 60, "the user's request to wait for the row")
            proc, out = auto_upgrade(db, "--lock-wait=1", "--attempts=1")
        request.join(60)
    assert proc.returncode == 4 and out["result"] == "busy", (out, proc.stderr[-3000:])
    error = out["error"]
    assert f"application '{LongTransaction.APPLICATION}'" in error, error
    assert "idle in transaction" in error and "1 other session(s) wait for it too" in error, error
    assert "application 'odoo-" not in error, error
    assert db.sql("SELECT mau_nickname FROM res_partner WHERE id = 1") == [("user",)]
