# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The plan's checks of migration scripts: those the version does not let run, those edited after they ran."""

import json

import pytest
from plans import build_plan

from module_auto_update.core import messages, migration, plan

INSTALLED = "18.0.1.0.0"


def inputs(version="1.0.0", scripts=None, files=None, digests=None, recorded=None, changed=True):
    """a (installed at 18.0.1.0.0, manifest at ``version``) and b depending on it; a changed or not."""
    names = {"base": (), "a": ("base",), "b": ("a",)}
    data = {
        "installed": {n: {"version": INSTALLED, "depends": list(d)} for n, d in names.items()},
        "current": {n: f"sha-{n}" for n in names},
        "saved": {n: f"sha-{n}" for n in names},
        "manifests": {n: {"depends": list(d), "version": INSTALLED, "installable": True} for n, d in names.items()},
        "scripts": {"a": scripts or {}},
        "script_digests": {"a": digests or {}},
        "recorded_scripts": {"a": recorded or {}},
    }
    data["manifests"]["a"]["version"] = migration.full_version(version, "18.0")
    if changed:
        data["current"]["a"] = "new-a"
        data["saved_files"] = {"a": {}}
        data["current_files"] = {"a": {path: "x" for path in (files or {}).get("added", ())}}
        for path in (files or {}).get("modified", ()):
            data["saved_files"]["a"][path], data["current_files"]["a"][path] = "old", "new"
    else:
        data["current"]["base"] = "new-base"  # a is upgraded as a dependent, unchanged
    return data


def found(result, kind=None):
    return [
        (w["code"], w["file"], w["params"].get("target"))
        for w in result["warnings"]
        if w["kind"] in ((kind,) if kind else ("migration-not-reached", "migration-edited"))
    ]


@pytest.mark.parametrize(
    "folder, installed, manifest, place",
    [
        ("1.0.0", "18.0.1.0.0", "18.0.1.0.0", migration.PAST),
        ("18.0.1.0.0", "18.0.1.0.0", "18.0.1.0.0", migration.PAST),
        ("1.0.1", "18.0.1.0.0", "18.0.1.0.0", migration.BEYOND),
        ("0.0.0", "18.0.1.0.0", "18.0.1.0.0", migration.PAST),
        ("0.0.0", "18.0.1.0.0", "18.0.1.1", migration.RUNS),
        ("1.0.1", "18.0.1.0.0", "18.0.1.1", migration.RUNS),
        ("1.1", "18.0.1.0.0", "18.0.1.1.0", migration.RUNS),
        ("1.2", "18.0.1.0.0", "18.0.1.1", migration.BEYOND),
        ("18.0.1.2", "18.0.1.0.0", "18.0.1.1", migration.BEYOND),
        ("17.0.1.1", "18.0.1.0.0", "18.0.1.1", migration.PAST),
        # Without a series, the module version alone counts: 1.0 ran under 17.0, not again under 18.0.
        ("1.0", "17.0.1.0", "18.0.1.0", migration.PAST),
    ],
)
def test_folder_place_is_odoo_s_range(folder, installed, manifest, place):
    assert migration.folder_place(folder, installed, manifest, "18.0") == place


def test_next_version():
    assert migration.next_version("18.0.1.0.0") == "18.0.1.0.1"
    assert migration.next_version("18.0.1.9") == "18.0.1.10"


SCRIPTS = {
    "1.0.1": ["migrations/1.0.1/post-x.py", "migrations/1.0.1/notes.txt"],
    "18.0.1.0.2": ["migrations/18.0.1.0.2/pre-y.py"],
    "1.0.0": ["migrations/1.0.0/pre-new.py", "migrations/1.0.0/pre-old.py", "migrations/1.0.0/pre-ran.py"],
    "0.0.0": ["migrations/0.0.0/end-any.py"],
    "foo": ["migrations/foo/pre-invalid.py"],
}
ADDED = ["migrations/1.0.0/pre-new.py", "migrations/0.0.0/end-any.py", "migrations/1.0.0/pre-ran.py"]


def test_version_not_bumped():
    data = inputs(scripts=SCRIPTS, files={"added": ADDED, "modified": ["migrations/1.0.0/pre-old.py"]})
    data["recorded_scripts"]["a"] = {"migrations/1.0.0/pre-ran.py": {"version": "1.0.0", "digest": "d"}}
    result = build_plan(**data)
    assert result["migrations"] == []
    assert found(result) == [
        ("migration-not-reached-any", "a/migrations/0.0.0/end-any.py", "18.0.1.0.1"),
        ("migration-not-reached-installed", "a/migrations/1.0.0/pre-new.py", "18.0.1.0.1"),
        # Both beyond the manifest: bumping to the highest runs them both.
        ("migration-not-reached", "a/migrations/1.0.1/post-x.py", "18.0.1.0.2"),
        ("migration-not-reached", "a/migrations/18.0.1.0.2/pre-y.py", "18.0.1.0.2"),
    ], "not the modified script never recorded, the recorded one, a text file or an invalid folder"
    details = {w["file"]: w["detail"] for w in result["warnings"]}
    assert details["a/migrations/1.0.1/post-x.py"] == (
        "a/migrations/1.0.1/post-x.py is for version 18.0.1.0.1, above the version in __manifest__.py "
        "(18.0.1.0.0): it will not run. Bump the version in __manifest__.py to 18.0.1.0.2."
    )
    assert details["a/migrations/1.0.0/pre-new.py"] == (
        "a/migrations/1.0.0/pre-new.py is new, for version 18.0.1.0.0, which is not above the installed version "
        "(18.0.1.0.0): it will not run. Move it to a migrations folder of version 18.0.1.0.1 and set the version "
        "in __manifest__.py to 18.0.1.0.1."
    )
    assert "runs only when the version changes" in details["a/migrations/0.0.0/end-any.py"]
    assert result["summary"]["warnings"] == 4
    text = plan.render_text(result)
    assert "  a [migration-not-reached] a/migrations/1.0.1/post-x.py is for version 18.0.1.0.1" in text
    assert json.loads(json.dumps(result)) == result


