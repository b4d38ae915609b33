# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Living beside the tools teams already run (real Odoo 18, real PostgreSQL, real click-odoo-update 1.24).

Whichever tool upgraded last, the others find nothing to do; values another
tool recorded with another exclude default are taken over without an
upgrade; addons without code or no longer installable are skipped quietly
everywhere; click-odoo-update's option names work.
"""

import json
import os
import subprocess

import odoo_env
import pytest
from test_quick_start import answered_alone, quick

IN_ODOO = 'result(env["ir.module.module"].upgrade_changed_checksum()["params"]["message"])'


def click_odoo_update(db, *args):
    """click-odoo-update on ``db``, with the test's addons."""
    addons = ",".join(str(p) for p in (*db.odoo.addons_paths, odoo_env.REPO, db.addons_dir))
    return subprocess.run(
        [
            db.odoo.python,
            "-c",
            "from click_odoo_contrib.update import main; main()",
            "-d",
            db.name,
            f"--addons-path={addons}",
            *args,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **db.odoo.env},
        check=False,
    )


def ours(db, *args):
    return db.odoo_bin(db.odoo.command_name, "--log-level=info", *args, check=False)


def upgrade_marks(db):
    """``{addon: write_date}``: Odoo rewrites an addon's row each time it upgrades it
    (and, loading with ``-u``, the rows whose manifest data it refreshes)."""
    return dict(db.sql("SELECT name, write_date FROM ir_module_module WHERE state = 'installed'"))


def upgraded_by(db, step):
    """The addons that ``step()`` upgraded."""
    before = upgrade_marks(db)
    step()
    after = upgrade_marks(db)
    return sorted(name for name in after if after[name] != before.get(name))


def test_each_change_is_upgraded_once_whichever_tool_runs(recorded_db):
    db = recorded_db

    def step(tool):
        def go():
            if tool == "click-odoo-update":
                proc = click_odoo_update(db)
                assert proc.returncode == 0, proc.stderr[-3000:]
            elif tool == "command line":
                proc = ours(db)
                assert proc.returncode == 0, proc.stderr[-3000:]
            else:
                db.shell(IN_ODOO)

        return go

    tools = ("click-odoo-update", "command line", "in Odoo")
    for first, addon in zip(tools, ("mau_sample_c", "mau_sample_a", "mau_sample_e"), strict=True):
        (db.addon(addon) / "README.rst").write_text(f"changed for {first}\n")
        done = upgraded_by(db, step(first))
        assert addon in done, (first, addon, done)
        for other in tools:
            if other != first:
                assert upgraded_by(db, step(other)) == [], f"{other} upgraded again what {first} had upgraded"
    # What we record stays valid for click-odoo-update, and the other way round.
    assert "No module needs updating" in click_odoo_update(db).stderr


def addon_digests(db, patterns):
    """The installed addons' fingerprints with ``patterns`` excluded, as another tool records them."""
    code = (
        "from odoo.addons.module_auto_update.addon_hash import addon_hash\n"
        "from odoo.modules.module import get_module_path\n"
        "langs = env['res.lang'].search([]).mapped('code')\n"
        "mods = env['ir.module.module'].search([('state', '=', 'installed')]).mapped('name')\n"
        f"result({{m: addon_hash(get_module_path(m), {patterns!r}, langs) for m in mods if get_module_path(m)}})\n"
    )
    return db.shell(code)


OLD_DEFAULT = ["*.pyc", "*.pyo", "i18n/*.pot", "i18n_extra/*.pot", "static/*"]


@pytest.mark.parametrize("recorded_with_tests", [False, True], ids=["OCA-16-17-default", "click-default"])
def test_takeover_of_another_default_upgrades_nothing_and_says_so(recorded_db, recorded_with_tests):
    db = recorded_db
    if recorded_with_tests:
        # This database excludes less than the tool that recorded (tests/* excluded there).
        db.sql(
            "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
            ("module_auto_update.exclude_patterns", ",".join(OLD_DEFAULT)),
        )
        recorded = addon_digests(db, [*OLD_DEFAULT, "tests/*"])
    else:
        recorded = addon_digests(db, OLD_DEFAULT)
    # As a database coming from the other tool: its parameter only.
    db.sql("DELETE FROM module_auto_update_checksum")
    db.sql(
        "UPDATE ir_config_parameter SET value = %s WHERE key = 'module_auto_update.installed_checksums'",
        (json.dumps(recorded),),
    )
    proc = None

    def run():
        nonlocal proc
        proc = ours(db, "--format", "json")

    assert upgraded_by(db, run) == []
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcome = json.loads(proc.stdout)
    assert outcome["result"] == "nothing to do", outcome
    adopted = [i["module"] for i in outcome["info"] if i["code"] == "adopted"]
    assert "base" in adopted and "mau_sample_a" not in adopted, outcome["info"]  # base has tests/, the sample not
    assert "Recorded with another exclude default and unchanged, taken over" in proc.stderr
    # Taken over once: the next run compares with our own record.
    again = json.loads(ours(db, "--format", "json").stdout)
    assert again["result"] == "nothing to do" and not [i for i in again["info"] if i["code"] == "adopted"]


