# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from plans import build_plan

from module_auto_update.core import messages, migration, plan


def installed(**deps):
    return {name: {"version": "18.0.1.0.0", "depends": list(d)} for name, d in deps.items()}


def manifest(*depends, version="1.0.0", **extra):
    return {"depends": list(depends), "version": version, "installable": True, **extra}


BASE = {"base": ()}


def inputs(**overrides):
    """a <- b <- d, c alone; every addon recorded and unchanged."""
    names = {"base": (), "a": ("base",), "b": ("a",), "c": ("base",), "d": ("b",)}
    data = {
        "installed": installed(**names),
        "current": {n: f"sha-{n}" for n in names},
        "saved": {n: f"sha-{n}" for n in names},
        "manifests": {n: manifest(*d) for n, d in names.items()},
    }
    data.update(overrides)
    return data


def changed(data, *names):
    data["current"] = {n: (f"new-{n}" if n in names else d) for n, d in data["current"].items()}
    return data


def test_nothing_changed_is_an_empty_plan():
    result = build_plan(**inputs())
    assert plan.is_empty(result)
    assert result["summary"]["text"] == "Nothing to upgrade: every installed addon matches its fingerprint."
    assert not any(result[k] for k in plan.COUNTED)
    assert result["info"] == [] and result["first_run"] is False
    assert json.loads(json.dumps(result)) == result


def test_files_added_removed_modified_and_reasons():
    data = changed(inputs(), "a")
    data["current"]["c"] = False
    data["saved_files"] = {"a": {"x.py": "1", "gone.xml": "2", "same.py": "3"}}
    data["current_files"] = {"a": {"x.py": "9", "new.csv": "4", "same.py": "3"}}
    data["forced"] = ["d"]
    result = build_plan(**data)
    assert result["changed"] == [
        {
            "module": "a",
            "reason": "changed",
            "files": {"added": ["new.csv"], "removed": ["gone.xml"], "modified": ["x.py"]},
            "why": None,
        },
        {"module": "d", "reason": "forced", "files": None, "why": None},
    ]
    # An addon without code is listed once, as a warning, never as a change.
    assert result["missing"] == [{"module": "c", "reason": "folder missing"}]
    assert [(w["kind"], w["params"]) for w in result["warnings"]] == [("code-missing", {"module": "c"})]
    assert result["info"] == [] and plan.without_code(result) == ["c"]
    assert "c is installed but its folder is not in the addons path" in plan.render_text(result)
    del data["saved"]["b"]
    assert build_plan(**data)["changed"][1] == {"module": "b", "reason": "never recorded", "files": None, "why": None}


FRENCH = ("fr_FR", "French / Français", True)
LANGUAGES = [FRENCH, ("fr_BE", "French (BE) / Français (BE)", False), ("de_DE", "German / Deutsch", True)]


def test_a_language_activated_says_which_addon_it_changed():
    """French activated: the French .po files now count in the fingerprints of the addons that ship them."""
    data = changed(inputs(), "a", "b", "c", "d")
    data["saved_files"] = {
        "a": {"x.py": "1", "i18n/de.po": "2"},
        "b": {"x.py": "1"},
        "c": {"x.py": "1"},
        "d": {"x.py": "1"},
    }
    data["current_files"] = {
        "a": {"x.py": "1", "i18n/de.po": "2", "i18n/fr.po": "3", "i18n_extra/fr_BE.po": "4"},
        "b": {"x.py": "1", "i18n/fr.po": "3"},
        "c": {"x.py": "2", "i18n/fr.po": "3"},  # its code changed too: no single reason
        "d": {"x.py": "1", "i18n/de_AT.po": "5"},  # German counted already: a new file of the code
    }
    data["languages"] = LANGUAGES
    result = build_plan(**data)
    why = {item["module"]: item["why"] and item["why"]["detail"] for item in result["changed"]}
    assert why == {
        "a": "French activated: fr.po, fr_BE.po now count in its fingerprint",
        "b": "French activated: fr.po now counts in its fingerprint",
        "c": None,
        "d": None,
    }
    assert result["changed"][1]["why"]["code"] == "language-activated"
    assert result["changed"][1]["why"]["params"] == {"languages": "French", "files": "fr.po"}
    text = plan.render_text(result)
    assert "  b (French activated: fr.po now counts in its fingerprint)\n      + i18n/fr.po" in text, text
    assert "  c (changed)" in text
    assert json.loads(json.dumps(result)) == result

    # Deactivated: the French files no longer count.
    data["saved_files"], data["current_files"] = data["current_files"], data["saved_files"]
    data["languages"] = [("fr_FR", "French / Français", False), *LANGUAGES[1:]]
    why = {item["module"]: item["why"] and item["why"]["detail"] for item in build_plan(**data)["changed"]}
    assert why["b"] == "French deactivated: fr.po no longer counts in its fingerprint", why
    # Not a language's doing when it is still active: a file removed from the code.
    data["languages"] = LANGUAGES
    assert all(item["why"] is None for item in build_plan(**data)["changed"])


