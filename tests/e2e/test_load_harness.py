# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The load harness (tools/load.py) itself, against a real server, no upgrade:
it counts requests, fails none, loses nothing, and does see a write taken
away behind its back."""

import time

import odoo_env
import pytest
from load import Load


def test_hot_rows_are_shared_among_the_clients():
    with pytest.raises(ValueError):
        Load("http://127.0.0.1:1", "nowhere", clients=4, hot=3)


def test_a_quiet_server_answers_everything_and_loses_nothing(recorded_db, tmp_path):
    db = recorded_db
    with odoo_env.serve(db.odoo, db.name, tmp_path / "server.log", addons=[db.addons_dir]) as url:
        with Load(url, db.name, clients=4, hot=8, timeout=60) as load:
            time.sleep(1.5)
            load.phase("during")
            time.sleep(1.5)
    report = load.report()
    assert report["requests"] > 0 and report["failed"] == 0, report
    assert set(report["phases"]) == {"before", "during"}
    assert all(
        phase["requests"] > 0 and phase["p50"] <= phase["p99"] <= phase["max"] for phase in report["phases"].values()
    )
    assert report["acknowledged_writes"] > 0 and report["acknowledged_creates"] > 0, report
    assert load.lost(db.name) == []
    # The owners' tokens are on the rows: the default comparison is strict.
    assert load.lost(db.name, matches=lambda acked, value: False)

    # A write undone and a create deleted behind the harness's back are reported.
    tampered, created = load.hot_ids[0], load.created[0][0]
    db.sql("UPDATE res_partner SET comment = 'someone else' WHERE id = %s", (tampered,))
    db.sql("DELETE FROM res_partner WHERE id = %s", (created,))
    lost = load.lost(db.name)
    assert len(lost) == 2, lost
    assert "hot row 0" in lost[0] and "'someone else'" in lost[0], lost
    assert f"(id {created}) is missing" in lost[1], lost
    # An appended value passes with a predicate that allows it.
    db.sql("UPDATE res_partner SET comment = comment || ' migrated' WHERE id = ANY(%s)", (load.hot_ids[1:],))
    assert len(load.lost(db.name, matches=lambda acked, value: value == f"{acked} migrated")) == 2
