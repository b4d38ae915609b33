# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Runs that meet: exactly one upgrades, the others wait or say why not, nothing deadlocks.

Sample C gets a new version whose migration counts its runs and holds the
upgrade (polling a marker file, 60 s at most) until the test releases it, so
that the second run surely meets the first one in the middle of an upgrade.
"""

import json
import threading

import odoo_env
import psycopg2
import psycopg2.errors

RUN_ACTION = """
from odoo.exceptions import UserError
try:
    result({"ok": True, "message": env["ir.module.module"].upgrade_changed_checksum()["params"]["message"]})
except Exception as exc:
    result({"ok": False, "error": type(exc).__name__, "user_error": isinstance(exc, UserError), "message": str(exc)})
"""

# Odoo's own cron runner, as a cron worker calls it.
RUN_CRON_JOBS = 'env.registry["ir.cron"]._process_jobs(env.cr.dbname)\nresult("cron done")\n'

HOLD_MIGRATION = """import os, pathlib, time

def migrate(cr, version):
    marker = pathlib.Path({marker!r})
    with open(marker.with_name("runs"), "a") as runs:
        runs.write(f"{{os.getpid()}}\\n")
    marker.write_text(str(os.getpid()))
    deadline = time.monotonic() + 60
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
"""

OUR_CRON = (
    "(SELECT res_id FROM ir_model_data WHERE module = 'module_auto_update' AND name = 'cron_upgrade_changed_checksum')"
)
LOCK_TIMEOUT = "INSERT INTO ir_config_parameter (key, value) VALUES ('module_auto_update.lock_timeout', %s)"


def only_due(db, cron):
    """Make ``cron`` (an id, or SQL giving one) the one job due, so that Odoo's runner runs it alone."""
    db.sql(f"UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day' WHERE id != {cron}")
    db.sql(
        f"UPDATE ir_cron SET active = true, nextcall = now() at time zone 'UTC' - interval '1 minute' WHERE id = {cron}"
    )


def hold_upgrade_of_c(db, tmp_path):
    """Change sample C so that its upgrade waits in its migration; return the marker."""
    manifest = db.addon("mau_sample_c") / "__manifest__.py"
    manifest.write_text(manifest.read_text().replace('"version": "18.0.1.0.0"', '"version": "18.0.1.0.1"'))
    folder = db.addon("mau_sample_c") / "migrations" / "18.0.1.0.1"
    folder.mkdir(parents=True)
    marker = tmp_path / "migrating"
    (folder / "post-migrate.py").write_text(HOLD_MIGRATION.format(marker=str(marker)))
    return marker


def migration_runs(tmp_path):
    runs = tmp_path / "runs"
    return runs.read_text().split() if runs.exists() else []


def waiting_on_lock(db):
    """Whether a connection other than the holder's polls for the upgrade lock."""
    return bool(
        db.sql(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid != pg_backend_pid() "
            "AND query LIKE 'SELECT pg_try_advisory_lock%%'"
        )
    )


