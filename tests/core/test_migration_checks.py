# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The plan's checks of migration scripts: those the version does not let run (blocking unless allowed),
those edited after they ran, those that would fail to load (syntax, imports); a failed script's root cause."""

import json
import sys

import pytest
from plans import build_plan

from module_auto_update.cli import command
from module_auto_update.core import messages, migration, plan, preflight, results
from module_auto_update.upgrade import failure

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


def found(result, key="warnings"):
    """``(code, file, target)`` of the plan's migration entries under ``key`` (warnings or blocking)."""
    return [
        (w["code"], w["file"], w["params"].get("target"))
        for w in result[key]
        if w["code"].startswith(("migration-not-reached", "migration-edited"))
    ]


def allowed(**data):
    """The plan with the scripts that the versions keep from running allowed (--allow-unrun-migrations)."""
    return build_plan(**data, allow_unrun=True)


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


NOT_BUMPED = [
    ("migration-not-reached-any", "a/migrations/0.0.0/end-any.py", "18.0.1.0.1"),
    ("migration-not-reached-installed", "a/migrations/1.0.0/pre-new.py", "18.0.1.0.1"),
    # Both beyond the manifest: bumping to the highest runs them both.
    ("migration-not-reached", "a/migrations/1.0.1/post-x.py", "18.0.1.0.2"),
    ("migration-not-reached", "a/migrations/18.0.1.0.2/pre-y.py", "18.0.1.0.2"),
]


def test_version_not_bumped_blocks_with_the_version_to_set():
    data = inputs(scripts=SCRIPTS, files={"added": ADDED, "modified": ["migrations/1.0.0/pre-old.py"]})
    data["recorded_scripts"]["a"] = {"migrations/1.0.0/pre-ran.py": {"version": "1.0.0", "digest": "d"}}
    result = build_plan(**data)
    assert result["migrations"] == []
    assert found(result, "blocking") == NOT_BUMPED, (
        "not the modified script never recorded, the recorded one, a text file or an invalid folder"
    )
    assert found(result) == [] and result["summary"]["blocking"] == 4
    assert [b["line"] for b in result["blocking"]] == [None] * 4
    details = {b["file"]: b["detail"] for b in result["blocking"]}
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
    # How to say it is meant: once, in the information.
    [info] = [i for i in result["info"] if i["code"] == "migrations-unrun-allowed"]
    assert "--allow-unrun-migrations" in info["detail"]
    assert "module_auto_update.allow_unrun_migrations" in info["detail"]
    assert "auto_upgrade_allow_unrun_migrations" in info["detail"]
    text = plan.render_text(result)
    assert "  a/migrations/1.0.1/post-x.py: a/migrations/1.0.1/post-x.py is for version 18.0.1.0.1" in text
    assert json.loads(json.dumps(result)) == result


def test_version_not_bumped_allowed_is_a_warning():
    data = inputs(scripts=SCRIPTS, files={"added": ADDED, "modified": ["migrations/1.0.0/pre-old.py"]})
    data["recorded_scripts"]["a"] = {"migrations/1.0.0/pre-ran.py": {"version": "1.0.0", "digest": "d"}}
    result = allowed(**data)
    assert result["blocking"] == [] and found(result) == NOT_BUMPED
    assert {w["kind"] for w in result["warnings"]} == {"migration-not-reached"}
    assert result["summary"]["warnings"] == 4
    assert "migrations-unrun-allowed" not in [i["code"] for i in result["info"]]
    text = plan.render_text(result)
    assert "  a [migration-not-reached] a/migrations/1.0.1/post-x.py is for version 18.0.1.0.1" in text


