# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a run tells about a live server: restarts needed, locks held, attempts."""

import json

from module_auto_update.cli import command
from module_auto_update.core import plan, results, watcher


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
    committed = results.Result("db", results.DONE, upgraded=["a"], warnings=["post-commit work notify failed"])
    assert "WARNING: the upgrade is committed, but post-commit work notify failed" in command.as_text(committed)
    busy = results.Result("db", results.BUSY, error="The upgrade gave way ...", attempts=10)
    assert "done at attempt" not in command.as_text(busy)
    # Every outcome carries the same keys, whether a run took place or not.
    keys = set(json.loads(command.as_json(outcome)))
    assert keys == set(json.loads(command.as_json(command.missing_outcome("gone", False))))
    assert {"attempts", "locks", "restart_needed", "restart_addons", "warnings"} <= keys


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
