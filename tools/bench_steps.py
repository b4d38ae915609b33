# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where a leaf upgrade's seconds go: python3 tools/bench_steps.py [--runs N] [--keep | --db NAME]

On the database of ``tools/bench.py`` (built here, or ``--db`` one it kept),
after the same edit of the leaf addon ``project_todo`` (a private copy, as
in bench.py), times ``odoo-bin auto-upgrade`` and ``odoo-bin -u project_todo
--stop-after-init`` on fresh copies, interleaved run by run, each under
wall-clock timers wrapped around the steps of Odoo's loader and of our run
(``tools/step_timers.py``), and prints one table: the median seconds of each
step, ours beside ``-u``'s. The timers count the main thread's outermost
calls; "rest of the load" is what the loader did outside the steps named,
"process start" the time to the run's first step (ours) or to the loader
(``-u``): Python, Odoo's import, the configuration.

Not a test: nothing here fails on a figure, it prints them.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
import odoo_env  # noqa: E402
from bench import LEAF, Bench, finish, machine, parser  # noqa: E402

LOADER_STEPS = (
    "module list refresh",
    "import of the addons' Python",
    "Registry.setup_models",
    "Registry.init_models",
    "Registry.load",
    "data files of the upgraded addons",
    "removed columns (step 4)",
    "custom views (step 6)",
    "groups view (step 6)",
)
ROWS = (
    "process start",
    "ours: fingerprints",
    "ours: plan",
    "ours: lock, transaction, before the load",
    *LOADER_STEPS[:1],
    "of which Odoo's manifest parse",
    *LOADER_STEPS[1:],
    "rest of the load",
    "ours: fingerprints saved, commit, history",
    "process end (exit, teardown)",
    "total (process)",
    "  garbage collections of generation 2, during all this",
)
GC_ROW = ROWS[-1]


def steps(timings, wall):
    """The table's rows of one timed process: ``timings`` as step_timers wrote them, ``wall`` its seconds."""
    seconds, spans = timings["seconds"], timings["spans"]
    load_start, load_end = spans["load_modules"]
    first = spans.get("ours: fingerprints", spans["load_modules"])[0]
    found = dict.fromkeys(ROWS, 0.0)
    found.update({step: seconds.get(step, 0.0) for step in (*LOADER_STEPS, "of which Odoo's manifest parse")})
    found["process start"] = first
    for step in ("ours: fingerprints", "ours: plan"):
        found[step] = seconds.get(step, 0.0)
    if "ours: fingerprints" in spans:
        found["ours: lock, transaction, before the load"] = (
            load_start - first - found["ours: fingerprints"] - found["ours: plan"]
        )
        found["ours: fingerprints saved, commit, history"] = timings["total"] - load_end
    found["rest of the load"] = (load_end - load_start) - sum(seconds.get(step, 0.0) for step in LOADER_STEPS)
    found["process end (exit, teardown)"] = wall - timings["total"]
    found["total (process)"] = wall
    found[GC_ROW] = seconds.get("garbage collection, generation 2", 0.0)
    return found


class StepsBench(Bench):
    def timed(self, db, *args):
        """odoo-bin ``args`` on ``db`` under the timers: (rows, seconds)."""
        out = self.workdir / "timings.json"
        head = [] if args[0].startswith("-") else [args[0]]  # a command goes first
        argv = self.odoo.argv(
            [*head, "-d", db, *args[len(head) :], f"--data-dir={self.data_dir}", "--no-http", "--log-level=warn"]
        )
        python, odoo_bin = argv[0], argv[1]
        started = time.perf_counter()
        proc = subprocess.run(
            [python, str(HERE / "step_timers.py"), str(out), odoo_bin, *argv[2:]],
            capture_output=True,
            text=True,
            env={**os.environ, **self.odoo.env},
            check=False,
        )
        wall = time.perf_counter() - started
        if proc.returncode:
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
        return steps(json.loads(out.read_text()), wall), proc

    def measure(self):
        ours, ref = [], []
        for run in range(self.runs):
            self.edit_leaf(run)
            for side in ("ours", "ref") if run % 2 == 0 else ("ref", "ours"):
                db = self.copy()
                if side == "ours":
                    found, proc = self.timed(db, "auto-upgrade", "--format", "json")
                    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
                    assert outcome["upgraded"] == [LEAF], (outcome, proc.stderr[-2000:])
                    ours.append(found)
                else:
                    ref.append(self.timed(db, "-u", LEAF, "--stop-after-init")[0])
                self.drop(db)
            print(
                f"run {run + 1}/{self.runs}: ours {ours[-1]['total (process)']:.2f} s, "
                f"-u {ref[-1]['total (process)']:.2f} s",
                flush=True,
            )
        return ours, ref


def table(ours, ref):
    lines = [f"{'step':<50} {'ours':>7} {'-u':>7}"]
    for row in ROWS:
        a, b = (statistics.median(found[row] for found in side) for side in (ours, ref))
        lines.append(f"{row:<50} {a:7.2f} {b:7.2f}")
    return "\n".join(lines)


def main():
    args = parser(__doc__).parse_args()
    odoo_env.check_postgres()
    odoo = odoo_env.find_odoo()
    print(machine(odoo), flush=True)
    with tempfile.TemporaryDirectory(prefix="mau_bench_steps_") as tmp:
        bench = StepsBench(odoo, Path(tmp), args.runs, args.db)
        try:
            bench.build()
            ours, ref = bench.measure()
        finally:
            finish(bench, args.keep)
    print(f"\nmedian of {args.runs} run(s), seconds; load average at the end {os.getloadavg()[0]:.2f}")
    print(table(ours, ref))


if __name__ == "__main__":
    main()
