# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the whole test suite: python3 tests/run.py [core] [odoo] [e2e] [17.0] [19.0] [oca] [lint]

- core: the pure core's pytest suite (no Odoo, no database);
- odoo: the addon's own Odoo tests (--test-enable) on a fresh throwaway
  database; any failed test or any ERROR/CRITICAL log line fails it;
- e2e: end-to-end pytest suite against real Odoo processes;
- 17.0, 19.0: the addon's own Odoo tests (as the odoo suite) and the
  end-to-end tests proven on that series so far (``SERIES_TESTS``), on the
  Odoo that tools/setup.py prepared; said and skipped when it did not;
- oca: OCA's own test suite of each series (``OCA_SERIES``), from its
  published wheel, unmodified, against this addon (tools/oca_tests.py);
- lint: the static checks of tools/lint.py (ruff, pylint-odoo, OCA checks).

Streams one line per test (outcome, time, name) as each ends; a suite quiet
for a minute says what it is waiting on. Ends with a table of the suites
and the line ``N passed, N failed, N skipped``; fails if a suite fails or
runs no test.
"""

import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools"))
import lint  # noqa: E402
import oca_tests  # noqa: E402
import odoo_env  # noqa: E402

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \d+ (?P<level>[A-Z]+) ")
ODOO_RESULT = re.compile(r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests")
ODOO_SKIPPED = re.compile(r" odoo\.addons\.module_auto_update\.tests\.\S+: skipped (?P<test>\S+) : (?P<reason>.*)")
ODOO_TEST_START = re.compile(r" odoo\.addons\.module_auto_update\.tests\.\S+: Starting (?P<test>\S+) \.\.\.")
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped)")
QUIET = 60  # seconds without output before saying what a suite waits on


def stream(cmd, on_line, waiting_on, **kwargs):
    """Run ``cmd``, passing each output line to ``on_line`` as it comes; return its exit code.

    Every ``QUIET`` seconds without output, prints what ``waiting_on()`` says.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout] + [lines.put(None)], daemon=True).start()
    quiet_since = time.monotonic()
    while True:
        try:
            line = lines.get(timeout=QUIET)
        except queue.Empty:
            print(f"  ... quiet for {time.monotonic() - quiet_since:.0f} s, waiting on {waiting_on()}", flush=True)
            continue
        if line is None:
            return proc.wait()
        quiet_since = time.monotonic()
        on_line(line.rstrip("\n"))


def pytest_suite(*paths, env=None):
    with tempfile.NamedTemporaryFile("w+", prefix="mau_progress_") as progress:
        cmd = [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, paths)),
            *("-o", "console_output_style=classic", "-rfE"),
        ]
        output = []

        def on_line(line):
            output.append(line)
            print(line, flush=True)

        def waiting_on():
            return Path(progress.name).read_text() or "pytest to collect the tests"

        env = {**os.environ, **(env or {}), "MAU_PROGRESS_FILE": progress.name}
        code = stream(cmd, on_line, waiting_on, cwd=HERE.parent, env=env)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    summary = next((line for line in reversed(output) if PYTEST_COUNT.search(line)), "")
    for n, word in PYTEST_COUNT.findall(summary):
        key = "failed" if word.startswith("error") else word
        counts[key] += int(n)
    if code not in (0, 5) and not counts["failed"]:
        counts["failed"] = 1  # pytest itself failed (collection, usage)
    return counts


def free_port():
    # Test mode serves HTTP whatever --no-http says (browser tours need it):
    # a port of its own, so that concurrent runs never talk to each other.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_suite(series=None):
    """The addon's own Odoo tests, on Odoo ``series`` (default: 18.0, or MAU_ODOO_SERIES)."""
    odoo = odoo_env.find_odoo(series)
    db = odoo_env.unique_db("mau_odoo_tests")
    # (19.0 installs no demo data unless told, and warns of --without-demo=all.)
    no_demo = ("--without-demo=all",) if odoo.series < "19.0" else ()
    args = [
        *("-d", db, "-i", "module_auto_update", "--test-enable", "--test-tags", "/module_auto_update"),
        *("--stop-after-init", *no_demo, f"--http-port={free_port()}", "--log-level=info"),
    ]
    output, bad = [], []
    current = {"name": None, "since": time.monotonic(), "last": "Odoo to install the addon"}

    def finish_test():
        if current["name"]:
            print(f"  ran     {time.monotonic() - current['since']:6.1f} s  {current['name']}", flush=True)

    def on_line(line):
        output.append(line)
        level = LOG_LINE.match(line)
        if level:
            current["error"] = level["level"] in ("ERROR", "CRITICAL")
        if current.get("error"):
            # An error and the lines of its message (a failed test's traceback).
            if level:
                bad.append(line)
            print(line, flush=True)
        if skipped := ODOO_SKIPPED.search(line):
            print(f"  skipped           {skipped['test']}: {skipped['reason'].strip()}", flush=True)
            current["skipped"] = current.get("skipped", 0) + 1
            current["name"] = None  # said skipped: not "ran"
        if started := ODOO_TEST_START.search(line):
            finish_test()
            current.update(name=started["test"], since=time.monotonic())
        if level:
            current["last"] = line[level.end() :][:160]

    try:
        code = stream(
            odoo.argv(args), on_line, lambda: current["name"] or current["last"], env={**os.environ, **odoo.env}
        )
    finally:
        odoo_env.drop_db(db)
    finish_test()
    result = ODOO_RESULT.search("\n".join(output))
    total = int(result["total"]) if result else 0
    failed = int(result["failed"]) + int(result["errors"]) if result else 0
    if result:
        print(f"  {result.group(0)}")
    if bad and not failed:
        failed = len(bad)
        print(f"{len(bad)} ERROR/CRITICAL log line(s): the Odoo suite fails.")
    if code and not failed:
        print("\n".join(output[-60:]))
        failed = 1
    skipped = current.get("skipped", 0)
    return {"passed": max(total - failed - skipped, 0), "failed": failed, "skipped": skipped}


