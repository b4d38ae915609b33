# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every auto-upgrade run leaves a history row, failed runs included.

(Who may read the history and where its menu is: module_auto_update/tests/test_checksums.py.)
"""

RUNS = """
import pathlib
from datetime import datetime, timedelta

import psycopg2

from odoo.addons.module_auto_update.core.stored import record_run

M = env["ir.module.module"]
addons = pathlib.Path({addons!r})
# What this checkout holds now is the reference: the first run has nothing to do.
M._save_installed_checksums()
env.cr.commit()
M.upgrade_changed_checksum()
env.ref("module_auto_update.cron_upgrade_changed_checksum").method_direct_trigger()
env.cr.commit()
(addons / "mau_sample_e" / "README.rst").write_text("changed\\n")
M.upgrade_changed_checksum()
env.cr.execute("SELECT name, checksum FROM module_auto_update_checksum")
saved_after_success = dict(env.cr.fetchall())
view = addons / "mau_sample_c" / "views" / "views.xml"
view.write_text(view.read_text().replace("</odoo>", "<record"))  # malformed XML
try:
    M.upgrade_changed_checksum()
    failure = None
except Exception as exc:
    failure = str(exc)
env.cr.execute("SELECT name, checksum FROM module_auto_update_checksum")
saved_after_failure = dict(env.cr.fetchall())

# What the command line does, with a plain cursor and no registry.
conn = psycopg2.connect(dbname=env.cr.dbname)
start = datetime(2026, 1, 2, 3, 4, 5)
record_run(conn.cursor(), "command line", start, start + timedelta(seconds=1.5), "done", ["mau_sample_c"])
conn.commit()
conn.close()
result({{"failure": failure, "failed_run_saved_nothing": saved_after_failure == saved_after_success}})
"""


def test_history_of_nothing_done_failed_and_command_line_runs(recorded_db):
    db = recorded_db
    out = db.shell(RUNS.format(addons=str(db.addons_dir)))
    assert out["failure"] and "mau_sample_c" in out["failure"], out
    assert out["failed_run_saved_nothing"]

    rows = db.sql(
        "SELECT trigger, user_id, database, result, upgraded, error, started_at <= ended_at, duration "
        "FROM module_auto_update_run ORDER BY id"
    )
    assert [(r[0], r[3]) for r in rows] == [
        ("shell", "nothing to do"),
        ("scheduled action", "nothing to do"),
        ("shell", "done"),
        ("shell", "failed"),
        ("command line", "done"),
    ]
    nothing, scheduled, done, failed, command_line = rows
    for row in rows[:4]:
        assert row[1] == 1 and row[2] == db.name and row[6] and row[7] >= 0, row
    assert nothing[4] is None and nothing[5] is None
    assert done[4] == "mau_sample_e, mau_sample_f, mau_sample_g" and done[5] is None
    # written on its own cursor: the failed upgrade's rollback did not erase it
    assert failed[4] is None and "mau_sample_c" in failed[5]
    assert command_line[1] is None and command_line[4] == "mau_sample_c" and command_line[7] == 1.5