def test_addons_without_code_or_not_installable_are_skipped_quietly_everywhere(recorded_db):
    db = recorded_db
    db.sql(
        "INSERT INTO ir_module_module (name, state, latest_version, create_date, write_date) "
        "VALUES ('studio_customization', 'installed', %s, now(), now())",
        (f"{odoo_env.SERIES}.1.0",),
    )
    manifest = db.addon("mau_sample_c") / "__manifest__.py"
    manifest.write_text(manifest.read_text().replace('"installable": True', '"installable": False'))
    saved = db.saved()

    fast = quick(db, "--format", "json")
    assert answered_alone(fast), fast.stderr[-3000:]
    full = ours(db, "--format", "json")
    for proc in (fast, full):
        assert proc.returncode == 0, proc.stderr[-3000:]
        outcome = json.loads(proc.stdout)
        assert outcome["result"] == "nothing to do", outcome
        assert sorted((m["module"], m["reason"]) for m in outcome["missing"]) == [
            ("mau_sample_c", "not installable"),
            ("studio_customization", "folder missing"),
        ]
        assert [i["code"] for i in outcome["info"]] == ["not-installable", "database-only"]
        assert outcome["warnings"] == [], outcome
    text = ours(db).stdout
    assert text.count("mau_sample_c is installed but its manifest says it is not installable") == 1, text
    message = db.shell(IN_ODOO)
    assert message.endswith("2 left as they are (no code, or not installable)"), message
    assert db.saved() == saved and not db.pending()


def test_click_odoo_update_option_names_work(recorded_db):
    db = recorded_db
    (db.addon("mau_sample_c") / "README.rst").write_text("changed\n")
    saved = db.saved()
    listed = ours(db, "--list-only")
    assert listed.returncode == 0 and "mau_sample_c (changed)" in listed.stdout, listed.stdout
    assert db.saved() == saved
    computed = ours(db, "--only-compute-hashes")
    assert computed.returncode == 0 and f"{db.name}: hashes recorded" in computed.stdout
    assert db.saved()["mau_sample_c"] != saved["mau_sample_c"]


def test_only_upgrades_the_chosen_addons_and_the_others_stay_tracked(recorded_db):
    db = recorded_db
    for name in ("mau_sample_a", "mau_sample_c"):
        (db.addon(name) / "README.rst").write_text("changed\n")
    outcome = json.loads(ours(db, "--only", "mau_sample_c", "--format", "json").stdout)
    assert outcome["result"] == "done" and outcome["upgraded"] == ["mau_sample_c"], outcome
    plan = json.loads(ours(db, "--dry-run", "--format", "json").stdout)
    assert [c["module"] for c in plan["changed"]] == ["mau_sample_a"], plan["changed"]


def test_ignore_list_parameter_is_honoured_by_the_menu_method(recorded_db):
    db = recorded_db
    db.sql("INSERT INTO ir_config_parameter (key, value) VALUES ('module_auto_update.ignore_addons', 'mau_sample_c')")
    (db.addon("mau_sample_c") / "README.rst").write_text("changed\n")
    assert upgraded_by(db, lambda: db.shell(IN_ODOO)) == []
    assert upgraded_by(db, lambda: ours(db)) == []


def test_watcher_aborts_an_upgrade_stuck_behind_a_lock(recorded_db):
    db = recorded_db
    (db.addon("mau_sample_c") / "README.rst").write_text("changed\n")
    before = odoo_env.database_snapshot(db.name)
    conn = odoo_env.pg_connect(db.name)
    conn.autocommit = False
    try:
        with conn.cursor() as cr:
            # Another session holds the views against writes, as a long transaction would:
            # loading the sample's views.xml waits.
            cr.execute("LOCK TABLE ir_ui_view IN EXCLUSIVE MODE")
            # (the lock wait, 2 s by default, would give way first: no limit here)
            proc = ours(db, "--watcher-max-seconds", "2", "--lock-wait", "0", "--format", "json")
    finally:
        conn.rollback()
        conn.close()
    assert proc.returncode == 1, proc.stderr[-3000:]
    outcome = json.loads(proc.stdout)
    assert outcome["result"] == "failed"
    assert "waited on a database lock longer than 2 s (--watcher-max-seconds)" in outcome["error"], outcome
    after = odoo_env.database_snapshot(db.name)
    assert odoo_env.snapshot_differences(before, after, ignore=("public.module_auto_update_run",)) == []


@pytest.mark.parametrize("way", ["odoo-bin -u", "odoo-bin module upgrade"])
def test_what_odoo_itself_upgraded_is_not_upgraded_again(recorded_db, tmp_path, way):
    db = recorded_db
    if way == "odoo-bin module upgrade" and db.odoo.series < "19.0":
        pytest.skip(f"odoo-bin module came with Odoo 19.0, this is {db.odoo.series}")
    for name in ("mau_sample_c", "mau_sample_a"):
        (db.addon(name) / "README.rst").write_text(f"changed before {way}\n")
    if way == "odoo-bin -u":
        db.odoo_bin("-u", "mau_sample_c", "--stop-after-init", "--no-http", "--log-level=warn")
    else:
        # The module command reads the addons path from a configuration file only.
        addons = ",".join(str(p) for p in (*db.odoo.addons_paths, odoo_env.REPO, db.addons_dir))
        conf = tmp_path / "odoo.conf"
        conf.write_text(f"[options]\naddons_path = {addons}\n")
        argv = [*db.odoo.command, "module", "upgrade", "-c", str(conf), "-d", db.name, "mau_sample_c"]
        proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **db.odoo.env}, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert db.sql("SELECT state FROM ir_module_module WHERE name = 'mau_sample_c'") == [("installed",)]
    # The end of Odoo's load recorded what it upgraded: only the addon it left is to upgrade, for
    # us and for click-odoo-update, which reads what we record.
    proc = db.odoo_bin(db.odoo.command_name, "--dry-run", "--format", "json", check=False)
    (plan,) = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [c["module"] for c in plan["changed"]] == ["mau_sample_a"], plan
    listed = click_odoo_update(db, "--list-only")
    assert listed.returncode == 0, listed.stderr[-3000:]
    (said,) = [line for line in listed.stderr.splitlines() if "Updating addons for their hash changed" in line]
    assert said.rstrip().endswith("changed: mau_sample_a."), said