def in_threads(*calls):
    """Start each call in a thread; return the threads and a dict filled with their results."""
    results = {}
    threads = [threading.Thread(target=lambda i=i, c=c: results.__setitem__(i, c())) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, results


def join(threads, timeout=180):
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a run did not finish: deadlock?"


def upgraded_c_once(db, tmp_path):
    assert len(migration_runs(tmp_path)) == 1, migration_runs(tmp_path)
    assert not db.pending()
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_c'") == [("18.0.1.0.1",)]
    assert db.sql("SELECT upgraded_at IS NOT NULL FROM module_auto_update_checksum WHERE name = 'mau_sample_c'") == [
        (True,)
    ]


def test_two_processes_started_together_one_upgrades_the_other_waits(recorded_db, tmp_path):
    db = recorded_db
    marker = hold_upgrade_of_c(db, tmp_path)
    db.sql(LOCK_TIMEOUT, ("120",))
    threads, outs = in_threads(lambda: db.shell(RUN_ACTION), lambda: db.shell(RUN_ACTION))
    try:
        odoo_env.wait_for(marker.exists, 120, "one run to reach C's migration")
        odoo_env.wait_for(lambda: waiting_on_lock(db), 60, "the other run to wait for the upgrade lock")
    finally:
        marker.unlink(missing_ok=True)
        join(threads)
    messages = sorted(out["message"] for out in outs.values())
    assert all(out["ok"] for out in outs.values()), outs
    assert messages[0].startswith("Nothing to upgrade") and messages[1] == "Upgraded: mau_sample_c", messages
    upgraded_c_once(db, tmp_path)


def test_scheduled_action_and_a_shell_run_together(recorded_db, tmp_path):
    db = recorded_db
    marker = hold_upgrade_of_c(db, tmp_path)
    db.sql(LOCK_TIMEOUT, ("120",))
    only_due(db, OUR_CRON)
    threads, outs = in_threads(lambda: db.shell(RUN_CRON_JOBS), lambda: db.shell(RUN_ACTION))
    try:
        odoo_env.wait_for(marker.exists, 120, "one run to reach C's migration")
        # Whichever came second waits for the lock, or has already been told
        # that a scheduled action is running.
        odoo_env.wait_for(lambda: waiting_on_lock(db) or len(outs) == 1, 60, "the other run to wait or give up")
    finally:
        marker.unlink(missing_ok=True)
        join(threads)
    shell = outs[1]
    assert shell["ok"] or "scheduled action" in shell["message"], shell
    upgraded_c_once(db, tmp_path)
    (failures,) = db.sql(f"SELECT failure_count FROM ir_cron WHERE id = {OUR_CRON}")[0]
    assert failures == 0


def test_two_workers_clicking_the_menu_at_once(recorded_db, tmp_path):
    db = recorded_db
    marker = hold_upgrade_of_c(db, tmp_path)
    with odoo_env.serve(db.odoo, db.name, tmp_path / "server.log", "--workers=2", addons=[db.addons_dir]) as url:
        uid = odoo_env.jsonrpc(url, "common", "login", db.name, "admin", "admin")["result"]

        def click():
            args = (db.name, uid, "admin", "ir.module.module", "upgrade_changed_checksum", [])
            return odoo_env.jsonrpc(url, "object", "execute_kw", *args)

        threads, outs = in_threads(click)
        try:
            odoo_env.wait_for(marker.exists, 120, "the first click to reach C's migration")
            second = click()  # served by the other worker, while the first upgrades
        finally:
            marker.unlink(missing_ok=True)
            join(threads)
    assert outs[0]["result"]["params"]["message"] == "Upgraded: mau_sample_c", outs[0]
    error = second["error"]["data"]
    assert error["name"] == "odoo.exceptions.UserError" and "already running" in error["message"], second
    upgraded_c_once(db, tmp_path)


def test_run_during_an_odoo_cron_job_is_refused_then_the_cron_upgrades(recorded_db, tmp_path):
    db = recorded_db
    (db.addon("mau_sample_c") / "README.rst").write_text("changed\n")
    before = db.saved()
    # A job of Odoo's that runs until this test lets it go (it waits for an
    # advisory lock the test holds) and then records that it finished.
    (job,) = db.sql("SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'autovacuum_job'")[0]
    db.sql(
        "UPDATE ir_act_server SET code = %s WHERE id = (SELECT ir_actions_server_id FROM ir_cron WHERE id = %s)",
        (
            "env.cr.execute('SELECT pg_advisory_lock(4242)')\n"
            "env.cr.execute('SELECT pg_advisory_unlock(4242)')\n"
            "env['ir.config_parameter'].set_param('mau_test.job_done', '1')",
            job,
        ),
    )
    only_due(db, job)
    gate = odoo_env.pg_connect(db.name)
    try:
        with gate.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(4242)")
            threads, outs = in_threads(lambda: db.shell(RUN_CRON_JOBS))
            try:
                odoo_env.wait_for(lambda: job_is_running(db, job), 120, "Odoo's cron runner to run the job")
                out = db.shell(RUN_ACTION)
            finally:
                cr.execute("SELECT pg_advisory_unlock(4242)")
                join(threads)
    finally:
        gate.close()
    assert not out["ok"] and out["user_error"] and "scheduled action" in out["message"], out
    assert not db.pending() and db.saved() == before
    # the job was not disturbed: it finished and counts no failure
    assert db.sql("SELECT value FROM ir_config_parameter WHERE key = 'mau_test.job_done'") == [("1",)]
    if counts_failures(db):
        assert db.sql("SELECT failure_count FROM ir_cron WHERE id = %s", (job,)) == [(0,)]

    # Our own scheduled action, run by Odoo's runner (which holds its row): upgrades.
    only_due(db, OUR_CRON)
    assert db.shell(RUN_CRON_JOBS) == "cron done"
    assert db.sql(f"SELECT lastcall IS NOT NULL FROM ir_cron WHERE id = {OUR_CRON}") == [(True,)]
    if counts_failures(db):
        assert db.sql(f"SELECT failure_count FROM ir_cron WHERE id = {OUR_CRON}") == [(0,)]
    assert db.saved()["mau_sample_c"] != before["mau_sample_c"]
    assert db.sql("SELECT upgraded_at IS NOT NULL FROM module_auto_update_checksum WHERE name = 'mau_sample_c'") == [
        (True,)
    ]
    assert not db.pending()


def counts_failures(db):
    """Whether Odoo counts the failures of scheduled actions (``ir_cron.failure_count``, since 18.0)."""
    return bool(
        db.sql(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'ir_cron' AND column_name = 'failure_count'"
        )
    )


def job_is_running(db, job):
    """Odoo's runner holds a job's row for as long as the job runs."""
    conn = odoo_env.pg_connect(db.name)
    try:
        with conn.cursor() as cr:
            cr.execute("BEGIN")
            try:
                cr.execute("SELECT id FROM ir_cron WHERE id = %s FOR UPDATE NOWAIT", (job,))
            except psycopg2.errors.LockNotAvailable:
                return True
            return False
    finally:
        conn.close()


# The command line (odoo-bin auto-upgrade) meeting the in-Odoo runs --------------


def run_cli(db, *args):
    proc = db.odoo.run(
        ["auto-upgrade", "-d", db.name, "--lock-timeout", "120", "--format", "json", "--log-level=warn", *args],
        addons=[db.addons_dir],
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    return {"returncode": proc.returncode, **(json.loads(lines[-1]) if lines else {}), "stderr": proc.stderr[-3000:]}


def test_scheduled_action_and_the_command_line_together(recorded_db, tmp_path):
    db = recorded_db
    marker = hold_upgrade_of_c(db, tmp_path)
    db.sql(LOCK_TIMEOUT, ("120",))
    only_due(db, OUR_CRON)
    threads, outs = in_threads(lambda: db.shell(RUN_CRON_JOBS), lambda: run_cli(db))
    try:
        odoo_env.wait_for(marker.exists, 120, "one run to reach C's migration")
        odoo_env.wait_for(lambda: waiting_on_lock(db) or len(outs) == 1, 60, "the other run to wait or give up")
    finally:
        marker.unlink(missing_ok=True)
        join(threads)
    cli = outs[1]
    assert cli["returncode"] == 0 and cli["result"] in ("done", "nothing to do"), cli
    upgraded_c_once(db, tmp_path)
    assert db.sql(f"SELECT failure_count FROM ir_cron WHERE id = {OUR_CRON}") == [(0,)]


def test_command_line_started_during_an_upgrade_waits_and_finds_nothing(recorded_db, tmp_path):
    db = recorded_db
    marker = hold_upgrade_of_c(db, tmp_path)
    threads, outs = in_threads(lambda: db.shell(RUN_ACTION))
    try:
        odoo_env.wait_for(marker.exists, 120, "the in-Odoo run to reach C's migration")
        cli_threads, cli = in_threads(lambda: run_cli(db))
        threads += cli_threads
        odoo_env.wait_for(lambda: waiting_on_lock(db), 60, "the command line to wait for the upgrade lock")
    finally:
        marker.unlink(missing_ok=True)
        join(threads)
    assert cli[0]["returncode"] == 0 and cli[0]["result"] == "nothing to do", cli[0]
    assert outs[0] == {"ok": True, "message": "Upgraded: mau_sample_c"}, outs
    upgraded_c_once(db, tmp_path)
