# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""All or nothing: a failed, refused or killed upgrade leaves the database as it was.

The upgrade under test, applied to the probe addons on disk:

- ``mau_probe_a``: a field removed and one added, a new record, and pre-,
  post- and end-migration scripts that write to a table of their own;
- ``mau_probe_c``: a new partner record (loaded between A and B);
- ``mau_probe_b``: depends on A, gains a new dependency ``mau_probe_new``
  (installed by the upgrade, with a ``post_init_hook`` that writes to the
  same table), and is loaded last.

Each case breaks one stage, runs one entry point, and compares the whole
database (schema dump and a digest of every table's rows) before and after:
identical, the history row aside. Then the breakage is mended and the same
entry point upgrades the same addons once, with every migration script and
hook having run exactly once over all attempts.
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import threading

import odoo_env
import pytest
from conftest import PROBES, copy_probes

from module_auto_update.core import watcher

UPGRADED = {"mau_probe_a", "mau_probe_b", "mau_probe_c", "mau_probe_new"}
# What the upgrade runs once, in the order Odoo runs it.
ONCE = [
    ("mau_probe_a", "pre"),
    ("mau_probe_a", "post"),
    ("mau_probe_new", "post_init_hook"),
    ("mau_probe_a", "end"),
]
HISTORY = "public.module_auto_update_run"
SERVER_WIDE = "--load=base,web,module_auto_update"
QUICK = odoo_env.REPO / "module_auto_update" / "cli" / "odoo-auto-upgrade"
# The probes' versions before and after the upgrade, in the series under test (MAU_ODOO_SERIES).
V0, V1 = f"{odoo_env.SERIES}.1.0.0", f"{odoo_env.SERIES}.1.0.1"

LOG = """
    cr.execute("CREATE TABLE IF NOT EXISTS mau_probe_log (addon varchar, stage varchar)")
    cr.execute("INSERT INTO mau_probe_log VALUES (%s, %s)", ({addon!r}, {stage!r}))
"""


@pytest.fixture
def db(probe_db):
    return probe_db


# The upgrade and how each case breaks it -------------------------------------


def script(addon, stage, extra=""):
    return "def migrate(cr, version):" + LOG.format(addon=addon, stage=stage) + extra


def hook(extra=""):
    return "def post_init(env):\n    cr = env.cr" + LOG.format(addon="mau_probe_new", stage="post_init_hook") + extra


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def change(db, breakage=None):
    """Apply the upgrade to the probes on disk; ``breakage(db)`` then breaks one stage of it."""
    a, b, c = db.addon("mau_probe_a"), db.addon("mau_probe_b"), db.addon("mau_probe_c")
    edit(a / "__manifest__.py", f'"{V0}"', f'"{V1}"')
    edit(a / "models" / "probe.py", "old_field = fields.Char()", "new_field = fields.Integer(default=7)")
    edit(
        a / "data" / "records.xml",
        "</odoo>",
        '    <record id="record_two" model="mau.probe.a">\n'
        '        <field name="name">two</field>\n    </record>\n</odoo>',
    )
    for stage in ("pre", "post", "end"):
        write(a / "migrations" / V1 / f"{stage}-migrate.py", script("mau_probe_a", stage))
    edit(b / "__manifest__.py", '"depends": ["mau_probe_a"]', '"depends": ["mau_probe_a", "mau_probe_new"]')
    # A file Odoo writes to the filestore, new to this database.
    content = base64.b64encode(f"attachment of {db.name}".encode()).decode()
    write(
        c / "data" / "partners.xml",
        '<?xml version="1.0" encoding="utf-8" ?>\n<odoo>\n    <record id="partner" model="res.partner">\n'
        '        <field name="name">Probe partner</field>\n    </record>\n'
        '    <record id="attachment" model="ir.attachment">\n        <field name="name">probe.txt</field>\n'
        f'        <field name="datas">{content}</field>\n    </record>\n</odoo>\n',
    )
    if breakage:
        breakage(db)


def broken_xml(addon, relpath):
    def breakage(db):
        edit(db.addon(addon) / relpath, "</odoo>", "<record\n</odoo>")

    breakage.expected = (addon, relpath)
    return breakage


def raising_script(stage):
    def breakage(db):
        path = db.addon("mau_probe_a") / "migrations" / V1 / f"{stage}-migrate.py"
        write(path, script("mau_probe_a", stage, f'    raise RuntimeError("probe {stage} refused")\n'))

    breakage.expected = ("mau_probe_a", f"{stage}-migration script")
    return breakage


def raising_hook(db):
    write(db.addon("mau_probe_new") / "hooks.py", hook('    raise RuntimeError("probe hook refused")\n'))


raising_hook.expected = ("mau_probe_new", "post-init hook post_init")


def leaves_c_pending(db):
    # The end script runs after every addon is loaded: C, marked again, stays pending.
    write(
        db.addon("mau_probe_a") / "migrations" / V1 / "end-migrate.py",
        script(
            "mau_probe_a",
            "end",
            "    cr.execute(\"UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'mau_probe_c'\")\n",
        ),
    )


leaves_c_pending.expected = ("mau_probe_c", "pending")


def holding(where, marker):
    """A breakage that makes the upgrade wait at ``where`` (writing its pid to ``marker``) to be killed."""
    wait = (
        f"    import os, pathlib, time\n    marker = pathlib.Path({str(marker)!r})\n"
        "    if marker.with_name('hold').exists():\n"
        "        marker.write_text(str(os.getpid()))\n        time.sleep(300)\n"
    )

    def breakage(db):
        if where == "hook":
            write(db.addon("mau_probe_new") / "hooks.py", hook(wait))
        else:
            path = db.addon("mau_probe_a") / "migrations" / V1 / f"{where}-migrate.py"
            write(path, script("mau_probe_a", where, wait))

    return breakage


# The entry points ---------------------------------------------------------------


def addons_path(db):
    return ",".join(str(p) for p in (*db.odoo.addons_paths, odoo_env.REPO, db.addons_dir))


IN_ODOO = """
from odoo.exceptions import UserError
try:
    action = env["ir.module.module"].upgrade_changed_checksum()
    print("OUTCOME " + action["params"]["message"])
except UserError as exc:
    print("FAILED " + str(exc).replace(chr(10), " "))
"""


def command(entry, db):
    """The argv and environment that run ``entry`` on ``db``."""
    env = {**os.environ, **db.odoo.env}
    if entry == "in Odoo":
        return db.odoo.argv(["shell", "-d", db.name, "--no-http", "--log-level=warn"], [db.addons_dir]), env
    if entry == "command line":
        return db.odoo.argv([db.odoo.command_name, "-d", db.name, "--format", "json"], [db.addons_dir]), env
    if entry == "quick start":
        path = f"--addons-path={addons_path(db)}"
        return [db.odoo.python, str(QUICK), path, "-d", db.name, "--format", "json"], env
    env["ODOO_AUTO_UPGRADE_ON_START"] = "1"
    args = ["-d", db.name, SERVER_WIDE, "--stop-after-init", "--no-http", "--log-level=warn"]
    return db.odoo.argv(args, [db.addons_dir]), env


def run(entry, db):
    """Run ``entry`` on ``db``; return ``(succeeded, what it said)``."""
    argv, env = command(entry, db)
    proc = subprocess.run(
        argv, env=env, input=IN_ODOO if entry == "in Odoo" else None, capture_output=True, text=True, timeout=600
    )
    if entry == "in Odoo":
        line = next((line for line in proc.stdout.splitlines() if line.startswith(("OUTCOME", "FAILED"))), None)
        assert line, proc.stderr[-4000:]
        return line.startswith("OUTCOME"), line
    if entry == "server start":
        return proc.returncode == 0 and not last_run(db)["error"], proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, proc.stderr[-4000:]
    return proc.returncode == 0 and lines[-1]["result"] in ("done", "nothing to do"), lines[-1]["error"] or ""


def last_run(db):
    rows = db.sql("SELECT result, error, upgraded, trigger FROM module_auto_update_run ORDER BY id DESC LIMIT 1")
    return dict(zip(("result", "error", "upgraded", "trigger"), rows[0], strict=True)) if rows else None


def history_count(db):
    return db.sql("SELECT count(*) FROM module_auto_update_run")[0][0]


def log(db):
    if not db.sql("SELECT 1 FROM pg_class WHERE relname = 'mau_probe_log'"):
        return []
    return db.sql("SELECT addon, stage FROM mau_probe_log")


def stored_files(db):
    """The files of the database's filestore (Odoo's ``store_fname``: ``ab/abcdef...``)."""
    root = odoo_env.filestore(db.name)
    return {str(p.relative_to(root)) for p in root.glob("??/*")} if root.is_dir() else set()


def assert_unchanged(db, before):
    # Identical ir_attachment rows also mean that no file the rolled-back run
    # wrote to the filestore is referenced.
    differences = odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=(HISTORY,))
    assert not differences, "\n".join(differences)
    # The mark Odoo's loader leaves after it committed some addons (19.0 commits after each one).
    assert not db.sql("SELECT 1 FROM ir_config_parameter WHERE key = 'base.partially_updated_database'")


