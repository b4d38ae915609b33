# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a run tells about a live server: restarts needed, locks held, attempts."""

import json

from module_auto_update.cli import command
from module_auto_update.core import plan, results, stored, watcher


def changed(module, files):
    return {"module": module, "reason": "changed", "files": files}


def files(added=(), removed=(), modified=()):
    return {"added": list(added), "removed": list(removed), "modified": list(modified)}


def test_restart_needed_for_imported_python_only():
    the_plan = {
        "changed": [
            changed("code", files(modified=["models/partner.py"])),
            changed("new_file", files(added=["models/new.py"])),
            changed("removed_file", files(removed=["wizard/old.py"])),
            changed("data", files(modified=["views/partner.xml", "__manifest__.py"])),
            changed("scripts", files(added=["migrations/18.0.1.1/post-migrate.py", "tests/test_x.py"])),
            changed("unknown", None),
            changed("not_upgraded", files(modified=["models/x.py"])),
        ]
    }
    upgraded = ["code", "new_file", "removed_file", "data", "scripts", "unknown"]
    assert plan.restart_addons(the_plan, upgraded) == ["code", "new_file", "removed_file", "unknown"]
    assert plan.restart_addons(None, upgraded) == []
    assert "code, unknown" in plan.restart_text(["code", "unknown"]) and "kill -HUP" in plan.restart_text(["x"])


SERVERS = [
    {"pid": 1234, "application": "odoo-1234", "host": "local socket", "connections": 2},
    {"pid": 77, "application": "odoo-77", "host": "10.0.0.3", "connections": 1},
]


def test_restart_is_said_when_true():
    """The processes connected to the database are named, or none is; a rehearsal says would."""
    assert plan.restart_text(["a"], []) == (
        "The Python code of a changed; no Odoo server is connected to the database: nothing to restart."
    )
    text = plan.restart_text(["a", "b"], SERVERS)
    assert text.startswith(
        "Running Odoo processes still run the old Python code of a, b: pid 1234 (local socket), pid 77 (10.0.0.3), "
        "connected to the database. Restart them (kill -HUP"
    ), text
    rehearsed = plan.restart_text(["a"], SERVERS, rehearsal=True)
    assert rehearsed.startswith("Running Odoo processes would need a restart for the new Python code of a: pid 1234")
    assert "still run" not in rehearsed and "kill -HUP" in rehearsed
    assert plan.restart_text(["a"], [], rehearsal=True).endswith(
        "no Odoo server is connected to the database: none would need a restart."
    )
    # Not known (not readable): said as if some were.
    assert plan.restart_text(["a"], None).startswith(
        "Running Odoo processes still run the old Python code of a. Restart"
    )
    # ODOO_PGAPPNAME without {pid}: its connections, by host.
    shared = [{"pid": None, "application": "shop", "host": "10.0.0.4", "connections": 3}]
    assert "shop (3 connection(s), 10.0.0.4)" in plan.restart_text(["a"], shared)
    # Another database user's session: PostgreSQL shows its name, not its address.
    assert "pid 9 (host unknown)" in plan.restart_text(["a"], [dict(SERVERS[0], pid=9, host=None)])
    # The command's text: a rehearsal says would, a run with no server says so.
    none = results.Result("db", results.DONE, upgraded=["a"], restart_addons=["a"], restart_processes=[])
    assert command.as_text(none).splitlines()[1].endswith("nothing to restart.")
    would = results.Result(
        "db", results.REHEARSED, restart_addons=["a"], restart_processes=SERVERS, restart_needed=True
    )
    assert "would need a restart" in command.as_text(would)
    assert json.loads(command.as_json(would))["restart_processes"] == SERVERS


class Cursor:
    """A DB-API cursor that answers the sessions query with ``rows``, and keeps what it was asked."""

    def __init__(self, rows):
        self.rows, self.executed = rows, []

    def execute(self, query, params=None):
        self.executed.append((query, params))

    def fetchall(self):
        return self.rows


def test_odoo_processes_are_found_by_application_name():
    assert stored.odoo_applications({})[0] == "odoo-%"
    assert stored.odoo_application({}, 42) == "odoo-42"
    like, names = stored.odoo_applications({"ODOO_PGAPPNAME": "shop_{pid}-a"})
    assert like == "shop\\_%-a" and names.match("shop_42-a").group(1) == "42"
    like, names = stored.odoo_applications({"ODOO_PGAPPNAME": "shop"})
    assert like == "shop" and not names.match("shop").groups()
    rows = [("odoo-1234", "local socket", 2), ("odoo-77", "10.0.0.3", 1), ("odoo-bin-like", None, 1)]
    cr = Cursor(rows)
    assert stored.odoo_processes(cr, {}, own_names=["odoo-5"], own_pids={9, 8}) == SERVERS
    (_clear, _none), (query, params) = cr.executed
    assert "pg_stat_activity" in query and params["like"] == "odoo-%" and params["own_pids"] == [8, 9]
    # This process's name, and its lock watcher's, are not counted.
    assert params["own_names"] == ["odoo-5", watcher.APPLICATION]
    assert stored.odoo_processes(Cursor([("shop", "h", 3)]), {"ODOO_PGAPPNAME": "shop"}) == [
        {"pid": None, "application": "shop", "host": "h", "connections": 3}
    ]