def test_missing_code_alone_is_nothing_to_upgrade_and_says_so():
    data = inputs()
    data["current"]["c"] = False
    result = build_plan(**data)
    assert plan.is_empty(result) and result["changed"] == []
    assert result["summary"]["text"] == (
        "Nothing to upgrade: every other installed addon matches its fingerprint; 1 left as they are "
        "(no code, or not installable); warnings: 1"
    )


def test_an_addon_that_exists_only_in_the_database_is_information_not_a_warning():
    data = inputs()
    data["current"]["c"] = False
    result = build_plan(**data, database_only=["c"])
    assert result["warnings"] == [] and plan.without_code(result) == []
    assert [(i["code"], i["params"]) for i in result["info"]] == [("database-only", {"module": "c"})]
    assert result["summary"]["text"].endswith("1 left as they are (no code, or not installable)")


def test_pending_addons_are_listed_and_make_the_plan_not_empty():
    result = build_plan(**inputs(), pending=[("c", "to upgrade")])
    assert not plan.is_empty(result)
    assert result["pending"] == [{"module": "c", "state": "to upgrade"}]
    assert result["summary"]["text"] == "Addons left pending: 1"
    assert "c was left to upgrade by an earlier action: the upgrade finishes it." in plan.render_text(result)


def test_first_run_says_nothing_is_recorded():
    data = inputs(saved={})
    result = build_plan(**data)
    assert result["first_run"] is True
    assert {c["reason"] for c in result["changed"]} == {"never recorded"}
    assert result["info"][0]["code"] == "first-run"
    assert result["warnings"] == [], "base was never recorded: not said to have changed"
    text = plan.render_text(result)
    assert "base (no fingerprint recorded yet)" in text and "No fingerprint is recorded yet" in text
    # Recorded once: no longer a first run, whatever changed since.
    assert build_plan(**changed(inputs(), "a"))["first_run"] is False


def test_ignored_addon_is_left_out():
    result = build_plan(**changed(inputs(), "a", "c"), ignore=["c"])
    assert [c["module"] for c in result["changed"]] == ["a"]


def test_cascade_through_two_levels_names_the_root_cause():
    result = build_plan(**changed(inputs(), "a"))
    assert result["cascade"] == [{"module": "b", "because_of": ["a"]}, {"module": "d", "because_of": ["a"]}]
    assert "c" not in {e["module"] for e in result["cascade"]}
    assert result["summary"]["cascade"] == 2
    # the manifests on disk decide (Odoo refreshes dependencies before upgrading)
    data = changed(inputs(), "a")
    data["manifests"]["c"] = manifest("b")
    assert {e["module"] for e in build_plan(**data)["cascade"]} == {"b", "c", "d"}


def test_base_change_upgrades_everything_with_a_warning():
    result = build_plan(**changed(inputs(), "base"))
    assert {e["module"] for e in result["cascade"]} == {"a", "b", "c", "d"}
    assert [w["kind"] for w in result["warnings"]] == ["base-upgrade"]
    assert [w["kind"] for w in build_plan(**changed(inputs(), "a"))["warnings"]] == []


def test_new_dependency_is_installed_with_its_own_and_unknown_one_blocks():
    data = changed(inputs(), "b")
    data["manifests"]["b"] = manifest("a", "new", "ghost", source='{\n    "depends": ["a", "new", "ghost"],\n}\n')
    data["manifests"]["new"] = manifest("newer")
    data["manifests"]["newer"] = manifest("base")
    data["manifests"]["bridge"] = manifest("new", "c", "extra", auto_install=["new", "c"])
    data["manifests"]["extra"] = manifest("base")
    data["manifests"]["unrelated"] = manifest("base", auto_install=True)
    data["manifests"]["elsewhere"] = manifest("new", auto_install=True, countries=["be"])
    result = build_plan(**data)
    assert result["to_install"] == [
        {"module": "bridge", "required_by": ["new"]},
        {"module": "extra", "required_by": ["bridge"]},
        {"module": "new", "required_by": ["b", "bridge"]},
        {"module": "newer", "required_by": ["new"]},
    ]
    belgian = build_plan(**data, company_countries=["BE"])
    assert {"module": "elsewhere", "required_by": ["new"]} in belgian["to_install"]
    [problem] = result["blocking"]
    assert (problem["code"], problem["module"], problem["file"]) == ("dependency-unavailable", "b", "b/__manifest__.py")
    assert problem["line"] == 2, "the manifest line naming the dependency"
    assert problem["detail"] == "b depends on ghost, which is not in the addons path or not installable."
    assert "blocking problems: 1" in result["summary"]["text"]


