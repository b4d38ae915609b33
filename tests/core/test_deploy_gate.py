# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The command's answer to a deploy pipeline: exit codes, refused options, warnings said out loud."""

import json
import logging
import re

import pytest
from plans import build_plan

from module_auto_update.cli import command, odoo_config
from module_auto_update.core import results


def outcome(result, the_plan=None, **extra):
    return results.Result("db", result, the_plan, **extra)


def a_plan(**keys):
    return {key: [] for key in command.PLAN_KEYS} | {"first_run": False, "summary": {}} | keys


WITHOUT_CODE = {"module": "gone", "kind": "code-missing", "detail": "gone is installed but its folder is not ..."}


def test_exit_codes_first_that_applies():
    blocked = a_plan(blocking=[{"code": "xml-invalid"}])
    no_code = a_plan(warnings=[WITHOUT_CODE])
    cases = [
        ([outcome(results.FAILED), outcome(results.NOT_ODOO)], command.EXIT_FAILED),
        ([outcome(results.NOT_ODOO), outcome(results.BUSY)], command.EXIT_MISSING),
        ([outcome(results.BUSY), outcome(results.UPGRADE_NEEDED, blocked)], command.EXIT_BUSY),
        ([outcome(results.UPGRADE_NEEDED, blocked), outcome(results.NOTHING_TO_DO, no_code)], command.EXIT_BLOCKED),
        ([outcome(results.UPGRADE_NEEDED, a_plan()), outcome(results.DONE, no_code)], command.EXIT_NO_CODE),
        ([outcome(results.UPGRADE_NEEDED, a_plan()), outcome(results.NOTHING_TO_DO)], command.EXIT_UPGRADE_NEEDED),
        ([outcome(results.NOTHING_TO_DO, a_plan()), outcome(results.DONE, a_plan())], command.EXIT_OK),
    ]
    for outcomes, code in cases:
        assert command.exit_code(outcomes, if_exists=False) == code, outcomes
    # --if-exists forgives a missing database, never one that is not Odoo's.
    assert command.exit_code([command.missing_outcome("gone", True)], if_exists=True) == command.EXIT_OK
    assert command.exit_code([command.not_odoo_outcome("plain")], if_exists=True) == command.EXIT_MISSING
    # No database left to upgrade is a missing one.
    assert command.exit_code([], if_exists=False) == command.EXIT_MISSING
    assert command.exit_code([], if_exists=True) == command.EXIT_OK
    # Every code is explained in --help.
    for code in range(8):
        assert f"\n  {code}  " in command.EXIT_CODES


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--check", "--dry-run"], "--dry-run, --check, --rehearse and --init-hashes exclude each other"),
        (["--lock-timeout", "nan"], "--lock-timeout must be a number of seconds, 0 or more (not nan)"),
        (["--lock-wait", "inf"], "--lock-wait must be a number of seconds, 0 or more (not inf)"),
        (["--watcher-max-seconds", "-1"], "--watcher-max-seconds must be a number of seconds, 0 or more"),
        (["--only", ","], "--only names no addon"),
    ],
)
def test_bad_option_values_are_usage_errors(args, message, capsys):
    parser = command.build_parser("auto-upgrade")
    with pytest.raises(SystemExit) as exc:
        command.validate(parser, parser.parse_args(args))
    assert exc.value.code == command.EXIT_USAGE
    assert message in capsys.readouterr().err


def test_text_says_the_warning_and_the_first_run():
    quiet = a_plan(warnings=[WITHOUT_CODE], info=[{"detail": "studio_customization exists only ..."}])
    text = command.as_text(outcome(results.NOTHING_TO_DO, quiet))
    assert text.splitlines() == [
        "db: code missing",
        f"    WARNING: {WITHOUT_CODE['detail']}",
        "    studio_customization exists only ...",
    ]
    first = build_plan(
        installed={"base": {"version": "18.0.1.0", "depends": []}},
        current={"base": "sha"},
        saved={},
        manifests={"base": {"depends": [], "version": "1.0", "installable": True}},
    )
    text = command.as_text(outcome(results.UPGRADE_NEEDED, first))
    assert text.splitlines()[:2] == ["db: upgrade needed", f"    {command.FIRST_RUN}"]
    assert "--init-hashes" in command.FIRST_RUN