def assert_rerun_upgrades_once(entry, db):
    """The mended upgrade, through the same entry point: every addon once, every script once."""
    mended = db.addons_dir.parent / "mended"
    shutil.rmtree(mended, ignore_errors=True)
    copy_probes(mended)
    for name in PROBES:
        shutil.rmtree(db.addon(name))
        shutil.copytree(mended / name, db.addon(name))
    change(db)
    ok, said = run(entry, db)
    assert ok, said
    assert set(last_run(db)["upgraded"].split(", ")) == UPGRADED, last_run(db)
    assert sorted(log(db)) == sorted(ONCE), log(db)
    assert not db.pending()
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_probe_a'") == [(V1,)]
    assert {"new_field"} <= {c for (c,) in db.sql(COLUMNS)} and "old_field" not in {c for (c,) in db.sql(COLUMNS)}
    assert db.sql("SELECT count(*) FROM res_partner WHERE name = 'Probe partner'") == [(1,)]
    (attachment,) = db.sql("SELECT store_fname FROM ir_attachment WHERE name = 'probe.txt'")
    assert attachment[0] in stored_files(db), "the upgrade's own file is kept and referenced"
    ok, said = run(entry, db)
    assert ok and last_run(db)["result"] == "nothing to do", said


COLUMNS = "SELECT column_name FROM information_schema.columns WHERE table_name = 'mau_probe_a'"
ENTRIES = ("in Odoo", "command line", "quick start", "server start")