def test_parse_version_orders_like_odoo():
    ordered = ["0", "4.2", "4.2.3.4", "5.0.0-alpha", "5.0.0-rc1", "5.0.0-rc1.1", "5.0.0_rc2", "5.0.0_rc3", "5.0.0"]
    keys = [migration.parse_version(v) for v in ordered]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert migration.parse_version("2.4") == migration.parse_version("2.4.0")
    assert migration.parse_version("") == migration.parse_version("0.1")


def test_migration_scripts_in_odoo_order():
    scripts = {
        "0.0.0": ["migrations/0.0.0/pre-any.py", "migrations/0.0.0/end-any.py", "migrations/0.0.0/post-any.py"],
        "1.1": [
            "upgrades/1.1/post-b.py",
            "migrations/1.1/post-a.py",
            "migrations/1.1/pre-x.py",
            "migrations/1.1/notes.txt",
        ],
        "18.0.1.2": ["migrations/18.0.1.2/pre-y.py", "migrations/18.0.1.2/end-z.py"],
        "1.0": ["migrations/1.0/pre-old.py"],  # already applied
        "1.3": ["migrations/1.3/pre-future.py"],  # beyond the manifest version
        "17.0.1.1": ["migrations/17.0.1.1/pre-other-series.py"],
        "foo": ["migrations/foo/pre-invalid.py"],
        "1.1.5": ["migrations/1.1.5/setup.py"],  # not a stage script
    }
    steps = migration.migration_scripts(scripts, "18.0.1.0", "18.0.1.2", "18.0")
    assert [(s["stage"], s["path"]) for s in steps] == [
        ("pre", "migrations/0.0.0/pre-any.py"),
        ("pre", "migrations/1.1/pre-x.py"),
        ("pre", "migrations/18.0.1.2/pre-y.py"),
        ("post", "migrations/1.1/post-a.py"),
        ("post", "upgrades/1.1/post-b.py"),
        ("post", "migrations/0.0.0/post-any.py"),
        ("end", "migrations/18.0.1.2/end-z.py"),
        ("end", "migrations/0.0.0/end-any.py"),
    ]
    # same version: nothing runs, not even 0.0.0
    assert migration.migration_scripts(scripts, "18.0.1.2", "18.0.1.2", "18.0") == []


def test_migrations_entry_per_version_change_in_load_order():
    data = changed(inputs(), "a")
    data["manifests"]["a"] = manifest("base", version="1.1")
    data["manifests"]["d"] = manifest("b", version="2.0")
    data["manifests"] = {
        n: dict(m, version=migration.full_version(m["version"], "18.0")) for n, m in data["manifests"].items()
    }
    data["scripts"] = {"a": {"1.1": ["migrations/1.1/pre-a.py"]}}
    result = build_plan(**data)
    assert result["migrations"] == [
        {
            "module": "a",
            "from": "18.0.1.0.0",
            "to": "18.0.1.1",
            "scripts": [{"stage": "pre", "version": "1.1", "path": "migrations/1.1/pre-a.py", "digest": None}],
        },
        {"module": "d", "from": "18.0.1.0.0", "to": "18.0.2.0", "scripts": []},
    ]