# A live upgrade through each entry point, one migration style: the other styles and the lock tests
# of the file pass on 17.0 and 19.0 too (about six minutes more each), run by hand.
LIVE_UPGRADES = tuple(
    f"test_live_upgrade.py::{test}[update]"
    for test in (
        "test_command_line_upgrade_while_users_edit_the_rows_its_migration_updates",
        "test_in_odoo_method_inside_the_prefork_server_that_serves_the_users",
        "test_upgrade_on_start_while_another_server_serves_users",
    )
)
# The end-to-end tests that run on another series too, by series (files, or pytest node ids).
# The narrowed loading steps' equivalence with -u (test_same_database, test_scoped_steps) adds about
# 2 minutes to each (measured 2026-12-05, load average about 3).
SERIES_TESTS = {
    "17.0": (
        "test_all_or_nothing.py",
        "test_rehearse.py",
        "test_deploy_gate.py",
        "test_coexistence.py",
        "test_history.py",
        "test_install.py",
        "test_same_database.py",
        "test_scoped_steps.py",
        *LIVE_UPGRADES,
    ),
    "19.0": (
        "test_all_or_nothing.py",
        "test_quick_start.py",
        "test_rehearse.py",
        "test_deploy_gate.py",
        "test_coexistence.py",
        "test_same_database.py",
        "test_scoped_steps.py",
        *LIVE_UPGRADES,
    ),
}
# The series on which the addon's own Odoo tests run too.
SERIES_ODOO_TESTS = ("17.0", "19.0")


def series_suite(series):
    """The addon's Odoo tests (``SERIES_ODOO_TESTS``), then ``SERIES_TESTS[series]``, on that series
    (``MAU_ODOO_SERIES``); skipped, and said, when tools/setup.py did not prepare it (``absent``:
    no test to run is then no failure)."""
    try:
        odoo_env.find_odoo(series)
    except odoo_env.Missing as exc:
        print(f"  skipped: {exc}", flush=True)
        return {"passed": 0, "failed": 0, "skipped": 1, "absent": True}
    parts = []
    if series in SERIES_ODOO_TESTS:
        print(f"--- the addon's Odoo tests on Odoo {series}", flush=True)
        parts.append(odoo_suite(series))
    print(f"--- end-to-end tests on Odoo {series}", flush=True)
    paths = (HERE / "e2e" / name for name in SERIES_TESTS[series])
    parts.append(pytest_suite(*paths, env={"MAU_ODOO_SERIES": series}))
    return {key: sum(part[key] for part in parts) for key in ("passed", "failed", "skipped")}


# The series whose OCA test suite runs against this addon (tools/oca_tests.py), when prepared here.
OCA_SERIES = ("17.0", "18.0", "19.0")


def oca_suite():
    """OCA's own tests of each of ``OCA_SERIES``, from its published wheel, unmodified, on that series."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for series in OCA_SERIES:
        try:
            total, failed = oca_tests.run_series(series)
        except odoo_env.Missing as exc:
            print(f"  {series} skipped: {exc}", flush=True)
            counts["skipped"] += 1
            continue
        except SystemExit as exc:  # OCA's package could not be downloaded: a failure, the other series go on
            print(f"  {series} failed: {exc}", flush=True)
            counts["failed"] += 1
            continue
        counts["passed"] += max(total - failed, 0)
        counts["failed"] += failed
    return counts


SUITES = {
    "core": lambda: pytest_suite(HERE / "core"),
    "odoo": odoo_suite,
    "e2e": lambda: pytest_suite(HERE / "e2e"),
    **{series: (lambda series=series: series_suite(series)) for series in SERIES_TESTS},
    "oca": oca_suite,
    "lint": lint.run,
}


def table(rows):
    lines = [("suite", "passed", "failed", "skipped", "time")]
    lines += [
        (name, *(str(counts[k]) for k in ("passed", "failed", "skipped")), f"{secs:.0f} s")
        for name, counts, secs in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    return "\n".join(
        "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
        for line in lines
    )


def main(argv):
    names = argv or list(SUITES)
    unknown = set(names) - set(SUITES)
    if unknown:
        sys.exit(f"unknown suite(s) {', '.join(sorted(unknown))}; choose among {', '.join(SUITES)}")
    if {"odoo", "e2e"} & set(names):
        odoo_env.check_postgres()
        odoo_env.find_odoo()
    totals, rows, ok = {"passed": 0, "failed": 0, "skipped": 0}, [], True
    for name in names:
        print(f"=== {name} suite", flush=True)
        start = time.monotonic()
        counts = SUITES[name]()
        rows.append((name, counts, time.monotonic() - start))
        ran = counts["passed"] + counts["failed"]
        print(
            f"=== {name}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped in {rows[-1][2]:.0f} s",
            flush=True,
        )
        if counts["failed"] or not (ran or counts.get("absent")):
            ok = False
            if not ran:
                print(f"=== {name}: no test ran, which counts as a failure")
        for key in totals:
            totals[key] += counts[key]
    print(f"\n{table(rows)}\n")
    print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
