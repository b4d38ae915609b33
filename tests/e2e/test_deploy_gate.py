# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A deploy gate that never says OK by mistake (real Odoo 18, real PostgreSQL).

Every wrong input gets a sentence and a documented exit code, never a
traceback, alike from ``odoo-bin auto-upgrade`` and the quick start; an
installed addon without code is a warning; ``--check`` answers without
touching the database; a first run is said out loud; a refused run's JSON
carries its plan.
"""

import json
import os
import re
import shutil
import subprocess

import odoo_env
import pytest
from conftest import lose_code
from test_cli import IGNORE_SELF, change, history
from test_quick_start import ANSWERED, HANDED_OVER, QUICK, addons_path, without_durations
from test_truthful_plan import broken_xml

from module_auto_update.core.lock import lock_key

MISSING_CODE = "mau_sample_c is installed but its folder is not in the addons path"


def odoo_bin(db, *args):
    """``odoo-bin auto-upgrade ARGS`` with the test's addons, as a deploy script runs it."""
    return db.odoo.run([db.odoo.command_name, "--log-level=warn", *args], addons=[db.addons_dir], check=False)


def quick_start(db, *args):
    """The quick start with the same ARGS and addons."""
    cmd = [db.odoo.python, str(QUICK), f"--addons-path={addons_path(db)}", "--log-level=warn", *args]
    return subprocess.run(cmd, env={**os.environ, **db.odoo.env}, capture_output=True, text=True, check=False)


def without_config_notices(stderr):
    """``stderr`` without the notices Odoo's configuration parser logs at every start, whatever the
    command (19.0: ``missing --http-interface/http_interface, using 0.0.0.0 by default``)."""
    return "\n".join(line for line in stderr.splitlines() if " odoo.tools.config: " not in line)


def answer(proc):
    """What a pipeline sees: the exit code, the output (durations blanked) and the error sentence."""
    errors = [line.split(": error: ", 1)[1] for line in proc.stderr.splitlines() if ": error: " in line]
    return proc.returncode, without_durations(proc.stdout), errors


def both(db, *args):
    """Run both commands with ARGS; they answer alike, without a traceback. Returns odoo-bin's run."""
    full, quick = odoo_bin(db, *args), quick_start(db, *args)
    for proc in (full, quick):
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert answer(quick) == answer(full), (quick.stdout, quick.stderr[-2000:], full.stdout, full.stderr[-2000:])
    return full


# Wrong inputs ---------------------------------------------------------------------


def plain_database(name):
    """A database without Odoo in it."""
    odoo_env.create_db(name)
    return name


def unreadable_config(tmp_path):
    return str(tmp_path / "no_such.conf")


def folder_without_addons(tmp_path):
    folder = tmp_path / "no_addons"
    (folder / "notes").mkdir(parents=True)
    return str(folder)


def malformed_config(tmp_path):
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options\ndb_name = x\n")
    return str(conf)


