# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A failed, killed or odd run loses nothing, on a real Odoo 18 and PostgreSQL.

After each case the database the run acted on and a second database served
by the same addons are both checked: module states and versions, recorded
fingerprints, the legacy parameter.
"""

import json
import os
import shutil
import signal
import threading

import odoo_env
import pytest

LEGACY = "module_auto_update.installed_checksums"

RUN = """
from odoo.exceptions import UserError
try:
    out = env["ir.module.module"]._auto_upgrade()
    result({"ok": True, "upgraded": out["upgraded"], "reasons": out["reasons"]})
except Exception as exc:
    result({"ok": False, "error": type(exc).__name__, "user_error": isinstance(exc, UserError), "message": str(exc)})
"""

# What the menu and the scheduled action show: the notification's message.
RUN_ACTION = """
from odoo.exceptions import UserError
try:
    result({"ok": True, "message": env["ir.module.module"].upgrade_changed_checksum()["params"]["message"]})
except Exception as exc:
    result({"ok": False, "error": type(exc).__name__, "user_error": isinstance(exc, UserError), "message": str(exc)})
"""


def snapshot(db):
    """Everything a run may change in a database."""
    return {
        "modules": db.sql("SELECT name, state, latest_version FROM ir_module_module ORDER BY name"),
        "records": db.sql("SELECT name, checksum, upgraded_at FROM module_auto_update_checksum ORDER BY name"),
        "legacy": db.sql("SELECT value FROM ir_config_parameter WHERE key = %s", (LEGACY,)),
    }


def unchanged(after, before):
    """``after`` equals ``before``: even the list of addons Odoo updates while
    upgrading (a new addon on disk) is rolled back with the failed run."""
    return after == before


def upgraded_now(db):
    return {n for (n,) in db.sql("SELECT name FROM module_auto_update_checksum WHERE upgraded_at IS NOT NULL")}


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def touch_readme(db, name, text="changed\n"):
    (db.addon(name) / "README.rst").write_text(text)


def bump_version(db, name, version):
    edit(db.addon(name) / "__manifest__.py", '"version": "18.0.1.0.0"', f'"version": "{version}"')


def write_migration(db, name, version, body):
    folder = db.addon(name) / "migrations" / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "post-migrate.py").write_text(body)
    return folder / "post-migrate.py"


@pytest.fixture
def other_db(odoo, recorded_template_db, recorded_db):
    """A second database served by the same (possibly broken) addons folder."""
    name = odoo_env.unique_db()
    odoo_env.create_db(name, template=recorded_template_db)
    yield type(recorded_db)(odoo, name, recorded_db.addons_dir)
    odoo_env.drop_db(name)


# Failing upgrades ----------------------------------------------------------
# Each case breaks the code on disk and returns (failing addon, words of the
# cause, how to fix it, what the rerun after the fix must upgrade).


def malformed_xml_in_a_dependent(db):
    # Sample A is loaded (Odoo's loader commits it) before its dependent B
    # fails: that commit is part of the run's one transaction, rolled back.
    touch_readme(db, "mau_sample_a")
    view = db.addon("mau_sample_b") / "views" / "views.xml"
    good = view.read_text()
    view.write_text(good.replace("</odoo>", "<record"))
    return "mau_sample_b", "views.xml", lambda: view.write_text(good), {"mau_sample_a", "mau_sample_b"}


def import_error_in_a_new_dependency(db):
    # A running Odoo never re-imports an addon it has loaded: a Python error
    # meets the in-Odoo run in an addon the upgrade imports for the first time.
    shutil.copytree(odoo_env.SAMPLE_ADDONS / "mau_sample_d", db.addon("mau_sample_d"))
    edit(db.addon("mau_sample_c") / "__manifest__.py", '"depends": ["base"]', '"depends": ["base", "mau_sample_d"]')
    init = db.addon("mau_sample_d") / "__init__.py"
    good = init.read_text()
    init.write_text(good + "import mau_no_such_module\n")
    return "mau_sample_d", "mau_no_such_module", lambda: init.write_text(good), {"mau_sample_c", "mau_sample_d"}


def migration_that_raises(db):
    bump_version(db, "mau_sample_c", "18.0.1.0.1")
    script = write_migration(
        db, "mau_sample_c", "18.0.1.0.1", 'def migrate(cr, version):\n    raise RuntimeError("mau migration refused")\n'
    )
    return (
        "mau_sample_c",
        "mau migration refused",
        lambda: script.write_text("def migrate(cr, version):\n    pass\n"),
        {"mau_sample_c"},
    )


def missing_external_dependency(db):
    touch_readme(db, "mau_sample_c")
    manifest = db.addon("mau_sample_c") / "__manifest__.py"
    good = manifest.read_text()
    edit(
        manifest,
        '"installable": True,',
        '"installable": True,\n    "external_dependencies": {"python": ["mau_no_such_package"]},',
    )
    return "mau_sample_c", "mau_no_such_package", lambda: manifest.write_text(good), {"mau_sample_c"}


@pytest.mark.parametrize(
    "breakage",
    [
        malformed_xml_in_a_dependent,
        import_error_in_a_new_dependency,
        migration_that_raises,
        missing_external_dependency,
    ],
    ids=lambda f: f.__name__,
)
def test_failed_upgrade_loses_nothing_and_the_rerun_finishes(recorded_db, other_db, breakage):
    db = recorded_db
    before, other_before = snapshot(db), snapshot(other_db)
    addon, cause, fix, rerun = breakage(db)

    out = db.shell(RUN)
    assert not out["ok"] and out["user_error"], out
    assert addon in out["message"] and cause in out["message"], out
    assert "Traceback" not in out["message"], out
    assert unchanged(snapshot(db), before), "a failed run changed states, versions or records"
    assert snapshot(other_db) == other_before

    fix()
    out = db.shell(RUN)
    assert out["ok"], out
    assert set(out["upgraded"]) == rerun, out
    assert not db.pending()
    assert upgraded_now(db) == rerun
    after = dict(db.saved())
    changed = {n for n, checksum in after.items() if checksum != dict(r[:2] for r in before["records"]).get(n)}
    assert changed <= rerun and addon in after
    assert snapshot(other_db) == other_before


# Crash -----------------------------------------------------------------------

HOLD_MIGRATION = """import os, pathlib, time

