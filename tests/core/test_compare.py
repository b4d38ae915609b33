# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from module_auto_update.core import compare


def test_reasons():
    current = {"a": "1", "b": "2", "c": "3", "gone": False, "bad": None, "f": "9"}
    saved = {"a": "1", "b": "x", "gone": "4", "bad": "5", "f": "9"}
    reasons = compare.changed_addons(current, saved, forced={"f"})
    assert reasons == {
        "b": compare.CHANGED,
        "c": compare.NEVER_RECORDED,
        "gone": compare.FOLDER_MISSING,
        "bad": compare.UNREADABLE,
        "f": compare.FORCED,
    }
    assert compare.upgradable(reasons) == ["b", "bad", "c", "f"]


def test_empty_saved_value_counts_as_never_recorded():
    assert compare.changed_addons({"a": "1"}, {"a": ""}) == {"a": compare.NEVER_RECORDED}


def test_diff_files():
    old = {"a": "1", "b": "2", "c": "3"}
    new = {"b": "2", "c": "x", "d": "4"}
    assert compare.diff_files(old, new) == {"added": ["d"], "removed": ["a"], "modified": ["c"]}
    assert compare.diff_files(None, {"a": "1"}) == {"added": ["a"], "removed": [], "modified": []}