@pytest.mark.parametrize(
    ("wrong", "code", "message"),
    [
        (lambda db, tmp: ["-d", f"{db.name}_gone"], 3, "does not exist: check the name, or pass --if-exists"),
        (lambda db, tmp: ["-d", plain_database(f"{db.name}_plain")], 3, "is not an Odoo database"),
        (
            lambda db, tmp: ["-d", plain_database(f"{db.name}_plain"), "--dry-run"],
            3,
            "is not an Odoo database",
        ),
        (
            lambda db, tmp: ["-d", db.name, "-c", unreadable_config(tmp)],
            2,
            "does not exist or cannot be read: check -c/--config",
        ),
        (lambda db, tmp: ["-d", db.name, "-c", malformed_config(tmp)], 2, "the configuration file cannot be read"),
        (
            lambda db, tmp: ["-d", db.name, f"--addons-path={addons_path(db)},{tmp / 'no_such_folder'}"],
            2,
            "no such directory",
        ),
        (
            lambda db, tmp: ["-d", db.name, f"--addons-path={addons_path(db)},{folder_without_addons(tmp)}"],
            2,
            "is not a valid addons directory",
        ),
        (lambda db, tmp: ["-d", db.name, "--only", "no_such_addon"], 2, "unknown addons: --only no_such_addon"),
        (
            lambda db, tmp: ["-d", db.name, "--ignore-addons", "module_auto_update,no_such_addon"],
            2,
            "unknown addons: --ignore-addons no_such_addon",
        ),
        (lambda db, tmp: ["-d", db.name, "--lock-timeout", "nan"], 2, "--lock-timeout must be a number of seconds"),
        (lambda db, tmp: ["-d", db.name, "--jobs", "many"], 2, "argument --jobs: invalid int value"),
        (
            lambda db, tmp: ["-d", db.name, "--check", "--init-hashes"],
            2,
            "--dry-run, --check, --rehearse and --init-hashes exclude",
        ),
    ],
    ids=[
        "unknown-database",
        "not-odoo",
        "not-odoo-dry-run",
        "unreadable-config",
        "malformed-config",
        "missing-addons-folder",
        "addons-folder-without-addons",
        "unknown-only",
        "unknown-ignore",
        "bad-lock-timeout",
        "bad-jobs",
        "check-with-init-hashes",
    ],
)
def test_a_wrong_input_is_a_sentence_and_an_exit_code_from_both_commands(recorded_db, tmp_path, wrong, code, message):
    db = recorded_db
    args = wrong(db, tmp_path)
    try:
        proc = both(db, *args)
    finally:
        odoo_env.drop_db(f"{db.name}_plain")
    assert proc.returncode == code, (proc.stdout, proc.stderr[-3000:])
    assert message in proc.stdout + proc.stderr, (proc.stdout, proc.stderr[-3000:])
    # Nothing ran: no history row.
    assert history(db) == []


# Installed addons without code ------------------------------------------------------


def test_an_installed_addon_without_code_is_a_warning_everywhere(recorded_db):
    db = recorded_db
    lose_code(db)
    proc = both(db, "-d", db.name, *IGNORE_SELF)
    assert proc.returncode == 6, proc.stderr[-3000:]
    assert proc.stdout.startswith(f"{db.name}: code missing\n    WARNING: {MISSING_CODE}"), proc.stdout
    assert "studio_customization is installed but has no code in the addons path: it exists only in the database" in (
        proc.stdout
    )
    assert re.search(
        r" WARNING .*installed addons without code in the addons path, not upgraded: mau_sample_c\.", proc.stderr
    )
    assert "studio_customization" not in proc.stderr
    quick = quick_start(db, "-d", db.name, *IGNORE_SELF, "--log-level=info")
    assert ANSWERED in quick.stderr and quick.returncode == 6, quick.stderr[-3000:]
    out = json.loads(both(db, "-d", db.name, *IGNORE_SELF, "--format", "json").stdout)
    assert [(w["kind"], w["module"]) for w in out["warnings"]] == [("code-missing", "mau_sample_c")]
    assert [i["code"] for i in out["info"]] == ["database-only"]

    # (In Odoo, the wizard's plan and the method's notification: module_auto_update/tests/test_plan.py.)
    # An addon the database says to ignore is not warned about.
    db.sql(
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
        "VALUES ('module_auto_update.ignore_addons', 'mau_sample_c', now(), now())"
    )
    proc = both(db, "-d", db.name, *IGNORE_SELF)
    said = proc.stdout + without_config_notices(proc.stderr)
    assert proc.returncode == 0 and "WARNING" not in said, proc.stdout + proc.stderr[-3000:]


def test_an_upgrade_beside_an_addon_without_code_is_done_and_still_warns(recorded_db):
    db = recorded_db
    shutil.rmtree(db.addon("mau_sample_c"))
    change(db, "mau_sample_e")
    proc = odoo_bin(db, "-d", db.name, *IGNORE_SELF)
    assert proc.returncode == 6, proc.stderr[-3000:]
    assert proc.stdout.startswith(f"{db.name}: code missing (upgraded mau_sample_e, mau_sample_f, mau_sample_g)")
    assert MISSING_CODE in proc.stdout and "mau_sample_c" in proc.stderr


# --check ----------------------------------------------------------------------------


