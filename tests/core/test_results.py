# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A run's ``Result``: the fields every entry point reports, filled as the run learns them."""

import pickle

import pytest

from module_auto_update.core import results


def test_update_sets_known_fields_only():
    result = results.Result("db")
    result.update({"result": results.DONE, "upgraded": ["a"]}, attempts=2)
    assert (result.result, result.upgraded, result.attempts) == (results.DONE, ["a"], 2)
    with pytest.raises(TypeError, match="no field 'upgraded_addons'"):
        result.update(upgraded_addons=["a"])


def test_crosses_a_process_boundary_whole():
    # The fleet sends each database's Result from its process through a pipe.
    result = results.Result("db", results.FAILED, error="boom", locks=[{"table": "t", "mode": "m", "seconds": 1.0}])
    assert pickle.loads(pickle.dumps(result)) == result
    assert set(result.as_dict()) == {
        "database", "result", "plan", "upgraded", "error", "duration",
        "attempts", "locks", "restart_needed", "restart_addons", "restart_processes", "rehearsal", "after_commit",
    }  # fmt: skip
