# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The repository's static checks, offline: python3 tools/lint.py

The same checks as .pre-commit-config.yaml, without pre-commit nor network:

- ruff check and ruff format --check on every Python file (.ruff.toml);
- pylint with the pylint_odoo plugin and OCA's mandatory checks
  (.pylintrc-mandatory) on the addon, with Odoo importable;
- oca-checks-odoo-module (manifest, XML, CSV checks) on the addon and
  oca-checks-po on its translations;
- every .xml of the addon is well-formed;
- the addon's README.rst matches its readme/ fragments (tools/gen_readme.py).

Nothing is fixed: each check reports its findings. The tools are pinned in
tools/requirements-lint.txt. Prints one line per check and closes on
"N passed, N failed".
"""

import importlib.util
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ADDON = REPO / "module_auto_update"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))
import gen_readme  # noqa: E402
import odoo_env  # noqa: E402

REQUIREMENTS = HERE / "requirements-lint.txt"
TOOLS = {"ruff": "ruff", "pylint_odoo": "pylint-odoo", "oca_pre_commit_hooks": "oca-odoo-pre-commit-hooks"}


class CheckFailed(Exception):
    """A check found something; the message is what it found."""


def missing_tools():
    return [package for module, package in TOOLS.items() if importlib.util.find_spec(module) is None]


def run_tool(args, env=None):
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise CheckFailed((proc.stdout + proc.stderr).strip() or f"exited {proc.returncode}")


def check_ruff():
    run_tool(["-m", "ruff", "check", "--no-fix", "--output-format=concise", "."])


def check_ruff_format():
    run_tool(["-m", "ruff", "format", "--check", "--output-format=concise", "."])


def check_pylint_odoo():
    # The plugin inspects models through their imports: Odoo must import.
    odoo = odoo_env.find_odoo()
    run_tool(["-m", "pylint", "--rcfile=.pylintrc-mandatory", ADDON.name], env=odoo.env)


def run_oca_hook(module, args):
    # The hooks return their findings (printed already) instead of an exit code.
    run_tool(
        [
            "-c",
            f"import sys; from oca_pre_commit_hooks.{module} import main; sys.exit(bool(main()))",
            "--no-exit",
            *args,
        ]
    )


def check_odoo_module():
    run_oca_hook("cli", [ADDON.name])


def check_po():
    files = sorted(str(p.relative_to(REPO)) for p in ADDON.glob("i18n/*.po*"))
    if not files:
        raise CheckFailed(f"no .pot or .po file in {ADDON.name}/i18n")
    run_oca_hook("cli_po", ["--disable=po-pretty-format", *files])


def check_xml_well_formed():
    errors = []
    for path in sorted(ADDON.rglob("*.xml")):
        try:
            ET.parse(path)
        except ET.ParseError as exc:
            errors.append(f"{path.relative_to(REPO)}: {exc}")
    if errors:
        raise CheckFailed("\n".join(errors))


def check_readme():
    rst = gen_readme.render(ADDON)
    if rst != gen_readme.read(ADDON):
        raise CheckFailed(f"{ADDON.name}/README.rst is out of date: run python3 tools/gen_readme.py")
    try:
        gen_readme.to_html(rst)
    except Exception as exc:  # docutils' SystemMessage: invalid reStructuredText
        raise CheckFailed(f"{ADDON.name}/README.rst: {exc}") from exc


USAGE_DOC = REPO / "docs" / "usage.rst"


def check_options_documented_once():
    """Every option of ``auto-upgrade --help`` is explained in docs/usage.rst, and
    only there; the exit codes there are the ones --help prints."""
    sys.path.insert(0, str(REPO))
    from module_auto_update.cli import command  # noqa: PLC0415  (no Odoo)

    parser = command.build_parser("auto-upgrade")
    options = [opt for action in parser._actions for opt in action.option_strings if opt.startswith("--")]
    options.remove("--help")
    usage = USAGE_DOC.read_text()
    terms = [line for line in usage.splitlines() if line.startswith("``-")]
    errors = [f"{opt}: not explained in docs/usage.rst" for opt in options if not any(f"``{opt}" in t for t in terms)]
    others = [
        REPO / "README.rst",
        REPO / "CONTRIBUTING.rst",
        *(REPO / "docs").glob("*.rst"),
        *ADDON.glob("readme/*.md"),
    ]
    for path in others:
        if path == USAGE_DOC:
            continue
        lines = path.read_text().splitlines()
        for line, following in zip(lines, [*lines[1:], ""], strict=True):
            # Explaining, not mentioning: a term of a definition list (rst), "- `--x`: ..." (md).
            term = line.startswith("``--") and following.startswith("    ")
            if term or re.match(r"\s*[-*]?\s*`--[^`]*`\s*:", line):
                errors.append(f"{path.relative_to(REPO)}: explains an option again: {line.strip()}")
    codes_help = re.findall(r"^  (\d)  ", command.EXIT_CODES, re.M)
    codes_doc = re.findall(r"^(\d)     ", usage, re.M)
    if sorted(codes_help) != sorted(codes_doc):
        errors.append(f"exit codes: --help has {sorted(codes_help)}, docs/usage.rst {sorted(codes_doc)}")
    # The result words of each exit code: the docs' table (its second column) says command.EXIT_WORDS.
    border = re.search(r"^====  (=+)  =+$", usage, re.M)
    end = 6 + len(border.group(1)) if border else 0
    for line in re.findall(r"^\d     .*$", usage, re.M):
        words, expected = " ".join(line[6:end].replace("``", "").split()), command.exit_words(int(line[0]))
        if words != expected:
            errors.append(f"exit code {line[0]}: docs/usage.rst says the words {words!r}, the command {expected!r}")
    if errors:
        raise CheckFailed("\n".join(errors))


CHECKS = {
    "ruff check": check_ruff,
    "ruff format": check_ruff_format,
    "pylint-odoo (OCA mandatory)": check_pylint_odoo,
    "oca-checks-odoo-module": check_odoo_module,
    "oca-checks-po": check_po,
    "xml well-formed": check_xml_well_formed,
    "addon README up to date": check_readme,
    "command-line options documented once": check_options_documented_once,
}


def run():
    """Run every check; return the counts the suite runner adds up."""
    missing = missing_tools()
    if missing:
        print(f"lint: {', '.join(missing)} missing: pip install -r {REQUIREMENTS.relative_to(REPO)}")
        return {"passed": 0, "failed": len(CHECKS), "skipped": 0}
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for name, check in CHECKS.items():
        try:
            check()
        except CheckFailed as exc:
            counts["failed"] += 1
            print(f"lint: {name}: FAILED\n{exc}\n", flush=True)
        else:
            counts["passed"] += 1
            print(f"lint: {name}: ok", flush=True)
    return counts


if __name__ == "__main__":
    counts = run()
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)
