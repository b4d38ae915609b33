# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark: a no-op run of our command beside a no-op ``click-odoo-update``.

Builds a throwaway database with about a hundred installed addons (Odoo's
own, no demo data), records the fingerprints once, then runs the tools in
turn on it, nothing having changed, and prints their wall times (median and
spread) and CPU times: ``odoo-auto-upgrade`` (the quick start, which answers
without importing Odoo), ``odoo-bin auto-upgrade`` (which imports Odoo but
loads no registry) and ``click-odoo-update``. The database is dropped at the end.

    python3 tools/bench_cli.py [--runs 5] [--click PATH] [--db EXISTING]

``click-odoo-update`` comes from PyPI (``pip install click-odoo-contrib``,
in tests/requirements.txt), for instance into ``python3 -m venv
--system-site-packages /tmp/cou-venv`` so that it sees Odoo; it is looked up
beside the Python that runs Odoo, in the PATH, then in that venv.
Not part of the test suite.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import odoo_env  # noqa: E402

ADDONS = "sale_management,crm,project,stock,account,website,hr"
# Both tools read this parameter: set explicitly, they hash alike.
EXCLUDE_PATTERNS = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*"
VENV_CLICK = "/tmp/cou-venv/bin/click-odoo-update"
QUICK_START = odoo_env.REPO / "module_auto_update" / "cli" / "odoo-auto-upgrade"


def find_click(path, odoo):
    """click-odoo-update: ``path``, else the one beside ``odoo``'s Python (its series' venv), the PATH's, the venv's."""
    beside = Path(odoo.command[0]).parent / "click-odoo-update"
    candidates = (path, str(beside), shutil.which("click-odoo-update"), VENV_CLICK)
    found = next((found for found in candidates if found and os.access(found, os.X_OK)), None)
    if not found:
        raise odoo_env.Missing(
            "click-odoo-update is missing: python3 -m venv --system-site-packages /tmp/cou-venv && "
            "/tmp/cou-venv/bin/pip install click-odoo-contrib (or give --click PATH)."
        )
    return found


def timed(cmd, env):
    """``(wall seconds, CPU seconds, completed process)`` of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def build(odoo, name, addons):
    print(f"Building {name} with {addons} (a few minutes)...", file=sys.stderr, flush=True)
    odoo_env.install(odoo, name, addons.split(","))


def prepare(odoo, name, click_cmd, env, options=()):
    """Make both tools agree that nothing changed, and check that they do; ``options``: more for odoo-bin."""
    conn = odoo_env.pg_connect(name)
    with conn.cursor() as cr:
        cr.execute("DELETE FROM ir_config_parameter WHERE key = 'module_auto_update.exclude_patterns'")
        cr.execute(
            "INSERT INTO ir_config_parameter (key, value) VALUES ('module_auto_update.exclude_patterns', %s)",
            (EXCLUDE_PATTERNS,),
        )
        cr.execute("SELECT count(*) FROM ir_module_module WHERE state = 'installed'")
        installed = cr.fetchone()[0]
    conn.close()
    odoo.run([odoo.command_name, "-d", name, "--init-hashes", "--log-level=warn", *options])
    proc = subprocess.run([*click_cmd[:-1], "--log-level=info"], env=env, capture_output=True, text=True)
    if "No module needs updating" not in proc.stderr:
        raise RuntimeError(f"click-odoo-update does not see a no-op:\n{proc.stderr[-3000:]}")
    return installed


def cache_bytecode(tmp):
    """Let Python cache bytecode under ``tmp``, as a deployed Odoo has it, without writing into the sources."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")


def no_op_commands(odoo, name, click, tmp, data_dir=None):
    """The three no-op commands on database ``name``, by tool, and their configuration file, written in ``tmp``."""
    paths = ",".join(str(p) for p in (*odoo.addons_paths, odoo_env.REPO))
    conf = Path(tmp) / "odoo.conf"
    conf.write_text(f"[options]\naddons_path = {paths}\n" + (f"data_dir = {data_dir}\n" if data_dir else ""))
    return {
        # Its own last line ("... without loading Odoo") shows it did not hand over.
        "odoo-auto-upgrade": [
            odoo.command[0],
            str(QUICK_START),
            *("-c", str(conf), "-d", name, "--log-level=warn"),
            "--log-handler=odoo.addons.module_auto_update.cli.quick_start:INFO",
        ],
        f"odoo-bin {odoo.command_name}": odoo.argv(
            [odoo.command_name, "-c", str(conf), "-d", name, "--log-level=warn"]
        ),
        "click-odoo-update": [click, "-c", str(conf), "-d", name, "--log-level=warn"],
    }


def no_op_times(name, commands, env, runs):
    """``{tool: [(wall, cpu), ...]}``: ``commands`` (``no_op_commands``) in turn, ``runs`` times, each order
    reversed every other run, after one run of each that is not timed (bytecode compiled, files read); ours
    checked to say ``nothing to do`` (the quick start: without loading Odoo)."""
    for cmd in commands.values():
        timed(cmd, env)
    times = {tool: [] for tool in commands}
    for run in range(runs):
        for tool in list(commands) if run % 2 == 0 else list(commands)[::-1]:
            wall, cpu, proc = timed(commands[tool], env)
            if tool != "click-odoo-update":
                assert proc.stdout.strip() == f"{name}: nothing to do", proc.stdout + proc.stderr[-2000:]
            if tool == "odoo-auto-upgrade":
                assert "without loading Odoo" in proc.stderr, proc.stderr[-2000:]
            times[tool].append((wall, cpu))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each tool (default 5)")
    parser.add_argument("--click", help="path of click-odoo-update")
    parser.add_argument("--addons", default=ADDONS, help=f"addons to install (default {ADDONS})")
    parser.add_argument("--db", help="use this existing database (neither built nor dropped)")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE as it is (default: cache bytecode under a temporary "
        "PYTHONPYCACHEPREFIX, as a deployed Odoo has it, without writing into the sources)",
    )
    args = parser.parse_args()

    odoo_env.check_postgres()
    odoo = odoo_env.find_odoo()
    click = find_click(args.click, odoo)
    name = args.db or odoo_env.unique_db("mau_bench")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_bytecode:
            cache_bytecode(tmp)
        bytecode = "no bytecode cache" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "bytecode cached"
        env = {**os.environ, **odoo.env}
        commands = no_op_commands(odoo, name, click, tmp)
        try:
            if not args.db:
                build(odoo, name, args.addons)
            installed = prepare(odoo, name, commands["click-odoo-update"], env)
            times = no_op_times(name, commands, env, args.runs)
        finally:
            if not args.db:
                odoo_env.drop_db(name)

    print(
        f"No-op run on a database with {installed} installed addons, {args.runs} runs each, "
        f"{bytecode}, on {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f}):\n"
    )
    print(f"{'tool':<24}{'wall median':>12}{'wall min-max':>16}{'CPU median':>12}{'wall / click':>14}")
    medians = {
        tool: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
        for tool, runs in times.items()
    }
    click_wall = medians["click-odoo-update"][0]
    for tool, runs in times.items():
        walls = [w for w, _ in runs]
        wall, cpu = medians[tool]
        print(f"{tool:<24}{wall:>11.2f}s{min(walls):>8.2f}-{max(walls):.2f}s{cpu:>11.2f}s{wall / click_wall:>14.2f}")


if __name__ == "__main__":
    main()