def test_version_bumped_but_not_far_enough_or_script_in_a_past_folder():
    data = inputs(version="1.0.1", scripts=SCRIPTS, files={"added": ADDED})
    result = build_plan(**data)
    [migration] = result["migrations"]
    assert [s["path"] for s in migration["scripts"]] == ["migrations/1.0.1/post-x.py", "migrations/0.0.0/end-any.py"]
    expected = [
        # The manifest goes up already: the script moves to its version.
        ("migration-not-reached-installed", "a/migrations/1.0.0/pre-new.py", "18.0.1.0.1"),
        ("migration-not-reached-installed", "a/migrations/1.0.0/pre-ran.py", "18.0.1.0.1"),
        ("migration-not-reached", "a/migrations/18.0.1.0.2/pre-y.py", "18.0.1.0.2"),
    ]
    assert found(result, "blocking") == expected
    assert found(allowed(**data)) == expected


def test_unknown_file_changes_and_unchanged_addons_tell_nothing_new():
    # Without a per-file record (a first run, another tool's), no script is known to be new.
    data = inputs(scripts=SCRIPTS)
    data["saved_files"] = data["current_files"] = {}
    assert found(build_plan(**data), "blocking") == [
        ("migration-not-reached", "a/migrations/1.0.1/post-x.py", "18.0.1.0.2"),
        ("migration-not-reached", "a/migrations/18.0.1.0.2/pre-y.py", "18.0.1.0.2"),
    ]
    # An addon upgraded only as a dependent did not change: nothing to say of its version.
    result = build_plan(**inputs(scripts=SCRIPTS, changed=False))
    assert "a" in [c["module"] for c in result["cascade"]] and found(result) == found(result, "blocking") == []


def outside_upgrade(recorded, scripts, added):
    """a's files as recorded when a was installed at ``recorded``; since, ``odoo-bin -u a`` took it to
    18.0.1.0.0, the version of its manifest, with the scripts ``added`` (not recorded by us)."""
    data = inputs(scripts=scripts, files={"added": added})
    data["saved_versions"] = {"a": recorded} if recorded else {}
    return data


def test_scripts_that_an_outside_upgrade_ran_are_not_new():
    scripts = {
        "0.9.0": ["migrations/0.9.0/pre-before.py"],  # up to the recorded version: never ran
        "0.9.5": ["migrations/0.9.5/post-between.py"],
        "1.0.0": ["migrations/1.0.0/post-reached.py"],
        "0.0.0": ["migrations/0.0.0/end-any.py"],
    }
    added = [path for paths in scripts.values() for path in paths]
    result = build_plan(**outside_upgrade("18.0.0.9.0", scripts, added))
    assert found(result, "blocking") == [
        ("migration-not-reached-installed", "a/migrations/0.9.0/pre-before.py", "18.0.1.0.1")
    ], "the outside upgrade from 18.0.0.9.0 to 18.0.1.0.0 ran the others, 0.0.0 included"
    # The recorded version unknown (recorded before the column, or by another tool): every new one is said.
    assert len(found(build_plan(**outside_upgrade(None, scripts, added)), "blocking")) == 4
    # No outside upgrade (the recorded version is the installed one): nothing ran.
    assert len(found(build_plan(**outside_upgrade(INSTALLED, scripts, added)), "blocking")) == 4
    # Recorded as run by us: not new either (and a script edited since is migration-edited).
    data = outside_upgrade(None, scripts, added)
    data["recorded_scripts"]["a"] = {path: {"version": path.split("/")[1], "digest": "d"} for path in added}
    assert found(build_plan(**data), "blocking") == []


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
    bumped = inputs(version="1.0.1", scripts=SCRIPTS, files={"added": ADDED})
    bumped["script_problems"] = {"a": {"migrations/1.0.1/post-x.py": missing_import("migrations/1.0.1/post-x.py")}}
    shout = lambda template, **params: (template % params).upper()  # noqa: E731
    for result in (allowed(**data), build_plan(**data), build_plan(**bumped)):
        for item in [*result["warnings"], *result["blocking"], *result["info"]]:
            assert messages.render(item["code"], item["params"], shout) == item["detail"].upper()
    codes = {w["code"] for w in allowed(**data)["warnings"]}
    assert codes == {
        "migration-not-reached",
        "migration-not-reached-installed",
        "migration-not-reached-any",
        "migration-edited",
    }
    assert "migration-import-missing" in {b["code"] for b in build_plan(**bumped)["blocking"]}


