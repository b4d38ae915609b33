# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Migration scripts checked against a real Odoo 18 before anything runs: those the version does not let
run (blocking unless allowed, and then said and kept in the history), those that ran already (recorded, or
in an upgrade made by ``odoo-bin -u``), those edited after they ran (their digest is recorded in the
upgrade's transaction), those that would not load (syntax, a package not installed), and the root cause
of one that fails to load anyway.

Sample c (alone, installed at 18.0.1.0.0) gets the scripts.
"""

import hashlib

import odoo_env
from test_cli import cli, outcomes
from test_upgrade_plan import SCRIPT, edit

# What a refused run changes: its history row only.
HISTORY = ("public.module_auto_update_run", "public.module_auto_update_wizard")

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


def bump(c, version="18.0.1.0.1"):
    edit(c / "__manifest__.py", '"version": "18.0.1.0.0"', f'"version": "{version}"')


def version_of_c(db):
    return db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_c'")[0][0]


def last_run(db):
    return db.sql("SELECT trigger, result, error, after_commit FROM module_auto_update_run ORDER BY id DESC LIMIT 1")[0]


def blocking_of(out):
    return [(b["code"], b["file"], b["line"]) for b in out["blocking"]]


BEYOND = "mau_sample_c/migrations/18.0.1.0.1/post-beyond.py"
INSTALLED = "mau_sample_c/migrations/1.0.0/pre-installed.py"
UNRUN = [("migration-not-reached-installed", INSTALLED, None), ("migration-not-reached", BEYOND, None)]


def unrun_scripts(db):
    c = db.addon("mau_sample_c")
    write(c / "migrations" / "18.0.1.0.1" / "post-beyond.py")  # the version was not bumped
    write(c / "migrations" / "1.0.0" / "pre-installed.py")  # the version already installed


def test_scripts_the_version_does_not_let_run_block_the_upgrade_with_the_version_to_set(recorded_db):
    db = recorded_db
    unrun_scripts(db)
    before = odoo_env.database_snapshot(db.name)
    for mode in ("--check", "--dry-run"):
        proc = cli(db, mode, "--format", "json")
        assert proc.returncode == 5, (mode, proc.stderr[-3000:])
        assert blocking_of(outcomes(proc)[db.name]) == UNRUN
    # The real run refuses, with the version to set and how to say it is meant, and changes nothing.
    proc = cli(db)
    assert proc.returncode == 5, proc.stderr[-3000:]
    assert proc.stdout.splitlines()[0].endswith(": The upgrade did not start: it would fail on these problems.")
    assert f"{BEYOND}: {BEYOND} is for version 18.0.1.0.1" in proc.stdout
    assert "Bump the version in __manifest__.py to 18.0.1.0.1." in proc.stdout
    assert "Move it to a migrations folder of version 18.0.1.0.1" in proc.stdout
    assert "--allow-unrun-migrations" in proc.stdout
    assert odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=HISTORY) == []
    assert last_run(db)[:2] == ("command line", "failed")
    # (What the plan, its text and the wizard say of them in Odoo: module_auto_update/tests/test_plan.py.)


def test_scripts_left_unrun_when_allowed_are_said_and_never_forgotten(recorded_db):
    db = recorded_db
    unrun_scripts(db)
    proc = cli(db, "--check", "--allow-unrun-migrations")
    assert proc.returncode == 7, proc.stderr[-3000:]
    proc = cli(db, "--allow-unrun-migrations")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith(f"{db.name}: done (upgraded mau_sample_c)"), proc.stdout
    said = (
        "WARNING: the upgrade is committed, but these migration scripts did not run, as "
        f"--allow-unrun-migrations allowed: {INSTALLED}, {BEYOND}"
    )
    assert said in proc.stdout, proc.stdout
    assert f"mau_sample_c [migration-not-reached] {BEYOND} is for version 18.0.1.0.1" in proc.stdout
    # Odoo indeed ran neither, and none is recorded as run.
    assert version_of_c(db) == "18.0.1.0.0"
    assert logged(db) is None and ran(db) == []
    # The decision is recorded with the run: its history row says which scripts did not run.
    trigger, result, error, warnings = last_run(db)
    assert (trigger, result, error) == ("command line", "done", None)
    assert BEYOND in warnings and INSTALLED in warnings and "--allow-unrun-migrations" in warnings
    # The fingerprint is recorded: the next check has nothing to do, the history keeps what was decided.
    assert cli(db, "--check").returncode == 0


def test_scripts_left_unrun_in_odoo_and_on_start_when_their_setting_allows(recorded_db, tmp_path):
    db = recorded_db
    unrun_scripts(db)
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\nauto_upgrade_on_start = True\nserver_wide_modules = base,web,module_auto_update\n")
    # Not allowed: the upgrade on start refuses (logged), and Odoo starts as it would without it.
    start = db.odoo_bin("-c", str(conf), "--stop-after-init", "--no-http", check=False)
    assert "The upgrade did not start" in start.stderr, start.stderr[-3000:]
    assert last_run(db)[:2] == ("server start", "failed")
    conf.write_text(conf.read_text() + "auto_upgrade_allow_unrun_migrations = True\n")
    start = db.odoo_bin("-c", str(conf), "--stop-after-init", "--no-http", check=False)
    trigger, result, _error, warnings = last_run(db)
    assert (trigger, result) == ("server start", "done"), start.stderr[-3000:]
    assert BEYOND in warnings and "auto_upgrade_allow_unrun_migrations allowed" in warnings, warnings

    # In Odoo, the system parameter: another script left unrun, on the next upgrade.
    write(db.addon("mau_sample_c") / "migrations" / "18.0.1.0.2" / "post-beyond-too.py")
    out = db.shell(PLAN_EVERYWHERE_THEN_UPGRADE)
    assert not out["ok"] and "did not start" in out["error"], out
    assert "mau_sample_c/migrations/18.0.1.0.2/post-beyond-too.py" in out["html"] and "alert-danger" in out["html"]
    db.sql(
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
        "VALUES ('module_auto_update.allow_unrun_migrations', 'True', now(), now())"
    )
    out = db.shell(PLAN_EVERYWHERE_THEN_UPGRADE)
    assert out["ok"] and out["plan"]["blocking"] == [], out
    trigger, result, _error, warnings = last_run(db)
    assert (trigger, result) == ("shell", "done")
    assert "post-beyond-too.py" in warnings and "module_auto_update.allow_unrun_migrations" in warnings
    assert version_of_c(db) == "18.0.1.0.0" and logged(db) is None


def test_a_script_an_outside_upgrade_ran_is_not_new(recorded_db):
    db = recorded_db
    c = db.addon("mau_sample_c")
    bump(c)
    write(c / "migrations" / "18.0.1.0.1" / "post-log.py")
    # Another tool upgrades the addon: odoo-bin -u runs the script; the end of its load records the fingerprint.
    db.odoo_bin("-u", "mau_sample_c", "--stop-after-init", "--no-http", "--log-level=warn")
    assert version_of_c(db) == "18.0.1.0.1" and logged(db) == ["migrations/18.0.1.0.1/post-log.py"]
    proc = cli(db, "--dry-run", "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    assert out["changed"] == [] and out["blocking"] == [], out
    proc = cli(db)
    assert proc.returncode == 0 and proc.stdout.startswith(f"{db.name}: nothing to do"), proc.stdout
    assert logged(db) == ["migrations/18.0.1.0.1/post-log.py"], "ran once"
    # A script added now to that folder, below the version reached, is new: it never runs.
    write(c / "migrations" / "18.0.1.0.1" / "post-late.py")
    out = outcomes(cli(db, "--dry-run", "--format", "json"))[db.name]
    assert blocking_of(out) == [
        ("migration-not-reached-installed", "mau_sample_c/migrations/18.0.1.0.1/post-late.py", None)
    ]


MISSING_IMPORT = """import logging

from mau_no_such_package import openupgrade

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    import mau_no_such_helper  # noqa: F401
    openupgrade.logged_query(cr, "SELECT 1")
"""


def test_a_script_importing_a_missing_package_blocks_with_file_line_and_package(recorded_db):
    db = recorded_db
    c = db.addon("mau_sample_c")
    bump(c)
    write(c / "migrations" / "18.0.1.0.1" / "post-migrate.py", MISSING_IMPORT)
    before = odoo_env.database_snapshot(db.name)
    file = "mau_sample_c/migrations/18.0.1.0.1/post-migrate.py"
    for mode in ("--check", "--dry-run"):
        proc = cli(db, mode, "--format", "json")
        assert proc.returncode == 5, (mode, proc.stderr[-3000:])
        out = outcomes(proc)[db.name]
        assert blocking_of(out) == [("migration-import-missing", file, 3), ("migration-import-missing", file, 9)]
        assert [b["params"]["package"] for b in out["blocking"]] == ["mau_no_such_package", "mau_no_such_helper"]
    text = cli(db, "--dry-run").stdout
    assert f"{file}:3: A migration script of mau_sample_c imports mau_no_such_package, which" in text, text
    proc = cli(db)
    assert proc.returncode == 5, proc.stderr[-3000:]
    assert f"{file}:3:" in proc.stdout and "did not start" in proc.stdout, proc.stdout
    assert odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=HISTORY) == []
    assert version_of_c(db) == "18.0.1.0.0"


def test_a_script_that_does_not_compile_blocks(recorded_db):
    db = recorded_db
    c = db.addon("mau_sample_c")
    bump(c)
    folder = c / "migrations" / "18.0.1.0.1"
    # A syntax error (the scan of the addon's code sees it too: said once), and what only the compiler sees.
    write(folder / "pre-syntax.py", "def migrate(cr, version)\n    pass\n")
    write(folder / "post-compile.py", "def migrate(cr, version):\n    pass\n\n\nreturn None\n")
    proc = cli(db, "--dry-run", "--format", "json")
    assert proc.returncode == 5, proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    assert sorted((b["code"], b["file"], b["line"], b["params"]["error"]) for b in out["blocking"]) == [
        ("python-invalid", "mau_sample_c/migrations/18.0.1.0.1/post-compile.py", 5, "'return' outside function"),
        ("python-invalid", "mau_sample_c/migrations/18.0.1.0.1/pre-syntax.py", 1, "expected ':'"),
    ]
    proc = cli(db)
    assert proc.returncode == 5 and version_of_c(db) == "18.0.1.0.0", proc.stdout + proc.stderr[-3000:]


LOADS_A_MISSING_PACKAGE = """import importlib

openupgrade = importlib.import_module("mau_no_such_package")


def migrate(cr, version):
    pass
"""


def test_a_script_that_fails_to_load_anyway_names_the_root_cause(recorded_db):
    db = recorded_db
    c = db.addon("mau_sample_c")
    bump(c)
    write(c / "migrations" / "18.0.1.0.1" / "post-migrate.py", LOADS_A_MISSING_PACKAGE)
    assert cli(db, "--check").returncode == 7, "an import the check cannot see"
    proc = cli(db, "--format", "json")
    assert proc.returncode == 1, proc.stderr[-3000:]
    error = outcomes(proc)[db.name]["error"]
    first = error.splitlines()[0]
    assert first.startswith(
        "Upgrade failed in addon mau_sample_c (post-migration script migrations/18.0.1.0.1/post-migrate.py): "
        "module mau_sample_c: Unable to load post-migration file "
    ), error
    assert first.endswith(": ModuleNotFoundError: No module named 'mau_no_such_package'"), error
    assert version_of_c(db) == "18.0.1.0.0"


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
    assert proc.returncode == 5, proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    # The new one blocks (it never runs); the edited one is a warning (it ran).
    assert blocking_of(out) == [
        ("migration-not-reached-installed", "mau_sample_c/migrations/18.0.1.0.1/post-second.py", None)
    ]
    [blocking] = out["blocking"]
    assert "set the version in __manifest__.py to 18.0.1.0.2" in blocking["detail"]
    text = cli(db, "--dry-run").stdout
    assert (
        "  mau_sample_c [migration-edited] mau_sample_c/migrations/18.0.1.0.1/post-log.py was edited after it ran "
        "on this database (version 18.0.1.0.1): its changes will never run again. Put them in a new migration for "
        "a higher version."
    ) in text, text
    assert text.count("[migration-") == 1, text


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
