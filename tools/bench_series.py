# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Ours against theirs on each Odoo series: python3 tools/bench_series.py [--runs N] [--series 18.0 19.0]

For each series given (default: each of 17.0, 18.0 and 19.0 prepared on this
machine, as ``tests/odoo_env.py`` finds them; one that is not is said in one
line), builds bench.py's database (this addon and
``sale_management,crm,project,stock,account,website,hr``, no demo data) and
measures three pairs on copies of it, ours and theirs interleaved run by run:

1. no-op: the quick start (``odoo-auto-upgrade``) against ``click-odoo-update``
   (the one beside that series' Python), both on one copy where nothing
   changed (as tools/bench_cli.py);
2. no-op in Odoo: ``upgrade_changed_checksum()`` against the OCA addon's
   straightforward flow, in one ``odoo-bin shell`` (tools/bench.py, measure 2);
3. the leaf addon ``project_todo`` changed: ``odoo-bin auto-upgrade``
   (``auto_upgrade`` from 19.0 on) against ``odoo-bin -u project_todo
   --stop-after-init``, each on a fresh copy (tools/bench.py, measure 3).

Bytecode is cached under a temporary ``PYTHONPYCACHEPREFIX``, as on a deployed
server. Prints one table, a row per series and pair: the median seconds
(min-max) of each side and the ratio of the medians, ours / theirs. A pair
that fails is "not measured" with the reason (its traceback goes to stderr),
and the next one goes on; a database that does not build, one row for the
series. Its databases are dropped, even on error.

Not a test: nothing here fails on a figure, it prints them.
"""

import argparse
import os
import re
import sys
import tempfile
import traceback
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
import bench_cli  # noqa: E402
import odoo_env  # noqa: E402
from bench import LEAF, Bench, columns, machine, print_table, spread  # noqa: E402

SERIES = ("17.0", "18.0", "19.0")
HEADER = ("series", "measure", "ours", "theirs", "ours / theirs")
# A traceback's last line: ``ValueError: ...``, ``odoo.tools.convert.ParseError: ...``.
ERROR_LINE = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Exit)\b")


def no_op(bench):
    """The quick start and click-odoo-update, in turn on one copy where nothing changed: their seconds."""
    odoo, db = bench.odoo, bench.copy()
    commands = bench_cli.no_op_commands(odoo, db, bench_cli.find_click(None, odoo), bench.workdir, bench.data_dir)
    env = {**os.environ, **odoo.env}
    bench_cli.prepare(odoo, db, commands["click-odoo-update"], env, [f"--data-dir={bench.data_dir}"])
    del commands[f"odoo-bin {odoo.command_name}"]  # bench_cli.py times it too; not here
    times = bench_cli.no_op_times(db, commands, env, bench.runs)
    bench.drop(db)
    return [wall for wall, _cpu in times["odoo-auto-upgrade"]], [wall for wall, _cpu in times["click-odoo-update"]]


def in_odoo(bench):
    """``upgrade_changed_checksum()`` and the OCA addon's flow, in turn in one Odoo shell: their seconds."""
    row = bench.in_process_nothing_changed()
    return row.ours, row.ref


def leaf(bench):
    """Our upgrade of the edited leaf addon and ``-u`` of it, each on a fresh copy, in turn: their seconds."""
    ours, ref = [], []
    for run in range(bench.runs):
        bench.edit_leaf(run)
        sides = ((ours, bench.auto_upgrade), (ref, bench.odoo_u))
        for times, upgrade in sides if run % 2 == 0 else sides[::-1]:
            times.append(upgrade()[0])
    return ours, ref


def pairs(odoo):
    """``(measure, theirs, function)`` of each pair; the function returns ``(ours, theirs)`` seconds."""
    return (
        ("no-op: odoo-auto-upgrade (quick start)", "click-odoo-update", no_op),
        ("no-op in Odoo: upgrade_changed_checksum()", "OCA flow (update_list + hash all)", in_odoo),
        (f"{LEAF} changed: odoo-bin {odoo.command_name}", f"odoo-bin -u {LEAF}", leaf),
    )


def not_measured(exc, what=""):
    """``not measured: <why>`` in one line: the first error line of ``exc``'s message (for a process that
    failed, the root cause its traceback names first), else its first line; the traceback goes to stderr."""
    traceback.print_exception(exc, limit=-2, file=sys.stderr)
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
    reason = next((line for line in lines[1:] if ERROR_LINE.match(line)), lines[0])
    reason = reason if len(reason) <= 140 else f"{reason[:137]}..."
    return f"not measured: {what}{reason}"


def measure(odoo, workdir, runs):
    """The table's lines of one series."""
    bench, lines = None, []
    try:
        try:
            bench = Bench(odoo, workdir, runs)
            bench.build()
        except (Exception, SystemExit) as exc:  # SystemExit: build's check of the leaf addon
            return [(odoo.series, "all three measures", not_measured(exc, "the database did not build: "), "", "")]
        for label, theirs, pair in pairs(odoo):
            try:
                ours, ref = pair(bench)
            except (Exception, SystemExit) as exc:
                lines.append((odoo.series, label, not_measured(exc), "", ""))
            else:
                ratio = f"{median(ours) / median(ref):.2f}"
                lines.append((odoo.series, label, spread(ours, "s"), f"{spread(ref, 's')} {theirs}", ratio))
            print(f"{odoo.series}: {label}: {lines[-1][2]}", flush=True)
    finally:
        if bench:
            bench.cleanup()
    return lines


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=5, help="runs of each side of each pair (default 5)")
    options.add_argument(
        "--series",
        nargs="+",
        choices=SERIES,
        default=SERIES,
        help="the Odoo series to measure (default: every one of them prepared on this machine)",
    )
    args = options.parse_args()
    odoo_env.check_postgres()
    lines = [HEADER]
    with tempfile.TemporaryDirectory(prefix="mau_bench_series_") as tmp:
        bench_cli.cache_bytecode(tmp)
        for series in args.series:
            try:
                odoo = odoo_env.find_odoo(series)
            except odoo_env.Missing as exc:
                print(f"{series}: not measured: {exc}", flush=True)
                continue
            print(f"{series}: {machine(odoo)}", flush=True)
            workdir = Path(tmp) / series
            workdir.mkdir()
            lines += measure(odoo, workdir, args.runs)
    print_table(args.runs, columns(lines))


if __name__ == "__main__":
    main()