def test_check_answers_in_three_states_without_touching_the_database(recorded_db):
    db = recorded_db
    before = odoo_env.database_snapshot(db.name)
    proc = both(db, "-d", db.name, "--check", *IGNORE_SELF)
    assert proc.returncode == 0 and proc.stdout == f"{db.name}: nothing to do\n", proc.stdout
    quick = quick_start(db, "-d", db.name, "--check", *IGNORE_SELF, "--log-level=info")
    assert ANSWERED in quick.stderr and "upgrade lock" not in quick.stderr, quick.stderr[-3000:]

    change(db, "mau_sample_c")
    # Another run holds the upgrade lock: the check neither waits for it nor says busy.
    holder = odoo_env.pg_connect(db.name)
    try:
        with holder.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s::bigint)", (lock_key(db.name),))
        proc = both(db, "-d", db.name, "--check", *IGNORE_SELF)
        assert proc.returncode == 7, proc.stderr[-3000:]
        assert proc.stdout.startswith(f"{db.name}: upgrade needed\n") and "mau_sample_c (changed)" in proc.stdout
        out = json.loads(both(db, "-d", db.name, "--check", *IGNORE_SELF, "--format", "json").stdout)
        assert out["result"] == "upgrade needed" and [c["module"] for c in out["changed"]] == ["mau_sample_c"]
    finally:
        holder.close()

    broken_xml(db)
    proc = both(db, "-d", db.name, "--check", *IGNORE_SELF)
    assert proc.returncode == 5 and "mau_sample_c/views/views.xml:11" in proc.stdout, proc.stdout
    after = odoo_env.database_snapshot(db.name)
    assert odoo_env.snapshot_differences(before, after) == []


# A refused run's JSON ---------------------------------------------------------------


def test_a_refused_run_carries_its_blocking_list_and_changes_in_json(recorded_db):
    db = recorded_db
    code, file, line = broken_xml(db)
    proc = both(db, "-d", db.name, *IGNORE_SELF, "--format", "json")
    assert proc.returncode == 5, proc.stderr[-3000:]  # refused for blocking problems: blocked
    out = json.loads(proc.stdout)
    assert out["result"] == "blocked" and out["error"].startswith("The upgrade did not start"), out
    assert [(b["code"], b["module"], b["file"], b["line"]) for b in out["blocking"]] == [
        (code, "mau_sample_c", file, line)
    ]
    assert [(c["module"], c["reason"]) for c in out["changed"]] == [("mau_sample_c", "changed")]
    # The same keys as any other line: a missing database's, a run with nothing to do.
    missing = json.loads(odoo_bin(db, "-d", f"{db.name}_gone", "--format", "json").stdout)
    assert set(missing) == set(out)


# A first run --------------------------------------------------------------------------


def test_a_first_run_is_said_out_loud_and_the_history_warning_says_why(db):
    """A database where the addon is not installed: nothing recorded, no history table."""
    db.sql("DROP TABLE module_auto_update_run, module_auto_update_checksum")
    db.sql("UPDATE ir_module_module SET state = 'uninstalled' WHERE name = 'module_auto_update'")
    proc = both(db, "-d", db.name, "--dry-run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "First run: no fingerprint was recorded in this database" in proc.stdout
    assert "--init-hashes" in proc.stdout and "first run: no fingerprint is recorded" in proc.stderr
    assert both(db, "-d", db.name, "--check").returncode == 7

    proc = odoo_bin(db, "-d", db.name, "--only", "mau_sample_c")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith(f"{db.name}: done (upgraded mau_sample_c)\n    First run: "), proc.stdout
    assert "first run: no fingerprint is recorded in this database yet" in proc.stderr
    assert "module_auto_update is not installed in this database" in proc.stderr
    assert "while the addon is being installed" not in proc.stderr


def test_a_first_run_in_odoo_says_so(db):
    # Every addon but one left alone: a first run that upgrades one addon.
    others = [
        n for (n,) in db.sql("SELECT name FROM ir_module_module WHERE state = 'installed'") if n != "mau_sample_c"
    ]
    db.sql(
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
        "VALUES ('module_auto_update.ignore_addons', %s, now(), now())",
        (",".join(others),),
    )
    message = db.shell('result(env["ir.module.module"].upgrade_changed_checksum()["params"]["message"])')
    assert message == "First run: no fingerprint was recorded before; they are recorded now. Upgraded: mau_sample_c"


def test_handover_and_answer_alike_for_the_quick_start(recorded_db):
    """The quick start hands a check with something to do over, and words nothing itself."""
    db = recorded_db
    change(db, "mau_sample_c")
    quick = quick_start(db, "-d", db.name, "--check", *IGNORE_SELF, "--log-level=info")
    assert quick.returncode == 7 and HANDED_OVER in quick.stderr, quick.stderr[-3000:]
