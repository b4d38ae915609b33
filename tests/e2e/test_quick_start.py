# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The quick start ``odoo-auto-upgrade`` against a real Odoo 18 and PostgreSQL.

It must answer exactly like ``odoo-bin auto-upgrade`` when nothing changed,
without importing Odoo, and hand every other run over to it.
"""

import json
import os
import re
import subprocess
import sys

import odoo_env
from test_cli import IGNORE_SELF, NEW_PARTNER_FIELD, change, cli, columns, history

from module_auto_update.core.lock import lock_key

QUICK = odoo_env.REPO / "module_auto_update" / "cli" / "odoo-auto-upgrade"
ANSWERED = "without loading Odoo"
HANDED_OVER = "handing over to odoo-bin auto-upgrade"
# A module of the ``odoo`` package in the output of python -X importtime.
ODOO_IMPORT = re.compile(r"^import time:.*\|\s*odoo(\.\S+)?\s*$", re.M)


def addons_path(db):
    return ",".join(str(p) for p in (*db.odoo.addons_paths, odoo_env.REPO, db.addons_dir))


def quick(db, *args, log_level="info", env=None):
    """Run the quick start on ``db`` (profiling its imports) with the test's addons."""
    path = f"--addons-path={addons_path(db)}"
    cmd = [sys.executable, "-X", "importtime", str(QUICK), path, "-d", db.name, f"--log-level={log_level}"]
    return subprocess.run(
        [*cmd, *IGNORE_SELF, *args],
        env={**os.environ, **db.odoo.env, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def answered_alone(proc):
    """Whether the quick start answered by itself, without Odoo."""
    return ANSWERED in proc.stderr and HANDED_OVER not in proc.stderr and not ODOO_IMPORT.search(proc.stderr)


def without_durations(stdout):
    """Output lines with the durations (which differ from run to run) blanked."""
    return [re.sub(r'"duration": [0-9.]+|\d+\.\d\d s$', "D", line) for line in stdout.splitlines()]


def test_nothing_changed_answers_as_odoo_bin_does_without_importing_odoo(recorded_db):
    db = recorded_db
    before = db.saved()
    proc = quick(db, "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert answered_alone(proc), proc.stderr[-3000:]
    # The profile does list the imports: psycopg2 and the core, not odoo.
    assert re.search(r"\|\s*psycopg2\s*$", proc.stderr, re.M)
    assert re.search(r"\|\s*module_auto_update\.core\.inspection\s*$", proc.stderr, re.M)
    assert f"{db.name}: comparing fingerprints" in proc.stderr
    full = cli(db, "--format", "json")
    assert full.returncode == 0, full.stderr[-3000:]
    assert without_durations(proc.stdout) == without_durations(full.stdout)
    assert json.loads(proc.stdout)["result"] == "nothing to do"
    assert db.saved() == before
    # Both runs in the history, whichever entry point: folded into one row, as runs with nothing to do are.
    assert history(db) == [("nothing to do", None, None)]
    assert db.sql("SELECT run_count FROM module_auto_update_run WHERE trigger = 'command line'") == [(2,)]


def test_several_databases_print_the_same_summary(odoo, recorded_db, recorded_template_db):
    db = recorded_db
    other = odoo_env.unique_db()
    odoo_env.create_db(other, template=recorded_template_db)
    try:
        proc = quick(db, "-d", other)
        assert proc.returncode == 0 and answered_alone(proc), proc.stderr[-3000:]
        full = cli(db, dbs=[db.name, other])
        assert full.returncode == 0, full.stderr[-3000:]
        assert without_durations(proc.stdout) == without_durations(full.stdout)
        assert "DATABASE" in proc.stdout and proc.stdout.count("nothing to do") == 4
        # --all-databases --filter finds the same two among the server's databases.
        cmd = [sys.executable, str(QUICK), f"--addons-path={addons_path(db)}", "--all-databases", *IGNORE_SELF]
        proc = subprocess.run(
            [*cmd, "--filter", f"^({db.name}|{other})$", "--log-level=info"],
            env={**os.environ, **db.odoo.env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0 and ANSWERED in proc.stderr, proc.stderr[-3000:]
        # In the server's order, by name.
        full = cli(db, dbs=sorted([db.name, other]))
        assert without_durations(proc.stdout) == without_durations(full.stdout)
        # A filter that keeps no database is a missing database (exit 3), said, unless --if-exists.
        for extra, code in (([], 3), (["--if-exists"], 0)):
            proc = subprocess.run(
                [*cmd, "--filter", f"^{db.name}_typo$", "--log-level=info", *extra],
                env={**os.environ, **db.odoo.env},
                capture_output=True,
                text=True,
                check=False,
            )
            assert proc.returncode == code and ANSWERED in proc.stderr, proc.stderr[-3000:]
            assert "no database to upgrade" in proc.stderr and "--if-exists" in proc.stderr
            assert "Traceback" not in proc.stderr
    finally:
        odoo_env.drop_db(other)


def test_a_new_partner_field_is_handed_over_and_upgraded(recorded_db):
    db = recorded_db
    model = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    model.write_text(model.read_text() + NEW_PARTNER_FIELD)
    # Any Odoo start fails on the new column before Python could upgrade it.
    shell = db.shell("result(1)", check=False)
    assert not isinstance(shell, int) and "mau_level" in shell.stderr and "does not exist" in shell.stderr
    proc = quick(db, "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert HANDED_OVER in proc.stderr and ANSWERED not in proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["result"] == "done" and "mau_sample_partner" in out["upgraded"]
    assert "mau_level" in columns(db, "res_partner")
    assert history(db)[-1][0] == "done"
    # Now up to date: the next run is answered without Odoo again.
    again = quick(db)
    assert again.returncode == 0 and answered_alone(again), again.stderr[-3000:]


def test_what_only_odoo_understands_is_handed_over(recorded_db):
    db = recorded_db
    dry = quick(db, "--dry-run")
    assert dry.returncode == 0 and HANDED_OVER in dry.stderr, dry.stderr[-3000:]
    assert dry.stdout.startswith(f"{db.name}: dry run")
    # An Odoo option the quick start does not read: Odoo reads it.
    other_option = quick(db, "--db_maxconn=4")
    assert other_option.returncode == 0 and HANDED_OVER in other_option.stderr
    assert other_option.stdout.strip() == f"{db.name}: nothing to do"
    missing = quick(db, "-d", f"{db.name}_missing")
    assert missing.returncode == 3 and f"{db.name}_missing: missing" in missing.stdout
    # Usage errors are the command's own: answered at once, exit code 2.
    usage = quick(db, "--jobs", "0")
    assert usage.returncode == 2 and "--jobs must be at least 1" in usage.stderr
    assert not ODOO_IMPORT.search(usage.stderr)


def test_a_held_lock_is_handed_over_and_reported_busy(recorded_db):
    db = recorded_db
    conn = odoo_env.pg_connect(db.name)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s::bigint)", (lock_key(db.name),))
        proc = quick(db, "--lock-timeout", "0.5")
        assert proc.returncode == 4, proc.stderr[-3000:]
        assert HANDED_OVER in proc.stderr and f"{db.name}: busy" in proc.stdout
    finally:
        conn.close()
    assert quick(db).returncode == 0


def test_configuration_file_and_environment(recorded_db, tmp_path):
    db = recorded_db
    data_dir = tmp_path / "data"
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {addons_path(db)}\n"
        f"data_dir = {data_dir}\n"
        f"db_name = {db.name}\n"
        "db_host = 127.0.0.1\n"
        f"db_port = {os.environ.get('PGPORT', '5432')}\n"
        "log_level = info\n"
        f"logfile = {tmp_path / 'odoo.log'}\n"
    )
    cmd = [sys.executable, str(QUICK), *IGNORE_SELF]
    env = {**os.environ, **db.odoo.env}
    proc = subprocess.run([*cmd, "-c", str(conf)], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == f"{db.name}: nothing to do", proc.stderr[-3000:]
    log = (tmp_path / "odoo.log").read_text()
    assert ANSWERED in log
    # The stat cache went to this data_dir.
    assert any((data_dir / "module_auto_update" / "stat_cache").iterdir())
    # Without -c: $ODOO_RC, from another folder; then a change there, which
    # the handed-over run finds through the same file.
    change(db, "mau_sample_c")
    proc = subprocess.run(cmd, env={**env, "ODOO_RC": str(conf)}, capture_output=True, text=True, cwd="/", check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith(f"{db.name}: done (upgraded ") and "mau_sample_c" in proc.stdout.splitlines()[0]
    log = (tmp_path / "odoo.log").read_text()
    assert HANDED_OVER in log and "mau_sample_c: changed" in log
    # A database the configured server cannot reach: handed over, and
    # Odoo's own command reports it as a usage error.
    conf.write_text(re.sub(r"db_port = \d+", "db_port = 1", conf.read_text()))
    proc = subprocess.run([*cmd, "-c", str(conf)], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "PostgreSQL is not reachable" in proc.stderr


def test_the_addon_lookup_is_odoo_s(db, tmp_path):
    """Folders and addon locations as the quick start computes them, against
    what Odoo itself computes from the same settings, with a shadowed addon."""
    shadow = tmp_path / "shadow"
    (shadow / "mau_sample_c").mkdir(parents=True)
    (shadow / "mau_sample_c" / "__manifest__.py").write_text("{'name': 'shadow', 'depends': ['base']}\n")
    (shadow / "mau_sample_c" / "__init__.py").write_text("")
    # In the order odoo_env gives them to odoo-bin: its own, this repository, the extra ones.
    paths = [*db.odoo.addons_paths, odoo_env.REPO, shadow, db.addons_dir]
    option = f"--addons-path={','.join(str(p) for p in paths)}"
    names = ["base", "web", "mau_sample_a", "mau_sample_c", "module_auto_update", "no_such_addon"]
    probe = (
        "import json, os, sys\n"
        f"sys.path.insert(0, {str(odoo_env.REPO)!r})\n"
        "from module_auto_update.cli import quick_start\n"
        "from module_auto_update.cli import odoo_config\n"
        "odoo_dir, _ = quick_start.find_odoo(os.environ)\n"
        f"options = odoo_config.load(odoo_config.parse_args([{option!r}])[0], os.environ, odoo_dir)\n"
        "dirs = odoo_config.addons_dirs(options, odoo_dir, sys.path, quick_start.series(odoo_dir))\n"
        "locate = odoo_config.locator(dirs)\n"
        f"print(json.dumps({{'dirs': dirs, 'paths': {{n: locate(n) for n in {names!r}}}}}))\n"
    )
    ours = subprocess.run(
        [sys.executable, "-c", probe], env={**os.environ, **db.odoo.env}, capture_output=True, text=True, check=True
    )
    ours = json.loads(ours.stdout)
    theirs = odoo_env.shell(
        db.odoo,
        db.name,
        "import odoo\n"
        "from odoo.modules.module import get_module_path\n"
        "result({'dirs': list(odoo.addons.__path__), "
        f"'paths': {{n: get_module_path(n, display_warning=False) for n in {names!r}}}}})\n",
        addons=[shadow, db.addons_dir],
    )
    assert ours["paths"] == theirs["paths"]
    assert ours["paths"]["mau_sample_c"] == str(shadow / "mau_sample_c")
    # Same folders in the same order, but for the data_dir's addons folder,
    # which Odoo creates when it first looks for it (the quick start never creates it).
    assert [d for d in theirs["dirs"] if not d.endswith("/addons/18.0")] == [
        d for d in ours["dirs"] if not d.endswith("/addons/18.0")
    ]


LOGGERS = ("", "odoo", "odoo.sql_db", "odoo.http.rpc.request", "odoo.addons.module_auto_update.cli", "werkzeug")


def effective_levels(odoo, set_up, args):
    """Each of LOGGERS' effective level after ``set_up`` read ``args``, in a process of its own."""
    probe = (
        "import json, logging, os, sys\n"
        f"sys.path.insert(0, {str(odoo_env.REPO)!r})\n"
        f"args = {args!r}\n"
        f"{set_up}\n"
        f"print(json.dumps([logging.getLogger(n).getEffectiveLevel() for n in {LOGGERS!r}]))\n"
    )
    env = {**os.environ, **odoo.env}
    return json.loads(subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, check=True).stdout)


def test_log_levels_and_handlers_are_odoo_s(odoo, recorded_db, tmp_path):
    """--log-level, --log-handler, --log-sql/--log-web and the file's log_handler
    set the same logger levels as Odoo's own logging set-up."""
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\nlog_handler = werkzeug:CRITICAL,odoo.addons:DEBUG\n")
    ours = (
        "from module_auto_update.cli import quick_start\n"
        "from module_auto_update.cli import odoo_config\n"
        "odoo_dir, _ = quick_start.find_odoo(os.environ)\n"
        "quick_start.setup_logging(odoo_config.load(odoo_config.parse_args(args)[0], os.environ, odoo_dir))"
    )
    theirs = "from odoo.tools import config\nconfig.parse_config(args, setup_logging=True)"
    for args in (
        ["--log-level=warn", "--log-handler=odoo.addons.module_auto_update:INFO"],
        ["--log-level=debug_sql", "--log-web"],
        ["--log-level=runbot"],
        ["-c", str(conf), "--log-level=error", "--log-sql"],
    ):
        assert effective_levels(odoo, ours, args) == effective_levels(odoo, theirs, args), args
    # A log filter is not a reason to hand over: the quick start answers
    # alone, and its lines pass the filter while Odoo's level would hide them.
    proc = quick(recorded_db, "--log-handler=odoo.addons.module_auto_update.cli:INFO", log_level="warn")
    assert proc.returncode == 0 and answered_alone(proc), proc.stderr[-3000:]
    quiet = quick(recorded_db, "--log-handler=odoo.addons.module_auto_update:WARNING")
    assert quiet.returncode == 0 and quiet.stdout.strip() == f"{recorded_db.name}: nothing to do"
    assert " INFO " not in quiet.stderr, quiet.stderr[-3000:]


def test_postgresql_unreachable_is_a_clear_usage_error(recorded_db):
    db = recorded_db
    proc = quick(db, env={"PGHOST": "127.0.0.1", "PGPORT": "1"}, log_level="warn")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "PostgreSQL is not reachable" in proc.stderr


def test_connection_parameters_follow_odoo_options(recorded_db):
    """--db_host/--db_port/-r reach PostgreSQL like Odoo's options do: a wrong
    user is refused by PostgreSQL, the right one answers without Odoo."""
    db = recorded_db
    port = os.environ.get("PGPORT", "5432")
    conn = odoo_env.pg_connect()
    try:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("SELECT current_user")
            user = cr.fetchone()[0]
    finally:
        conn.close()
    ok = quick(db, "--db_host=127.0.0.1", f"--db_port={port}", "-r", user)
    assert ok.returncode == 0 and answered_alone(ok), ok.stderr[-3000:]
    wrong = quick(db, "--db_host=127.0.0.1", f"--db_port={port}", "-r", "mau_no_such_role", log_level="warn")
    assert wrong.returncode == 2 and "mau_no_such_role" in wrong.stderr