def test_each_line_says_the_word_of_its_exit_code():
    """One table (EXIT_WORDS): the exit code of each outcome and the word its line says, text and JSON."""
    blocking = [{"code": "xml-invalid", "file": "a/views.xml", "line": 3, "detail": "Not well-formed XML"}]
    plain = a_plan(summary={"text": "..."})
    blocked, no_code = dict(plain, blocking=blocking), dict(plain, warnings=[WITHOUT_CODE])
    cases = [
        (outcome(results.DONE, plain), command.EXIT_OK, "done"),
        (outcome(results.NOTHING_TO_DO, plain), command.EXIT_OK, "nothing to do"),
        (outcome(results.DRY_RUN, plain), command.EXIT_OK, "dry run"),
        (outcome(results.HASHES_RECORDED), command.EXIT_OK, "hashes recorded"),
        (outcome(results.REHEARSED, plain), command.EXIT_OK, "rehearsed"),
        (outcome(results.FAILED, plain), command.EXIT_FAILED, "failed"),
        (outcome(results.INCOMPLETE, plain), command.EXIT_FAILED, "incomplete"),
        (command.missing_outcome("db", False), command.EXIT_MISSING, "missing"),
        (command.not_odoo_outcome("db"), command.EXIT_MISSING, "not an Odoo database"),
        (outcome(results.BUSY), command.EXIT_BUSY, "busy"),
        # Blocking problems: whatever was asked, the upgrade would not start (a real run: did not).
        (outcome(results.DRY_RUN, blocked), command.EXIT_BLOCKED, "blocked"),
        (outcome(results.UPGRADE_NEEDED, blocked), command.EXIT_BLOCKED, "blocked"),
        (outcome(results.BLOCKED, blocked), command.EXIT_BLOCKED, "blocked"),
        (outcome(results.FAILED, blocked), command.EXIT_BLOCKED, "blocked"),
        # An installed addon without code, beside nothing to do or an upgrade of the others.
        (outcome(results.NOTHING_TO_DO, no_code), command.EXIT_NO_CODE, "code missing"),
        (outcome(results.DONE, no_code, upgraded=["a"]), command.EXIT_NO_CODE, "code missing"),
        (outcome(results.DRY_RUN, no_code), command.EXIT_NO_CODE, "code missing"),
        (outcome(results.UPGRADE_NEEDED, plain), command.EXIT_UPGRADE_NEEDED, "upgrade needed"),
        # --strict: a plan with warnings did not start (a check, a dry run: would not); blocking comes first.
        (outcome(results.WARNED, no_code), command.EXIT_WARNED, "warned"),
        (outcome(results.WARNED, dict(no_code, blocking=blocking)), command.EXIT_BLOCKED, "blocked"),
    ]
    for one, code, word in cases:
        assert (command.exit_code([one], if_exists=False), command.result_word(one)) == (code, word), one
        assert word in dict(command.EXIT_WORDS)[code]
        assert command.as_text(one).split("\n")[0].split(" (")[0].split(": ")[:2] == ["db", word], one
        assert json.loads(command.as_json(one))["result"] == word
        assert re.split(r"\s{2,}", command.summary_table([one]).splitlines()[1])[1] == word
    # "upgrade needed" says 7 only; 5, 6 and 7 have one word each.
    assert [code for code, words in command.EXIT_WORDS if results.UPGRADE_NEEDED in words] == [7]
    assert {code: len(words) for code, words in command.EXIT_WORDS if code >= 5} == {5: 1, 6: 1, 7: 1, 8: 1}
    # --if-exists: a missing database is no error, and still says missing.
    gone = command.missing_outcome("db", True)
    assert (command.exit_code([gone], if_exists=True), command.result_word(gone)) == (command.EXIT_OK, "missing")
    # --help lists each code's words; every code of the table is explained there.
    for code, _words in command.EXIT_WORDS:
        assert f"\n    {code}: {command.exit_words(code)}" in command.EXIT_CODES
    assert "missing (--if-exists)" in command.exit_words(command.EXIT_OK)


def test_a_refused_run_carries_its_plan_in_json():
    problem = {"code": "xml-invalid", "module": "a", "file": "a/views.xml", "line": 3, "detail": "..."}
    refused = outcome(
        results.FAILED,
        a_plan(blocking=[problem], changed=[{"module": "a", "reason": "changed", "files": None}]),
        error="The upgrade did not start: ...",
    )
    data = json.loads(command.as_json(refused))
    assert data["blocking"] == [problem] and [c["module"] for c in data["changed"]] == ["a"]
    # The same keys on every line, whatever happened.
    for other in (command.missing_outcome("gone", False), command.not_odoo_outcome("plain"), outcome(results.BUSY)):
        assert set(json.loads(command.as_json(other))) == set(data)


def test_a_command_line_addons_path_is_checked_as_odoo_does(tmp_path):
    addon = tmp_path / "addons" / "x"
    addon.mkdir(parents=True)
    (addon / "__init__.py").write_text("")
    (addon / "__manifest__.py").write_text("{}")
    odoo_config.check_addons_path(str(tmp_path / "addons"))
    for wrong in (tmp_path / "nope", tmp_path):
        with pytest.raises(odoo_config.Unsupported):
            odoo_config.check_addons_path(f"{tmp_path / 'addons'},{wrong}")


@pytest.mark.parametrize(("if_exists", "code"), [(False, command.EXIT_MISSING), (True, command.EXIT_OK)])
def test_no_database_left_is_said_and_missing_unless_if_exists(if_exists, code, capsys):
    report = command.Report(0, "json", logging.getLogger("test"))
    assert report.finish(if_exists) == code
    captured = capsys.readouterr()
    assert captured.out == "" and f"auto-upgrade: {command.NO_DATABASE_LEFT}\n" == captured.err
    assert "--filter" in command.NO_DATABASE_LEFT and "--if-exists" in command.NO_DATABASE_LEFT
