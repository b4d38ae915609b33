# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a run reports is true of the database afterwards.

The outcome is decided by the database: once the upgrade's ``COMMIT`` took
effect, the run is ``done``, and what fails after it (post-commit work such
as bus notifications) is a warning of what did not happen. Before the
commit, a failure is a failure and the database is left as it was. Each
case compares what the entry point said, its exit code, the history row and
the database.
"""

import json
import subprocess

import odoo_env
import pytest
from test_all_or_nothing import (
    ENTRIES,
    IN_ODOO,
    assert_unchanged,
    change,
    command,
    edit,
    last_run,
    run,
    script,
    write,
)

# mau_probe_c gains a dependency on Odoo's contacts, which installs mail (bus is there already,
# through web): their post-commit work (bus notifications) runs once, after the one commit.
PULLED = {"contacts", "mail"}


@pytest.fixture
def db(probe_db):
    return probe_db


def installed(db, names):
    rows = db.sql("SELECT name FROM ir_module_module WHERE name = ANY(%s) AND state = 'installed'", (list(names),))
    return {name for (name,) in rows}


def check(db):
    """``--check``: exit code and result word."""
    proc = db.odoo_bin("auto-upgrade", "--check", "--format=json", check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc.returncode, lines[-1]["result"] if lines else proc.stderr[-2000:]


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_new_dependency_that_pulls_mail_and_bus(db, entry):
    change(db)
    edit(db.addon("mau_probe_c") / "__manifest__.py", '"depends": ["base"]', '"depends": ["base", "contacts"]')
    ok, said = run(entry, db)
    assert ok, said
    recorded = last_run(db)
    assert recorded["result"] == "done" and not recorded["error"], recorded
    assert PULLED <= set(recorded["upgraded"].split(", ")), recorded
    assert installed(db, {*PULLED, "bus"}) == {*PULLED, "bus"}
    assert not db.pending()
    assert db.sql("SELECT after_commit FROM module_auto_update_run ORDER BY id DESC LIMIT 1") == [(None,)]
    assert check(db) == (0, "nothing to do")


BOOM = """
    def boom():
        raise KeyError("probe post-commit")

    cr.postcommit.add(boom)
"""


@pytest.mark.parametrize("entry", ("command line", "in Odoo"))
def test_post_commit_work_that_fails_is_a_warning_of_a_done_upgrade(db, entry):
    change(db)
    write(
        db.addon("mau_probe_a") / "migrations" / "18.0.1.0.1" / "post-migrate.py", script("mau_probe_a", "post", BOOM)
    )
    argv, env = command(entry, db)
    proc = subprocess.run(
        argv, env=env, input=IN_ODOO if entry == "in Odoo" else None, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    if entry == "in Odoo":
        (said,) = [line for line in proc.stdout.splitlines() if line.startswith(("OUTCOME", "FAILED"))]
        assert said.startswith("OUTCOME Upgraded: ") and "The upgrade is committed, but post-commit work" in said
    else:
        (out,) = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        assert out["result"] == "done" and out["error"] is None, out
        (said,) = out["after_commit"]
    assert "boom" in said and "probe post-commit" in said and "did not happen" in said, said
    assert "left as it was" not in proc.stdout + proc.stderr
    # The database is upgraded, and the history says so.
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_probe_a'") == [("18.0.1.0.1",)]
    (result, error, warnings) = db.sql(
        "SELECT result, error, after_commit FROM module_auto_update_run ORDER BY id DESC LIMIT 1"
    )[0]
    assert (result, error) == ("done", None) and "probe post-commit" in warnings
    assert check(db) == (0, "nothing to do")


# A constraint checked at COMMIT: the commit itself fails, and PostgreSQL rolls everything back.
AT_COMMIT = """
    cr.execute(\"\"\"
        CREATE FUNCTION mau_probe_refuse() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'probe refused at commit'; END $$;
        CREATE CONSTRAINT TRIGGER mau_probe_at_commit AFTER INSERT ON mau_probe_log
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION mau_probe_refuse();
        INSERT INTO mau_probe_log VALUES ('mau_probe_a', 'deferred');
    \"\"\")
"""


@pytest.mark.parametrize("entry", ("command line", "in Odoo"))
def test_a_failure_at_the_commit_is_a_failure_and_changes_nothing(db, entry):
    before = odoo_env.database_snapshot(db.name)
    change(db)
    write(
        db.addon("mau_probe_a") / "migrations" / "18.0.1.0.1" / "end-migrate.py",
        script("mau_probe_a", "end", AT_COMMIT),
    )
    ok, said = run(entry, db)
    assert not ok, said
    assert "probe refused at commit" in said and "left as it was" in said, said
    assert_unchanged(db, before)
    recorded = last_run(db)
    assert recorded["result"] == "failed" and "probe refused at commit" in recorded["error"], recorded
    assert check(db)[1] == "upgrade needed"
