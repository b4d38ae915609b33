# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""After an upgrade, a serving Odoo reloads its registry once.

Odoo tells its processes to reload a database's registry by moving the
sequence ``base_registry_signaling``; a server logs "Reloading the model
registry after database signaling." at each reload. A threaded server serves
ten JSON-RPC clients (``tools/load.py``) writing the rows that the upgraded
addon's post-migration updates, so that the upgrade's commit releases them
together: the run moves the sequence once, after its commit, and the server
reloads once, whatever the number of its threads that meet the new sequence.
"""

import time

import odoo_env
from load import Load, change_sample

RELOAD = "Reloading the model registry after database signaling."


def signal_position(db):
    return db.sql("SELECT last_value FROM base_registry_signaling")[0][0]


def test_a_serving_server_reloads_its_registry_once_after_an_upgrade(recorded_db, tmp_path):
    db = recorded_db
    log = tmp_path / "server.log"
    with (
        odoo_env.serve(db.odoo, db.name, log, addons=[db.addons_dir]) as url,
        Load(url, db.name, clients=10, hot=20) as load,
    ):
        time.sleep(2)
        change_sample(db.addons_dir, tmp_path / "migration_runs")
        before = signal_position(db)
        load.phase("during")
        proc = db.odoo_bin("auto-upgrade", check=False)
        load.phase("after")
        time.sleep(3)  # every client went through the new sequence meanwhile
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert signal_position(db) == before + 1, "the run signals once, after its commit"
    report = load.report()
    assert report["failed"] == 0, report["failures"]
    assert report["phases"]["after"]["requests"] >= 10, report["phases"]
    reloads = [line for line in log.read_text().splitlines() if RELOAD in line]
    assert len(reloads) == 1, "\n".join(reloads)
