# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the OCA addon's own test suite, unmodified, against this addon.

    python3 tools/oca_tests.py /path/to/OCA/server-tools/module_auto_update/tests

A drop-in replacement must pass the tests written for what it replaces. This
copies the addon to a temporary folder, puts the given ``tests/`` folder (for
instance OCA/server-tools' branch 17.0, the last with the addon) in place of
its own, installs it on a throwaway database with ``--test-enable`` and
prints Odoo's test result and every ``ERROR``/``CRITICAL`` log line, which
OCA's CI counts as failures. Exit code 0 when every test passed and no such
line was logged. The OCA code is read from where it is, never copied here.
"""

import argparse
import dataclasses
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
import odoo_env  # noqa: E402

BAD_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", type=Path, help="the OCA addon's tests/ folder")
    args = parser.parse_args()
    if not (args.tests / "__init__.py").is_file():
        raise SystemExit(f"{args.tests} is not a tests folder (no __init__.py): give module_auto_update/tests")
    odoo_env.check_postgres()
    odoo = odoo_env.find_odoo()
    db = odoo_env.unique_db("mau_oca")
    with tempfile.TemporaryDirectory(prefix="mau_oca_") as tmp:
        addon = Path(tmp) / "addons" / "module_auto_update"
        shutil.copytree(odoo_env.REPO / "module_auto_update", addon, ignore=shutil.ignore_patterns("tests"))
        shutil.copytree(args.tests, addon / "tests")
        # First on the addons path: found before this checkout's own copy.
        odoo = dataclasses.replace(odoo, addons_paths=(addon.parent, *odoo.addons_paths))
        argv = [
            *("-d", db, "-i", "module_auto_update", "--test-enable", "--test-tags", "/module_auto_update"),
            *("--stop-after-init", "--without-demo=all", f"--http-port={odoo_env.free_port()}", "--log-level=info"),
            f"--data-dir={tmp}/data",
        ]
        try:
            proc = odoo.run(argv, check=False)
        finally:
            odoo_env.drop_db(db)
    output = proc.stdout + proc.stderr
    bad = [line[:300] for line in output.splitlines() if BAD_LINE.match(line)]
    found = RESULT.search(output)
    print(found.group(0) if found else "no test result: see the log above", *bad, sep="\n")
    ok = proc.returncode == 0 and found and found.group(1) == found.group(2) == "0" and not bad
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
