# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os
import sys
from pathlib import Path

# The pure core is imported as a plain package from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Progress: one line per test, with its outcome and time, as each ends (in
# place of pytest's dots), and the test under way in the file named by
# MAU_PROGRESS_FILE, for tests/run.py to say what a quiet suite waits on.
PROGRESS_FILE = os.environ.get("MAU_PROGRESS_FILE")


def pytest_runtest_logstart(nodeid, location):
    if PROGRESS_FILE:
        Path(PROGRESS_FILE).write_text(nodeid)


def pytest_report_teststatus(report, config):
    if report.when == "call" or (report.when == "setup" and not report.passed):
        word = "xfail" if hasattr(report, "wasxfail") else report.outcome
        return report.outcome, "", word.upper()
    return None


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcome = "ERROR" if report.when == "setup" and report.failed else report.outcome.upper()
        print(f"\n  {outcome:<7} {report.duration:6.1f} s  {report.nodeid}", end="", flush=True)
