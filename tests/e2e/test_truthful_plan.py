# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The plan tells the truth, in the words an administrator reads (real Odoo 18, real PostgreSQL).

Blocking problems named with file and line before anything runs, from the
command line; installed addons without code warned about, never hidden, by
odoo-bin and the quick start; pending addons offered and upgraded; folded
history. What the plan, the wizard and the method say of edited addons
without a real upgrade (blocking problems, addons without code, the first
run, French) is an Odoo test of the addon: module_auto_update/tests/test_plan.py.
"""

import json

import odoo_env
import pytest
from conftest import lose_code
from test_quick_start import answered_alone
from test_quick_start import quick as quick_start

# The plan, the wizard and a refused upgrade, as the menu and the shell see them.
PLAN_WIZARD_UPGRADE = """
M = env["ir.module.module"]
out = {"plan": M.get_upgrade_plan()}
wizard = env["module.auto.update.wizard"].create({})
out["wizard"] = {name: wizard[name] for name in ("is_empty", "is_blocked", "has_warnings", "first_run", "summary")}
out["html"] = wizard.plan_html
try:
    out["upgrade"] = M.upgrade_changed_checksum()["params"]["message"]
except Exception as exc:
    dialog = getattr(exc, "context", {}).get("exception_class")
    out["error"] = [type(exc).__name__, str(exc), dialog]
result(out)
"""


# The history row, and the shell's wizard (a transient record the run commits as the caller's work).
UNCHANGED_BUT = ("public.module_auto_update_run", "public.module_auto_update_wizard")


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def broken_xml(db):
    edit(db.addon("mau_sample_c") / "views" / "views.xml", "    </record>", "    </recod>")
    return "xml-invalid", "mau_sample_c/views/views.xml", 11


def missing_data_file(db):
    (db.addon("mau_sample_c") / "views" / "views.xml").unlink()
    return "file-missing", "mau_sample_c/__manifest__.py", 8


def record_of_unknown_model(db):
    edit(db.addon("mau_sample_c") / "views" / "views.xml", 'model="ir.ui.view"', 'model="mau.no.such.model"')
    return "model-unknown", "mau_sample_c/views/views.xml", 3


def unreadable_csv(db):
    (db.addon("mau_sample_c") / "security" / "ir.model.access.csv").write_bytes(b"id,name\naccess,caf\xe9\n")
    return "csv-invalid", "mau_sample_c/security/ir.model.access.csv", 2


def python_syntax_error(db):
    edit(db.addon("mau_sample_c") / "models" / "sample.py", "    name = fields.Char(", "    name = fields.Char((")
    return "python-invalid", "mau_sample_c/models/sample.py", 10


def invalid_manifest(db):
    edit(db.addon("mau_sample_c") / "__manifest__.py", '"depends": ["base"],', '"depends": ["base"]')
    return "manifest-invalid", "mau_sample_c/__manifest__.py", 6


BREAKAGES = (
    broken_xml,
    missing_data_file,
    record_of_unknown_model,
    unreadable_csv,
    python_syntax_error,
    invalid_manifest,
)


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__)
def test_blocking_problem_is_named_with_file_and_line_before_anything_runs(recorded_db, breakage):
    db = recorded_db
    before = odoo_env.database_snapshot(db.name)
    code, file, line = breakage(db)

    proc = db.odoo_bin("auto-upgrade", "--dry-run", "--format", "json", "--log-level=warn", check=False)
    assert proc.returncode == 5, proc.stderr[-3000:]
    [plan] = [json.loads(out) for out in proc.stdout.splitlines()]
    [problem] = plan["blocking"]
    assert (problem["code"], problem["file"], problem["line"]) == (code, file, line), problem
    # Nothing derived from a file that could not be read: no deletion announced.
    assert [w for w in plan["warnings"] if w["module"] == "mau_sample_c"] == [], plan["warnings"]

    text = db.odoo_bin("auto-upgrade", "--dry-run", "--log-level=warn", check=False).stdout
    assert f"{file}:{line}: " in text and problem["detail"] in text, text

    proc = db.odoo_bin("auto-upgrade", "--format", "json", "--log-level=warn", check=False)
    assert proc.returncode == 5, "refused for blocking problems: blocked, not failed"
    outcome = json.loads(proc.stdout)
    assert outcome["result"] == "blocked" and outcome["error"].startswith("The upgrade did not start"), outcome
    assert f"{file}:{line}" in outcome["error"]

    after = odoo_env.database_snapshot(db.name)
    assert odoo_env.snapshot_differences(before, after, ignore=UNCHANGED_BUT) == []
    assert {r for (r,) in db.sql("SELECT DISTINCT result FROM module_auto_update_run")} == {"failed"}


def test_installed_addon_without_code_is_warned_about_never_hidden_nor_handed_over(recorded_db):
    db = recorded_db
    lose_code(db)
    before = odoo_env.database_snapshot(db.name)

    # odoo-bin auto-upgrade, and the quick start, which answers without Odoo.
    odoo_bin = db.odoo_bin("auto-upgrade", "--log-level=info", check=False)
    quick = quick_start(db)
    assert answered_alone(quick), quick.stderr[-3000:]
    for proc in (odoo_bin, quick):
        assert proc.returncode == 6, proc.stderr[-3000:]
        assert proc.stdout.count("studio_customization is installed but has no code") == 1, proc.stdout
        assert proc.stdout.count("WARNING: mau_sample_c is installed but its folder is not") == 1, proc.stdout
        assert f"{db.name}: code missing" in proc.stdout
    after = odoo_env.database_snapshot(db.name)
    assert odoo_env.snapshot_differences(before, after, ignore=UNCHANGED_BUT) == []


def test_pending_addon_is_listed_and_upgrade_offered(recorded_db):
    db = recorded_db
    # As the Apps button "Upgrade" leaves it in a running server (an Odoo
    # process that starts loads pending addons by itself).
    mark = "env['ir.module.module'].search([('name', '=', 'mau_sample_c')]).button_upgrade()\n"
    out = db.shell(mark + PLAN_WIZARD_UPGRADE)
    assert out["plan"]["pending"] == [{"module": "mau_sample_c", "state": "to upgrade"}]
    assert not out["wizard"]["is_empty"] and out["wizard"]["summary"] == "Addons left pending: 1", out
    assert "mau_sample_c was left to upgrade by an earlier action" in out["html"]
    assert out["upgrade"] == "Upgraded: mau_sample_c", out
    assert not db.pending()


def test_runs_with_nothing_to_do_are_folded_per_trigger(recorded_db):
    db = recorded_db
    for _ in range(3):
        db.odoo_bin("auto-upgrade", "--log-level=warn")
    (db.addon("mau_sample_c") / "README.rst").write_text("changed\n")
    db.odoo_bin("auto-upgrade", "--log-level=warn")
    db.odoo_bin("auto-upgrade", "--log-level=warn")
    db.shell('env["ir.module.module"].upgrade_changed_checksum(); env.cr.commit()')
    rows = db.sql("SELECT trigger, result, run_count FROM module_auto_update_run ORDER BY id")
    assert rows == [
        ("command line", "nothing to do", 3),
        ("command line", "done", 1),
        ("command line", "nothing to do", 1),
        ("shell", "nothing to do", 1),
    ]