def migrate(cr, version):
    marker = pathlib.Path({marker!r})
    if marker.with_name("hold").exists():
        marker.write_text(str(os.getpid()))
        time.sleep(120)
"""


def test_killed_in_the_middle_of_loading_next_run_completes(recorded_db, other_db, tmp_path):
    db = recorded_db
    before, other_before = snapshot(db), snapshot(other_db)
    marker = tmp_path / "migrating"
    (tmp_path / "hold").touch()
    touch_readme(db, "mau_sample_a")  # loaded (and committed by Odoo) before C
    bump_version(db, "mau_sample_c", "18.0.1.0.1")
    write_migration(db, "mau_sample_c", "18.0.1.0.1", HOLD_MIGRATION.format(marker=str(marker)))

    run = threading.Thread(target=db.shell, args=(RUN,), kwargs={"check": False})
    run.start()
    try:
        odoo_env.wait_for(marker.exists, 120, "the upgrade to reach C's migration")
        os.kill(int(marker.read_text()), signal.SIGKILL)
    finally:
        (tmp_path / "hold").unlink()
        run.join(60)
    assert not run.is_alive()

    # PostgreSQL rolled the run's transaction back with its connection:
    # nothing is left marked, loaded or recorded.
    odoo_env.wait_for(lambda: not db.pending() and unchanged(snapshot(db), before), 60, "the rollback")

    out = db.shell(RUN)
    assert out["ok"], out
    assert set(out["upgraded"]) == {"mau_sample_a", "mau_sample_b", "mau_sample_c"}, out
    assert not db.pending()
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_c'") == [("18.0.1.0.1",)]
    after = db.saved()
    recorded = dict(r[:2] for r in before["records"])
    assert {n for n in after if after[n] != recorded.get(n)} == {"mau_sample_a", "mau_sample_c"}
    assert snapshot(other_db) == other_before


# Hostile or odd input ---------------------------------------------------------


def test_invalid_manifest_is_refused_by_name_and_changes_nothing(recorded_db):
    db = recorded_db
    before = snapshot(db)
    manifest = db.addon("mau_sample_c") / "__manifest__.py"
    good = manifest.read_text()
    # A running Odoo (the menu, the scheduled action): the manifest breaks
    # after it started, so it still holds the valid one in its cache.
    out = db.shell(f"import pathlib\npathlib.Path({str(manifest)!r}).write_text(\"{{'name': \")\n" + RUN_ACTION)
    assert not out["ok"] and out["user_error"], out
    assert "mau_sample_c" in out["message"] and "manifest" in out["message"], out
    assert unchanged(snapshot(db), before)
    # A new process: Odoo itself refuses to load the database's registry.
    proc = db.shell(RUN_ACTION, check=False)
    assert not isinstance(proc, dict) and "Failed to load registry" in proc.stderr, proc
    assert unchanged(snapshot(db), before)
    manifest.write_text(good)
    assert db.shell(RUN_ACTION)["message"].startswith("Nothing to upgrade")


CORRUPTED_RUN = """
M = env["ir.module.module"]
run = M._auto_upgrade()
# The table emptied: the legacy parameter is read instead, and it is not
# JSON: every installed addon counts as never recorded, none is skipped.
env.cr.execute("DELETE FROM module_auto_update_checksum")
env.cr.execute("UPDATE ir_config_parameter SET value = '{not json' WHERE key = %s", (LEGACY,))
reasons = M._changed_checksum_reasons()
installed = M.search([("state", "=", "installed")]).mapped("name")
env.cr.rollback()
result({"upgraded": run["upgraded"], "reasons": run["reasons"], "legacy_reasons": reasons, "installed": installed})
"""


def test_corrupted_stored_data_never_hides_a_change(recorded_db):
    db = recorded_db
    before = db.saved()
    # a row of an addon that is not installed, an empty checksum, a legacy value that is not JSON
    db.sql("INSERT INTO module_auto_update_checksum (name, checksum, computed_at) VALUES ('mau_ghost', 'abc', now())")
    db.sql("UPDATE module_auto_update_checksum SET checksum = '' WHERE name = 'mau_sample_c'")
    db.sql("UPDATE ir_config_parameter SET value = '{not json' WHERE key = %s", (LEGACY,))
    out = db.shell(f"LEGACY = {LEGACY!r}\n" + CORRUPTED_RUN)
    assert out["upgraded"] == ["mau_sample_c"] and out["reasons"] == {"mau_sample_c": "never recorded"}, out
    after = db.saved()
    assert "mau_ghost" not in after, "rows of addons that are not installed are dropped at the save"
    assert after == before
    legacy = db.sql("SELECT value FROM ir_config_parameter WHERE key = %s", (LEGACY,))[0][0]
    assert json.loads(legacy) == after
    assert out["legacy_reasons"] == {name: "never recorded" for name in out["installed"]}, out


KEEP_WARNINGS = """
import logging
warnings = []
class Keep(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())
logging.getLogger("odoo.addons.module_auto_update").addHandler(Keep(logging.WARNING))
"""


def test_odd_files_in_an_installed_addon(recorded_db, tmp_path):
    db = recorded_db
    addon = db.addon("mau_sample_c")
    outside = tmp_path / "outside.txt"
    outside.write_text("kept outside the addon\n")
    # Readable, if odd: a name that is not UTF-8, a link to a file outside the addon.
    (addon / os.fsdecode(b"caf\xe9.txt")).write_text("latin-1 name\n")
    os.symlink(outside, addon / "outside.txt")
    out = db.shell(RUN_ACTION)
    assert out == {"ok": True, "message": "Upgraded: mau_sample_c"}, out
    files = db.sql("SELECT file_checksums FROM module_auto_update_checksum WHERE name = 'mau_sample_c'")[0][0]
    assert "caf\\xe9.txt" in files and "outside.txt" in files, files
    # the link is followed: a change of its target is a change of the addon
    outside.write_text("changed outside the addon\n")
    assert db.shell(RUN_ACTION)["message"] == "Upgraded: mau_sample_c"
    recorded = db.saved()["mau_sample_c"]

    # Unreadable: a FIFO, a dangling link, a loop of links. The addon counts as
    # changed (upgraded) and its fingerprint stays unrecorded until it can be read.
    for make in (
        lambda: os.mkfifo(addon / "pipe"),
        lambda: os.symlink(tmp_path / "nowhere", addon / "dangling"),
        lambda: (os.symlink(addon / "loop_b", addon / "loop_a"), os.symlink(addon / "loop_a", addon / "loop_b")),
    ):
        make()
    out = db.shell(KEEP_WARNINGS + RUN_ACTION.replace("result({", "result({'warnings': warnings, "))
    assert out["ok"] and out["message"] == "Upgraded: mau_sample_c", out
    (warning,) = [w for w in out["warnings"] if "counts as changed" in w]
    assert "mau_sample_c" in warning and str(addon / "dangling") in warning, warning
    assert "mau_sample_c" not in db.saved() and recorded
    assert not db.pending()