# Every breakage through two entry points, every entry point through four breakages.
FAILURES = [
    (broken_xml("mau_probe_a", "data/records.xml"), "in Odoo"),  # the first addon to load
    (broken_xml("mau_probe_a", "data/records.xml"), "quick start"),
    (broken_xml("mau_probe_c", "data/partners.xml"), "command line"),  # a middle one
    (broken_xml("mau_probe_c", "data/partners.xml"), "server start"),
    (broken_xml("mau_probe_b", "data/records.xml"), "in Odoo"),  # the last one
    (broken_xml("mau_probe_b", "data/records.xml"), "command line"),
    (raising_script("pre"), "server start"),
    (raising_script("pre"), "in Odoo"),
    (raising_script("post"), "quick start"),
    (raising_script("post"), "server start"),
    (raising_script("end"), "command line"),
    (raising_script("end"), "quick start"),
    (raising_hook, "in Odoo"),
    (raising_hook, "server start"),
    (leaves_c_pending, "command line"),
    (leaves_c_pending, "quick start"),
]


def failure_id(case):
    breakage, entry = case
    addon, stage = breakage.expected
    return f"{addon} {stage} via {entry}".replace(" ", "-")


@pytest.mark.parametrize("case", FAILURES, ids=[failure_id(c) for c in FAILURES])
def test_failed_upgrade_leaves_the_database_as_it_was(db, case):
    breakage, entry = case
    addon, stage = breakage.expected
    before = odoo_env.database_snapshot(db.name)
    runs = history_count(db)
    change(db, breakage)

    ok, said = run(entry, db)
    assert not ok, said
    assert_unchanged(db, before)
    assert history_count(db) == runs + 1
    recorded = last_run(db)
    assert recorded["result"] == ("incomplete" if stage == "pending" else "failed"), recorded
    # The error names the addon and the stage, and says what became of the database.
    assert addon in recorded["error"] and "left as it was" in recorded["error"], recorded
    if stage != "pending":
        assert stage in recorded["error"], recorded
    # ... and so does what the entry point itself says (the server only logs it).
    assert recorded["error"].splitlines()[0] in said, said

    assert_rerun_upgrades_once(entry, db)


# Killed: where the upgrade waits, and the entry point that runs it.
KILLS = [("pre", "in Odoo"), ("hook", "command line"), ("end", "quick start"), ("hook", "server start")]


@pytest.mark.parametrize("where,entry", KILLS, ids=[f"{w}-via-{e}".replace(" ", "-") for w, e in KILLS])
def test_killed_upgrade_leaves_the_database_as_it_was(db, tmp_path, where, entry):
    before = odoo_env.database_snapshot(db.name)
    runs = history_count(db)
    marker = tmp_path / "waiting"
    (tmp_path / "hold").touch()
    change(db, holding(where, marker))

    argv, env = command(entry, db)
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    feeder = threading.Thread(target=proc.communicate, args=(IN_ODOO if entry == "in Odoo" else "",))
    feeder.start()
    try:
        odoo_env.wait_for(marker.exists, 240, f"the upgrade to wait in {where}")
        # Every cursor of the run is on its one connection: nothing can commit beside it
        # (its lock watcher only reads pg_locks, on a connection of its own).
        assert len(backends(db, but=watcher.APPLICATION)) == 1, backends(db)
        os.kill(int(marker.read_text()), signal.SIGKILL)
        feeder.join(60)
    finally:
        (tmp_path / "hold").unlink()
        if proc.poll() is None:
            proc.kill()
    # PostgreSQL rolls back the transaction of a connection whose process died.
    odoo_env.wait_for(lambda: not backends(db), 60, "PostgreSQL to drop the dead run's connection")
    assert_unchanged(db, before)
    assert history_count(db) == runs
    assert_rerun_upgrades_once(entry, db)


