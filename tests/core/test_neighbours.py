# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Living beside other tools, decided without Odoo: databases to open, another exclude default, flags."""

import re
from types import SimpleNamespace

import pytest

from module_auto_update.cli import command
from module_auto_update.core import compare, inspection, stored
from module_auto_update.core.fingerprint import fingerprint

SERVER = ["postgres", "prod", "prod_copy", "staging", "someone_elses"]


def opts(filter_re=None):
    return SimpleNamespace(filter_re=filter_re and re.compile(filter_re))


def test_all_databases_apply_odoo_rules_then_filter_before_opening_any():
    assert command.server_databases(SERVER, opts()) == ["prod", "prod_copy", "staging", "someone_elses"]
    assert command.server_databases(SERVER, opts("^prod")) == ["prod", "prod_copy"]
    # dbfilter as Odoo matches it (re.match), then --filter.
    assert command.server_databases(SERVER, opts("copy"), dbfilter="prod.*") == ["prod_copy"]
    # A host-dependent dbfilter cannot apply outside a web request: db_name decides then.
    assert command.server_databases(SERVER, opts(), dbfilter="%d_.*", db_name="staging") == ["staging"]
    assert command.server_databases(SERVER, opts(), db_name="prod,staging", list_db=False) == ["prod", "staging"]
    with pytest.raises(command.UsageError, match="list_db"):
        command.server_databases(SERVER, opts(), list_db=False)


def test_click_odoo_update_option_names_are_accepted():
    parser = command.build_parser("auto-upgrade")
    parsed = parser.parse_args(["--list-only", "--watcher-max-seconds", "30", "--only", "a,b"])
    assert parsed.dry_run and parsed.watcher_max_seconds == 30 and command.comma_list(parsed.only) == ["a", "b"]
    assert parser.parse_args(["--only-compute-hashes"]).init_hashes
    with pytest.raises(SystemExit):
        command.validate(parser, parser.parse_args(["--only", "a", "--update-all"]))


def test_a_value_recorded_with_the_other_default_is_recognised_per_addon(tmp_path):
    with_tests, without = tmp_path / "with_tests", tmp_path / "without"
    for addon in (with_tests, without):
        (addon / "models").mkdir(parents=True)
        (addon / "models" / "a.py").write_text("x = 1\n")
    (with_tests / "tests").mkdir()
    (with_tests / "tests" / "test_a.py").write_text("def test(): pass\n")
    ours = ["*.pyc", "static/*", "tests/*"]
    assert inspection.other_default(ours) == ["*.pyc", "static/*"]
    assert inspection.other_default(["*.pyc"]) == ["*.pyc", "tests/*"]
    locate = {"with_tests": str(with_tests), "without": str(without), "changed": str(with_tests)}.get
    saved = {
        "with_tests": fingerprint(str(with_tests), ["*.pyc", "static/*"], []).digest,  # by a tool keeping tests/
        "changed": "0" * 40,
        "without": "1" * 40,
    }
    settings = inspection.FingerprintSettings(ours, [])
    assert inspection.find_adopted(["with_tests", "changed", "without"], saved, settings, locate) == ["with_tests"]


def test_core_addons_come_from_manifestoo_lists_community_and_enterprise():
    found = inspection.core_addons(["base", "web_studio", "account", "mau_sample_a", "studio_customization"], "18.0")
    assert found == {"base", "web_studio", "account"}


def test_installable_false_is_read_from_the_manifest(tmp_path):
    for name, flag in (("on", "True"), ("off", "False")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__manifest__.py").write_text(f'{{"name": "{name}", "installable": {flag}}}\n')
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "__manifest__.py").write_text("{")
    locate = {n: str(tmp_path / n) for n in ("on", "off", "broken")}.get
    assert inspection.find_not_installable(["on", "off", "broken", "gone"], locate) == {"off"}


def test_the_inspection_decides_on_the_facts_read_without_a_cursor(tmp_path):
    # inspection.inspect reads stored.inspection_facts in one visit; the rest is pure.
    (tmp_path / "same" / "models").mkdir(parents=True)
    (tmp_path / "same" / "models" / "a.py").write_text("x = 1\n")
    (tmp_path / "edited").mkdir()
    (tmp_path / "edited" / "a.py").write_text("y = 2\n")
    patterns = ["*.pyc", "tests/*"]
    facts = stored.InspectionFacts(
        database="mau_facts",
        installed=["edited", "gone", "left", "same", "studio_customization"],
        pending=["new"],
        ignored={"left"},
        saved={"same": fingerprint(str(tmp_path / "same"), patterns, []).digest, "edited": "0" * 40},
        fingerprint=stored.FingerprintParams(patterns, [], stat_cache=False),
        database_only={"studio_customization", "imported_elsewhere"},
    )
    locate = {name: str(tmp_path / name) for name in ("same", "edited")}.get
    found = inspection.inspect_facts(facts, locate, str(tmp_path), "18.0", ignore=["nothing"])
    assert found.reasons["edited"] == compare.CHANGED and "same" not in found.reasons
    assert found.ignore == ["left", "nothing"] and found.pending == ["new"]
    assert found.database_only == ["studio_customization"] and found.without_code == ["gone"]
    assert not found.nothing_to_do