# Scripts that would fail to load ----------------------------------------------------


def missing_import(path, package="openupgradelib", line=3):
    """What ``preflight.check_script`` says of script ``path`` of addon a that imports a missing ``package``."""
    return [messages.blocking("a", "migration-import-missing", f"a/{path}", line, package=package)]


def test_script_problems_block_only_the_scripts_that_run():
    data = inputs(version="1.0.1", scripts=SCRIPTS, files={"added": ADDED})
    data["script_problems"] = {
        "a": {
            "migrations/1.0.1/post-x.py": missing_import("migrations/1.0.1/post-x.py"),
            "migrations/1.0.0/pre-old.py": missing_import("migrations/1.0.0/pre-old.py"),  # does not run
        }
    }
    result = allowed(**data)
    assert [(b["code"], b["file"], b["line"], b["params"]["package"]) for b in result["blocking"]] == [
        ("migration-import-missing", "a/migrations/1.0.1/post-x.py", 3, "openupgradelib")
    ]
    assert "a/migrations/1.0.1/post-x.py:3: A migration script of a imports openupgradelib" in plan.render_text(result)
    # A syntax error the scan of the addon's code found already is said once.
    syntax = messages.blocking("a", "python-invalid", "a/migrations/1.0.1/post-x.py", 2, error="invalid syntax")
    data["script_problems"]["a"]["migrations/1.0.1/post-x.py"] = [syntax]
    assert allowed(**data, problems=[syntax])["blocking"] == [syntax]


