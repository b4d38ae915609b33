"""Run the whole test suite: python3 tests/run.py [core] [odoo] [e2e] [lint]

- core: the pure core's pytest suite (no Odoo, no database);
- odoo: the addon's own Odoo tests (--test-enable) on a fresh throwaway
  database; any failed test or any ERROR/CRITICAL log line fails it;
- e2e: end-to-end pytest suite against real Odoo processes;
- lint: the static checks of tests/lint.py (ruff, pylint-odoo, OCA checks).

Prints how many tests each suite ran; fails if one fails or runs none.
"""

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import lint  # noqa: E402
import odoo_env  # noqa: E402

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \d+ (?P<level>[A-Z]+) ")
ODOO_RESULT = re.compile(r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests")
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


def pytest_suite(path, *extra):
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path), *extra]
    proc = subprocess.run(cmd, cwd=HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(proc.stdout, end="")
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    lines = proc.stdout.strip().splitlines()
    for n, word in PYTEST_COUNT.findall(lines[-1] if lines else ""):
        key = "failed" if word.startswith("error") else word
        counts[key] += int(n)
    if proc.returncode not in (0, 5) and not counts["failed"]:
        counts["failed"] = 1  # pytest itself failed (collection, usage)
    return counts


def free_port():
    # Test mode serves HTTP whatever --no-http says (browser tours need it):
    # a port of its own, so that concurrent runs never talk to each other.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_suite():
    odoo = odoo_env.find_odoo()
    db = odoo_env.unique_db("mau_odoo_tests")
    try:
        proc = odoo.run(
            [
                "-d",
                db,
                "-i",
                "module_auto_update",
                "--test-enable",
                "--test-tags",
                "/module_auto_update",
                "--stop-after-init",
                "--without-demo=all",
                f"--http-port={free_port()}",
                "--log-level=info",
            ],
            check=False,
        )
    finally:
        odoo_env.drop_db(db)
    output = proc.stdout + proc.stderr
    bad = [line for line in output.splitlines() if (m := LOG_LINE.match(line)) and m["level"] in ("ERROR", "CRITICAL")]
    for line in output.splitlines():
        if "odoo.tests" in line or line in bad:
            print(line)
    result = ODOO_RESULT.search(output)
    total = int(result["total"]) if result else 0
    failed = int(result["failed"]) + int(result["errors"]) if result else 0
    if bad and not failed:
        failed = len(bad)
        print(f"{len(bad)} ERROR/CRITICAL log line(s): the Odoo suite fails.")
    if proc.returncode and not failed:
        print(output[-4000:])
        failed = 1
    return {"passed": max(total - failed, 0), "failed": failed, "skipped": 0}


SUITES = {
    "core": lambda: pytest_suite(HERE / "core"),
    "odoo": odoo_suite,
    "e2e": lambda: pytest_suite(HERE / "e2e"),
    "lint": lint.run,
}


def main(argv):
    names = argv or list(SUITES)
    unknown = set(names) - set(SUITES)
    if unknown:
        sys.exit(f"unknown suite(s) {', '.join(sorted(unknown))}; choose among {', '.join(SUITES)}")
    if {"odoo", "e2e"} & set(names):
        odoo_env.check_postgres()
        odoo_env.find_odoo()
    totals, ok = {"passed": 0, "failed": 0, "skipped": 0}, True
    for name in names:
        print(f"=== {name} suite", flush=True)
        start = time.monotonic()
        counts = SUITES[name]()
        ran = counts["passed"] + counts["failed"]
        print(
            f"=== {name}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped in {time.monotonic() - start:.0f} s",
            flush=True,
        )
        if counts["failed"] or not ran:
            ok = False
            if not ran:
                print(f"=== {name}: no test ran, which counts as a failure")
        for key in totals:
            totals[key] += counts[key]
    print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