def test_records_deleted_counts_what_no_data_file_defines():
    records = [
        {"module": "a", "name": "kept", "model": "res.partner", "shared": False},
        {"module": "a", "name": "gone1", "model": "res.partner", "shared": False},
        {"module": "a", "name": "gone2", "model": "res.partner", "shared": False},
        {"module": "a", "name": "view", "model": "ir.ui.view", "shared": False},
        {"module": "a", "name": "other", "model": "res.partner", "shared": True},  # only the XML ID goes
        {"module": "a", "name": "field_x__y", "model": "ir.model.fields", "shared": False},  # code, not data
        {"module": "a", "name": "user_partner_res_partner", "model": "res.partner", "shared": False},  # _inherits
        {"module": "a", "name": "by_b", "model": "res.partner", "shared": False},
    ]
    defined = {"a.kept", "a.user_partner", "a.by_b"}
    result = build_plan(**changed(inputs(), "a"), records=records, defined_xmlids=defined)
    assert [(w["kind"], w["model"], w["count"], w["xmlids"]) for w in result["warnings"]] == [
        ("records-deleted", "ir.ui.view", 1, ["a.view"]),
        ("records-deleted", "res.partner", 2, ["a.gone1", "a.gone2"]),
    ]
    assert all(w["module"] == "a" for w in result["warnings"])


def test_columns_dropped_only_when_every_owner_upgrades_and_none_declares():
    stored = [
        {"model": "x", "name": "kept", "modules": ["a"]},
        {"model": "x", "name": "gone", "modules": ["a"]},
        {"model": "x", "name": "also_c", "modules": ["a", "c"]},  # c is not upgraded: stays
        {"model": "x", "name": "moved", "modules": ["a", "b"]},  # b still declares it
    ]
    declared = {"a": {"x": ["kept"]}, "b": {"x": ["moved"]}}
    result = build_plan(**changed(inputs(), "a"), stored_fields=stored, declared_fields=declared)
    [warning] = result["warnings"]
    assert (warning["kind"], warning["module"], warning["model"]) == ("columns-dropped", "a", "x")
    assert warning["fields"] == ["gone"]
    assert "statically" in warning["detail"]


def test_blocking_problems_and_text_rendering():
    data = changed(inputs(), "a")
    problem = messages.blocking("a", "xml-invalid", "a/views/x.xml", 7, error="Opening and ending tag mismatch")
    result = build_plan(**data, problems=[problem])
    assert result["blocking"] == [problem]
    text = plan.render_text(result)
    assert text.splitlines()[0] == result["summary"]["text"]
    assert "  a/views/x.xml:7: Not well-formed XML: Opening and ending tag mismatch" in text
    assert "  d (because of a)" in text


def test_blocking_entries_found_by_the_caller_are_counted_in_the_summary():
    result = build_plan(**changed(inputs(), "a"))
    problem = messages.blocking("a", "python-loaded", "a/models/x.py")
    blocked = plan.with_blocking(result, [problem])
    assert blocked["blocking"] == [problem] and result["blocking"] == []
    assert blocked["summary"]["blocking"] == 1
    assert "blocking problems: 1" in blocked["summary"]["text"]
    assert problem["detail"].startswith("The Python code of a changed after this Odoo process imported it")
    assert "  a/models/x.py: The Python code of a" in plan.render_text(blocked)
    assert plan.with_blocking(result, []) is result


def test_an_unreadable_data_file_announces_no_deletion():
    records = [{"module": "a", "name": "view", "model": "ir.ui.view", "shared": False}]
    result = build_plan(**changed(inputs(), "a"), records=records, defined_xmlids=None)
    assert result["warnings"] == []
    # Nor are columns dropped for an addon whose code could not be read.
    stored = [{"model": "x", "name": "gone", "modules": ["a"]}]
    assert build_plan(**changed(inputs(), "a"), stored_fields=stored, declared_fields={})["warnings"] == []


def test_every_sentence_renders_from_its_code_in_another_language():
    data = changed(inputs(saved={**inputs()["saved"], "c": ""}), "a")
    data["current"]["d"] = False
    result = build_plan(**data, pending=[("b", "to install")])
    shout = lambda template, **params: (template % params if params else template).upper()  # noqa: E731
    for entry in result["warnings"] + result["info"] + result["blocking"]:
        assert messages.render(entry["code"], entry["params"], shout) == entry["detail"].upper()
    assert plan.summary_text(result["summary"]["parts"], shout) == result["summary"]["text"].upper()


def test_the_text_and_the_wizard_share_their_building_blocks():
    files = {"added": ["a.py"], "removed": ["b.py"], "modified": ["c.py"]}
    assert plan.marked_files(files) == [("+", "a.py"), ("-", "b.py"), ("~", "c.py")]
    assert plan.marked_files(None) == []
    problem = messages.blocking("a", "xml-invalid", "a/views.xml", 3, error="boom")
    assert plan.blocking_line(problem) == ("a/views.xml:3", problem["detail"])
    french = plan.blocking_line(problem, lambda template, **params: "fr: " + template % params)
    assert french == ("a/views.xml:3", "fr: " + problem["detail"])