def test_version_bumped_but_not_far_enough_or_script_in_a_past_folder():
    data = inputs(version="1.0.1", scripts=SCRIPTS, files={"added": ADDED})
    result = build_plan(**data)
    [migration] = result["migrations"]
    assert [s["path"] for s in migration["scripts"]] == ["migrations/1.0.1/post-x.py", "migrations/0.0.0/end-any.py"]
    assert found(result) == [
        # The manifest goes up already: the script moves to its version.
        ("migration-not-reached-installed", "a/migrations/1.0.0/pre-new.py", "18.0.1.0.1"),
        ("migration-not-reached-installed", "a/migrations/1.0.0/pre-ran.py", "18.0.1.0.1"),
        ("migration-not-reached", "a/migrations/18.0.1.0.2/pre-y.py", "18.0.1.0.2"),
    ]


def test_unknown_file_changes_and_unchanged_addons_tell_nothing_new():
    # Without a per-file record (a first run, another tool's), no script is known to be new.
    data = inputs(scripts=SCRIPTS)
    data["saved_files"] = data["current_files"] = {}
    assert found(build_plan(**data)) == [
        ("migration-not-reached", "a/migrations/1.0.1/post-x.py", "18.0.1.0.2"),
        ("migration-not-reached", "a/migrations/18.0.1.0.2/pre-y.py", "18.0.1.0.2"),
    ]
    # An addon upgraded only as a dependent did not change: nothing to say of its version.
    result = build_plan(**inputs(scripts=SCRIPTS, changed=False))
    assert "a" in [c["module"] for c in result["cascade"]] and found(result) == []


def test_script_edited_after_it_ran():
    scripts = {
        "1.0.0": ["migrations/1.0.0/post-edited.py", "migrations/1.0.0/post-same.py"],
        "0.0.0": ["migrations/0.0.0/end-any.py"],
        "1.1": ["migrations/1.1/pre-again.py"],
    }
    recorded = {
        path: {"version": path.split("/")[1], "stage": "post", "digest": "old", "ran_at": "2026-01-02 03:04:05"}
        for path in [*(p for paths in scripts.values() for p in paths), "migrations/1.0.0/post-removed.py"]
    }
    digests = {p: "old" if "same" in p else "new" for paths in scripts.values() for p in paths}
    for changed in (True, False):
        result = build_plan(**inputs(scripts=scripts, digests=digests, recorded=recorded, changed=changed))
        assert found(result) == [("migration-edited", "a/migrations/1.0.0/post-edited.py", None)], (
            "not the unchanged, removed or 0.0.0 scripts"
        )
    [warning] = [w for w in result["warnings"] if w["kind"] == "migration-edited"]
    assert (warning["module"], warning["ran_at"]) == ("a", "2026-01-02 03:04:05")
    assert warning["detail"] == (
        "a/migrations/1.0.0/post-edited.py was edited after it ran on this database (version 18.0.1.0.0): its "
        "changes will never run again. Put them in a new migration for a higher version."
    )
    # A script that will run again (its folder above the installed version again) is not said to be edited.
    again = build_plan(**inputs(version="1.1", scripts=scripts, digests=digests, recorded=recorded))
    assert ("migration-edited", "a/migrations/1.1/pre-again.py", None) not in found(again)


def test_scripts_run_are_those_of_the_upgraded_addons_with_a_digest():
    the_plan = {
        "migrations": [
            {"module": "a", "scripts": [{"stage": "pre", "version": "1.1", "path": "m/1.1/pre-a.py", "digest": "d"}]},
            {"module": "b", "scripts": [{"stage": "pre", "version": "1.1", "path": "m/1.1/pre-b.py", "digest": "e"}]},
            {"module": "c", "scripts": [{"stage": "end", "version": "1.1", "path": "m/1.1/end-c.py", "digest": None}]},
        ]
    }
    assert migration.scripts_run(the_plan, ["a", "c"]) == [
        {"module": "a", "stage": "pre", "version": "1.1", "path": "m/1.1/pre-a.py", "digest": "d"}
    ]
    assert migration.scripts_run(None, ["a"]) == []


def test_migration_sentences_render_from_their_codes():
    data = inputs(scripts=SCRIPTS, files={"added": ADDED})
    data["recorded_scripts"]["a"] = {"migrations/1.0.0/pre-old.py": {"version": "1.0.0", "digest": "d"}}
    data["script_digests"]["a"] = {"migrations/1.0.0/pre-old.py": "e"}
    result = build_plan(**data)
    codes = {w["code"] for w in result["warnings"]}
    assert codes == {
        "migration-not-reached",
        "migration-not-reached-installed",
        "migration-not-reached-any",
        "migration-edited",
    }
    shout = lambda template, **params: (template % params).upper()  # noqa: E731
    for warning in result["warnings"]:
        assert messages.render(warning["code"], warning["params"], shout) == warning["detail"].upper()