def write_script(tmp_path, text, name="post-x.py"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_script_is_compiled_and_its_imports_looked_up(tmp_path):
    script = write_script(
        tmp_path,
        "import json\n"
        "import mau_no_such_package.sub as sub\n"
        "from odoo.addons.mau_other import models\n"
        "from odoo.addons import mau_other, mau_gone\n"
        "from . import sibling\n"
        "try:\n"
        "    import mau_optional\n"
        "except ImportError:\n"
        "    mau_optional = None\n"
        "\n\n"
        "def migrate(cr, version):\n"
        "    from json import mau_no_such_submodule\n"
        "    import mau_no_such_package\n"  # said once, at its first line
        "    from mau_inner_missing import thing\n",
    )
    asked = []

    def missing(name, names):
        asked.append((name, names))
        lacking = [part for part in (name, *(f"{name}.{sub}" for sub in names)) if "mau_" in part]
        return lacking[0] if lacking else None

    problems = preflight.check_script("a", "migrations/1.0.1/post-x.py", script, {"a", "mau_other"}, missing)
    # Relative and optional imports, and odoo.addons of the addons on disk, are not looked up.
    assert asked == [
        ("json", ()),
        ("mau_no_such_package.sub", ()),
        ("odoo.addons", ("mau_other", "mau_gone")),
        ("json", ("mau_no_such_submodule",)),
        ("mau_no_such_package", ()),
        ("mau_inner_missing", ("thing",)),
    ]
    assert [(p["code"], p["file"], p["line"], p["params"]["package"]) for p in problems] == [
        ("migration-import-missing", "a/migrations/1.0.1/post-x.py", 2, "mau_no_such_package.sub"),
        ("migration-import-missing", "a/migrations/1.0.1/post-x.py", 4, "odoo.addons.mau_other"),
        ("migration-import-missing", "a/migrations/1.0.1/post-x.py", 13, "json.mau_no_such_submodule"),
        ("migration-import-missing", "a/migrations/1.0.1/post-x.py", 14, "mau_no_such_package"),
        ("migration-import-missing", "a/migrations/1.0.1/post-x.py", 15, "mau_inner_missing"),
    ]
    # In this process: what is missing indeed, the addons folder aside.
    problems = preflight.check_script("a", "migrations/1.0.1/post-x.py", script, {"a", "mau_other", "mau_gone"})
    assert [(p["line"], p["params"]["package"]) for p in problems] == [
        (2, "mau_no_such_package"),
        (13, "json.mau_no_such_submodule"),
        (15, "mau_inner_missing"),
    ]
    assert problems[0]["detail"] == (
        "A migration script of a imports mau_no_such_package, which the Python running Odoo cannot import: the "
        "script would fail to load. Install the package that provides it, and declare it in the "
        "external_dependencies of a."
    )


@pytest.mark.parametrize(
    ("text", "line", "error"),
    [
        ("def migrate(cr, version)\n    pass\n", 1, "expected ':'"),
        # Only the compiler sees it: ast.parse alone accepts it.
        ("def migrate(cr, version):\n    pass\n\nreturn 1\n", 4, "'return' outside function"),
    ],
)
def test_a_script_that_does_not_compile_is_blocking(tmp_path, text, line, error):
    script = write_script(tmp_path, text)
    [problem] = preflight.check_script("a", "/srv/upgrade/a/18.0.1.0.1/post-x.py", script)
    assert (problem["code"], problem["file"], problem["line"]) == (
        "python-invalid",
        "/srv/upgrade/a/18.0.1.0.1/post-x.py",
        line,
    )
    assert problem["params"]["error"] == error


def test_missing_module_imports_nothing_new():
    assert preflight.missing_module("json") is None
    assert preflight.missing_module("mau_no_such_package.sub") == "mau_no_such_package"
    assert preflight.missing_module("logging.mau_no_such") == "logging.mau_no_such"
    assert preflight.missing_module("logging", ("getLogger", "handlers")) is None
    assert preflight.missing_module("logging", ("mau_no_such",)) == "logging.mau_no_such"
    # Below a package not imported yet, nothing is looked up: that would run the package's code.
    package = "xmlrpc"
    if package in sys.modules:
        pytest.skip(f"{package} is imported already")
    assert preflight.missing_module(f"{package}.mau_no_such") is None
    assert package not in sys.modules


# Exit codes and errors --------------------------------------------------------------


def test_a_run_refused_for_blocking_problems_exits_blocked():
    blocked_plan = {"blocking": [{"code": "migration-not-reached"}], "warnings": []}
    refused = results.Result("db", results.FAILED, plan=blocked_plan, error="The upgrade did not start: ...")
    failed = results.Result("other", results.FAILED, plan={"blocking": [], "warnings": []}, error="boom")
    assert command.exit_code([refused], False) == command.EXIT_BLOCKED
    assert command.exit_code([refused, failed], False) == command.EXIT_FAILED
    assert command.exit_code([results.Result("db", results.DRY_RUN, plan=blocked_plan)], False) == 5


def test_the_option_is_parsed():
    parser = command.build_parser("auto-upgrade")
    assert parser.parse_args(["--allow-unrun-migrations"]).allow_unrun_migrations is True
    assert parser.parse_args([]).allow_unrun_migrations is False


def exec_script(cr, installed_version, pyfile, addon, stage):
    """Raises as Odoo's ``exec_script`` does when a script cannot be loaded (odoo/modules/migration.py)."""
    try:
        import mau_no_such_package  # noqa: F401, PLC0415
    except ImportError as e:
        raise ImportError(f"module {addon}: Unable to load {stage}-migration file {pyfile}") from e


def test_a_script_that_fails_to_load_names_the_root_cause():
    pyfile = "/srv/addons/a/migrations/18.0.1.0.1/post-x.py"
    with pytest.raises(ImportError) as caught:
        exec_script(None, "18.0.1.0.0", pyfile, "a", "post")
    said = str(failure.describe(caught.value))
    assert said == (
        "Upgrade failed in addon a (post-migration script migrations/18.0.1.0.1/post-x.py): module a: Unable to "
        f"load post-migration file {pyfile}: ModuleNotFoundError: No module named 'mau_no_such_package'"
    )
    # What is not a migration script's failure keeps its own words.
    with pytest.raises(ImportError) as caught:
        try:
            import mau_no_such_package  # noqa: F401, PLC0415
        except ImportError as e:
            raise ImportError("outer words") from e
    assert failure.describe(caught.value).detail == "outer words"