def backends(db, but=None):
    """The other sessions on ``db``, but those of application ``but``."""
    return db.sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid != pg_backend_pid() "
        "AND application_name IS DISTINCT FROM %s",
        (db.name, but),
    )


# Odoo's own upgrade, stopped half-way ------------------------------------------

# The statement with which Odoo 19.0's loader (odoo/modules/loading.py) marks a database whose
# load ended with addons pending; its next start then loads again to finish them.
MARK_PARTIALLY_UPDATED = """
    INSERT INTO ir_config_parameter(key, value)
    SELECT 'base.partially_updated_database', '1'
    WHERE EXISTS(SELECT FROM ir_module_module WHERE state IN ('to upgrade', 'to install', 'to remove'))
    ON CONFLICT DO NOTHING
"""


def test_upgrade_odoo_left_half_way_is_finished_in_one_transaction(db, tmp_path):
    if db.odoo.series < "19.0":
        pytest.skip(f"Odoo {db.odoo.series} runs -u in one transaction: it never leaves an upgrade half-way")
    marker = tmp_path / "waiting"
    (tmp_path / "hold").touch()
    change(db, holding("hook", marker))
    # Odoo's own -u, killed in mau_probe_new's hook: A and C are committed, new and B pending.
    upgrade = ["-d", db.name, "-u", "mau_probe_a,mau_probe_b,mau_probe_c", "--stop-after-init", "--no-http"]
    with (tmp_path / "odoo.log").open("w") as output:
        proc = db.odoo.popen(upgrade, [db.addons_dir], stdout=output, stderr=subprocess.STDOUT)
        try:
            odoo_env.wait_for(marker.exists, 240, "odoo-bin -u to wait in the hook")
            os.kill(int(marker.read_text()), signal.SIGKILL)
            proc.wait(60)
        except TimeoutError:
            raise AssertionError((tmp_path / "odoo.log").read_text()[-4000:]) from None
        finally:
            (tmp_path / "hold").unlink()
            if proc.poll() is None:
                proc.kill()
    odoo_env.wait_for(lambda: not backends(db), 60, "PostgreSQL to drop the dead run's connection")
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_probe_a'") == [(V1,)]
    left = dict(db.pending())
    assert {"mau_probe_b", "mau_probe_new"} <= set(left), left
    db.sql(MARK_PARTIALLY_UPDATED)

    # The plan says so, and a failed run leaves the half-way database, mark included, as it was.
    argv, env = command("command line", db)
    dry = subprocess.run([*argv, "--dry-run"], env=env, capture_output=True, text=True, timeout=600)
    (plan,) = [json.loads(line) for line in dry.stdout.splitlines() if line.startswith("{")]
    assert plan["partially_updated"] is True, plan
    assert {p["module"] for p in plan["pending"]} == set(left), plan
    (said,) = [i["detail"] for i in plan["info"] if i["code"] == "partially-updated"]
    assert f"with {len(left)} addons left pending" in said, said
    before = odoo_env.database_snapshot(db.name)
    broken_xml("mau_probe_b", "data/records.xml")(db)
    ok, said = run("command line", db)
    assert not ok and "mau_probe_b" in said, said
    differences = odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=(HISTORY,))
    assert not differences, "\n".join(differences)
    assert db.sql("SELECT 1 FROM ir_config_parameter WHERE key = 'base.partially_updated_database'")

    # Mended, the run finishes what Odoo left, and clears the mark.
    edit(db.addon("mau_probe_b") / "data" / "records.xml", "<record\n</odoo>", "</odoo>")
    ok, said = run("command line", db)
    assert ok, said
    assert not db.pending()
    assert not db.sql("SELECT 1 FROM ir_config_parameter WHERE key = 'base.partially_updated_database'")
    assert {"mau_probe_b", "mau_probe_new"} <= set(last_run(db)["upgraded"].split(", ")), last_run(db)
    # What ran, once each: A's pre and post in Odoo's committed part, the hook in ours. A's end
    # script was to run after the last addon: A is upgraded already, so nobody runs it again.
    assert sorted(log(db)) == sorted([("mau_probe_a", "pre"), ("mau_probe_a", "post"), ONCE[2]]), log(db)
    ok, said = run("command line", db)
    assert ok and last_run(db)["result"] == "nothing to do", said