def test_held_locks_longest_per_table_first():
    watch = watcher.Watch()
    watch.first_held = {
        ("res_partner", "ShareLock"): 10.0,
        ("res_partner", "AccessExclusiveLock"): 11.0,
        ("ir_ui_view", "ShareRowExclusiveLock"): 12.5,
    }
    held = watch.held(until=13.0)
    assert held == [
        {"table": "res_partner", "mode": "ShareLock", "seconds": 3.0, "why": "index built"},
        {"table": "ir_ui_view", "mode": "ShareRowExclusiveLock", "seconds": 0.5, "why": "trigger or foreign key added"},
    ]
    assert watcher.held_text(held) == (
        "res_partner 3.0 s (ShareLock, index built), ir_ui_view 0.5 s (ShareRowExclusiveLock, trigger or foreign key "
        "added)"
    )
    assert watcher.Watch().held(until=1.0) == []
    # A table the run locked on purpose says why.
    watch.first_held = {("res_partner", "ExclusiveLock"): 10.0}
    (row,) = watch.held(until=12.0, why={"res_partner": "after a conflict on res_partner"})
    assert row["why"] == "after a conflict on res_partner"
    assert watcher.held_text([row]) == "res_partner 2.0 s (ExclusiveLock, after a conflict on res_partner)"


def test_wait_names_table_and_session():
    wait = watcher.Wait(
        "res_partner", "AccessExclusiveLock", 42, "nightly export", "10.0.0.7", "idle", 38.4, "SELECT 1"
    )
    text = str(wait)
    assert text.startswith("table res_partner (AccessExclusiveLock), held by session 42 (")
    assert "'nightly export'" in text and "10.0.0.7" in text and "38 s" in text and "SELECT 1" in text
    assert "wait for it too" not in text
    queued = watcher.Wait("res_partner", "AccessExclusiveLock", 42, "report", None, "idle in transaction", 3, "", 2)
    assert str(queued).endswith("; 2 other session(s) wait for it too"), str(queued)


def test_outcome_output_says_attempts_locks_and_restart():
    outcome = results.Result(
        "db",
        results.DONE,
        upgraded=["a"],
        attempts=3,
        locks=[{"table": "res_partner", "mode": "AccessExclusiveLock", "seconds": 1.2}],
        restart_needed=True,
        restart_addons=["a"],
    )
    text = command.as_text(outcome)
    assert "done at attempt 3" in text
    assert "exclusive locks held: res_partner 1.2 s (AccessExclusiveLock)" in text
    assert "old Python code of a" in text
    committed = results.Result("db", results.DONE, upgraded=["a"], after_commit=["post-commit work notify failed"])
    assert "WARNING: the upgrade is committed, but post-commit work notify failed" in command.as_text(committed)
    busy = results.Result("db", results.BUSY, error="The upgrade gave way ...", attempts=10)
    assert "done at attempt" not in command.as_text(busy)
    # Every outcome carries the same keys, whether a run took place or not.
    keys = set(json.loads(command.as_json(outcome)))
    assert keys == set(json.loads(command.as_json(command.missing_outcome("gone", False))))
    assert {"attempts", "locks", "restart_needed", "restart_addons", "after_commit", "warnings"} <= keys


def test_lock_wait_and_attempts_options():
    parser = command.build_parser("auto-upgrade")
    opts = parser.parse_args(["--lock-wait", "0.5", "--attempts", "3"])
    command.validate(parser, opts)
    assert (opts.lock_wait, opts.attempts) == (0.5, 3)
    defaults = parser.parse_args([])
    assert (defaults.lock_wait, defaults.attempts) == (2.0, 10)
    for bad in (["--attempts", "0"], ["--lock-wait", "-1"]):
        opts = parser.parse_args(bad)
        try:
            command.validate(parser, opts)
        except SystemExit as exc:
            assert exc.code == command.EXIT_USAGE
        else:
            raise AssertionError(f"{bad} accepted")


def test_the_table_a_conflicting_statement_writes():
    written = watcher.written_table
    assert written('UPDATE "res_partner" SET "ref" = "__tmp"."ref" FROM (VALUES (1, %s)) AS "__tmp"') == "res_partner"
    assert written(b"update res_partner set comment = 'x' where id = 3") == "res_partner"
    assert written("DELETE FROM ONLY public.mail_message WHERE id = 1") == "mail_message"
    assert written('INSERT INTO "ir_config_parameter" (key, value) VALUES (%s, %s)') == "ir_config_parameter"
    assert written('SELECT id FROM "res_partner" WHERE id IN %s FOR NO KEY UPDATE') == "res_partner"
    assert written("WITH x AS (SELECT 1) UPDATE account_move SET name = 'a'") == "account_move"
    assert written("SELECT id, ref FROM res_partner") is None
    assert written(None) is None
