# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the OCA addon's own test suite of an Odoo series, unmodified, against this addon.

    python3 tools/oca_tests.py --series 19.0       # OCA's published 19.0 wheel, on Odoo 19.0
    python3 tools/oca_tests.py /path/to/module_auto_update/tests

A drop-in replacement must pass the tests written for what it replaces. With
``--series`` (17.0, 18.0, 19.0; default: ``MAU_ODOO_SERIES``, else 18.0),
the tests are those of OCA's newest ``odoo-addon-module_auto_update`` of that
series on the package index (its wheels ship ``tests/``), downloaded into a
temporary folder; or give a ``tests/`` folder. This copies the addon to a
temporary folder, puts those tests in place of its own, installs it on a
throwaway database of that series' Odoo (``tools/setup.py`` prepares 17.0
and 19.0) with ``--test-enable``, and prints which OCA release it ran,
Odoo's test result and every ``ERROR``/``CRITICAL`` log line, which OCA's CI
counts as failures. Exit code 0 when every test passed and no such line was
logged. The OCA code is read from where it is, never copied here.
"""

import argparse
import dataclasses
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
import odoo_env  # noqa: E402

BAD_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
PACKAGE = "odoo-addon-module_auto_update"
SERIES = ("17.0", "18.0", "19.0")


def published_tests(series, folder):
    """The ``tests/`` folder of OCA's newest published wheel of ``series``, unpacked in ``folder``; and its name."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"{PACKAGE}=={series}.*", "-d", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    wheels = sorted(folder.glob("*.whl"))
    if proc.returncode or not wheels:
        raise SystemExit(f"OCA's {PACKAGE} {series} could not be downloaded: {proc.stderr.strip()[-500:]}")
    prefix = "odoo/addons/module_auto_update/tests/"
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(folder / "unpacked", [name for name in wheel.namelist() if name.startswith(prefix)])
    return folder / "unpacked" / prefix, wheels[0].name


def run_tests(odoo, tests, tmp):
    """Odoo's output of the addon with ``tests`` in place of its own, installed on a throwaway database."""
    db = odoo_env.unique_db("mau_oca")
    addon = Path(tmp) / "addons" / "module_auto_update"
    shutil.copytree(odoo_env.REPO / "module_auto_update", addon, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(tests, addon / "tests")
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
    return proc.returncode, proc.stdout + proc.stderr


def outcome(code, output):
    """``(tests, failed, bad lines)`` of Odoo's test run: a failed test, an error or an ERROR line fails it."""
    bad = [line[:300] for line in output.splitlines() if BAD_LINE.match(line)]
    found = RESULT.search(output)
    if not found:
        return 0, 1, bad
    failed = int(found.group(1)) + int(found.group(2))
    return int(found.group(3)), failed or len(bad) or int(code != 0), bad


def run_series(series, tests=None):
    """OCA's tests of ``series`` (``tests``, else downloaded) on that series' Odoo; prints what it ran and
    its result; returns ``(tests, failed)``. Raises ``odoo_env.Missing`` when that Odoo is not prepared."""
    odoo = odoo_env.find_odoo(series)
    with tempfile.TemporaryDirectory(prefix="mau_oca_") as tmp:
        source = tests
        if tests is None:
            tests, source = published_tests(series, Path(tmp) / "download")
        print(f"OCA's tests of {source} on Odoo {odoo.series}", flush=True)
        total, failed, bad = outcome(*run_tests(odoo, tests, tmp))
    print(f"{total} tests, {failed} failed", *bad, sep="\n", flush=True)
    return total, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="?", type=Path, help="a tests/ folder of the OCA addon (default: downloaded)")
    parser.add_argument("--series", default=odoo_env.SERIES, choices=SERIES)
    args = parser.parse_args()
    if args.tests and not (args.tests / "__init__.py").is_file():
        raise SystemExit(f"{args.tests} is not a tests folder (no __init__.py): give module_auto_update/tests")
    odoo_env.check_postgres()
    total, failed = run_series(args.series, args.tests)
    return 0 if total and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
