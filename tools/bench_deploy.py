# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Deploy benchmark, the upgrade on start: python3 tools/bench_deploy.py [--runs N] [--keep | --db NAME]

Builds its own database (sale_management, crm and module_auto_update, no
demo data: a few minutes on two cores), records its fingerprints, and
measures on fresh copies of it (CREATE DATABASE ... TEMPLATE, with a copy
of its filestore), interleaved run by run, the time from new code on disk to
the first HTTP 200 of ``/web/login`` (threaded server, ``-d`` the copy):

A. the leaf addon sale_crm edited (a data file and its version), then a
   start with the upgrade on start (``--load=base,web,module_auto_update``,
   ``ODOO_AUTO_UPGRADE_ON_START=1``);
B. the same edit, ``odoo-bin -u sale_crm --stop-after-init``, then a plain
   start;
C. nothing changed: a start with the upgrade on start;
D. nothing changed: a plain start.

It prints one table: the median of the runs (spread min-max), A against B
and C against D as a ratio of times, and the targets (A ≤ 0.50× B,
C ≤ 1.05× D). Each run is checked for what it claims: A upgraded sale_crm
alone with one registry load, C found nothing to do.

sale_crm is installed by sale_management and crm together and nothing
installed depends on it; a private copy of it (and of this addon, so that
edits to the checkout during the run change nothing) is put on the addons
path ahead of Odoo's. ``--keep`` keeps the database it built (named at the
end) and ``--db`` measures on one kept that way, without building (it runs
``-u module_auto_update`` there first: this addon's code may have moved on).
Servers run threaded, without cron threads, the same for all four kinds.

Not a test: nothing here fails on a figure, it prints them.
"""

import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
import odoo_env  # noqa: E402
from bench import finish, machine, parser, print_table, spread  # noqa: E402

ADDONS = "sale_management,crm"
LEAF = "sale_crm"
EDITED_FILE = "views/partner_views.xml"
SERVER_WIDE = "--load=base,web,module_auto_update"
# Our outcome lines and Odoo's "Registry loaded in", the sign of a registry load.
LOGS = (
    "--log-level=warn",
    "--log-handler=odoo.addons.module_auto_update:INFO",
    "--log-handler=odoo.modules.registry:INFO",
)
REGISTRY_LOADED = "odoo.modules.registry: Registry loaded in"
START_TIMEOUT = 300
UPGRADE_TIMEOUT = 900


@dataclasses.dataclass
class Row:
    label: str
    ours: list
    ref: list
    ref_label: str
    target: str

    def ratio(self):
        """Our median time as a fraction of the reference's."""
        return statistics.median(self.ours) / statistics.median(self.ref)


def table(rows):
    lines = [("measure", "ours", "reference", "ratio", "target")]
    for row in rows:
        ours, ref = spread(row.ours, "s"), f"{spread(row.ref, 's')} {row.ref_label}"
        lines.append((row.label, ours, ref, f"{row.ratio():.2f}×", row.target))
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    out = []
    for n, line in enumerate(lines):
        out.append(" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("-+-".join("-" * width for width in widths))
    return "\n".join(out)


class DeployBench:
    """The database, the private addons folder, and the four kinds of start."""

    def __init__(self, odoo, workdir, runs, db=None):
        self.runs = runs
        self.workdir = workdir
        self.addons_dir = workdir / "addons"
        self.pristine = odoo.root / "addons" / LEAF
        shutil.copytree(self.pristine, self.addons_dir / LEAF)
        shutil.copytree(
            odoo_env.REPO / "module_auto_update",
            self.addons_dir / "module_auto_update",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        self.odoo = dataclasses.replace(odoo, addons_paths=(self.addons_dir, *odoo.addons_paths))
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.base = db or odoo_env.unique_db("mau_bench_deploy")
        self.built = not db
        self.dbs = []

    # Databases --------------------------------------------------------------

    def build(self):
        started = time.perf_counter()
        if self.built:
            self.dbs.append(self.base)
            odoo_env.create_db(self.base)
            self.odoo.run(
                [
                    "-d",
                    self.base,
                    "-i",
                    f"module_auto_update,{ADDONS}",
                    "--without-demo=all",
                    "--stop-after-init",
                    "--no-http",
                    "--log-level=warn",
                ],
                timeout=3600,
            )
        else:
            # A kept database: this addon's code may have moved on since it was built.
            self.odoo.run(
                ["-d", self.base, "-u", "module_auto_update", "--stop-after-init", "--no-http", "--log-level=warn"],
                timeout=UPGRADE_TIMEOUT,
            )
        # Recorded against the private copies: a copy of the base finds nothing changed.
        odoo_env.shell(self.odoo, self.base, "env['ir.module.module']._save_installed_checksums()\nenv.cr.commit()\n")
        installed = odoo_env.sql(self.base, "SELECT name FROM ir_module_module WHERE state = 'installed'")
        dependents = odoo_env.sql(
            self.base,
            "SELECT m.name FROM ir_module_module_dependency d JOIN ir_module_module m ON m.id = d.module_id "
            "WHERE d.name = %s AND m.state = 'installed'",
            (LEAF,),
        )
        if (LEAF,) not in installed or dependents:
            raise SystemExit(f"{LEAF} should be an installed leaf addon of {self.base}; dependents: {dependents}")
        print(
            f"database {self.base}: {len(installed)} installed addons, ready in {time.perf_counter() - started:.0f} s",
            flush=True,
        )

    def copy(self):
        """A fresh copy of the base database and of its filestore."""
        name = odoo_env.unique_db("mau_bench_deploy_copy")
        self.dbs.append(name)
        odoo_env.create_db(name, template=self.base)
        if odoo_env.filestore(self.base).is_dir():
            shutil.copytree(odoo_env.filestore(self.base), odoo_env.filestore(name))
        return name

    def drop(self, name):
        odoo_env.drop_db(name)
        self.dbs.remove(name)

    def cleanup(self):
        for name in list(self.dbs):
            self.drop(name)

    # The leaf addon -----------------------------------------------------------

    def restore_leaf(self):
        shutil.rmtree(self.addons_dir / LEAF)
        shutil.copytree(self.pristine, self.addons_dir / LEAF)

    def edit_leaf(self, run):
        """New code on disk: a data file and the version (upgrades normally come with one)."""
        manifest = self.addons_dir / LEAF / "__manifest__.py"
        text = manifest.read_text()
        assert "'version': '1.0'" in text, f"{manifest} has another version line than expected"
        manifest.write_text(text.replace("'version': '1.0'", f"'version': '1.0.{run + 1}'"))
        with open(self.addons_dir / LEAF / EDITED_FILE, "a") as f:
            f.write(f"<!-- benchmark edit {run} -->\n")

    # Starts -------------------------------------------------------------------

    def serve_until_login(self, db, upgrade_on_start, started, label):
        """Start a server on ``db``; return the seconds from ``started`` to the first
        200 of /web/login, and the server's log. The server is stopped afterwards."""
        port = odoo_env.free_port()
        args = [
            "-d",
            db,
            f"--db-filter=^{db}$",
            f"--http-port={port}",
            "--http-interface=127.0.0.1",
            "--max-cron-threads=0",
            *LOGS,
        ]
        env = dict(os.environ)
        env.pop("ODOO_AUTO_UPGRADE_ON_START", None)
        if upgrade_on_start:
            args.append(SERVER_WIDE)
            env["ODOO_AUTO_UPGRADE_ON_START"] = "1"
        log = self.logs / f"{label}-{db}.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                self.odoo.argv(args), env={**env, **self.odoo.env}, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            seconds = self._first_login(f"http://127.0.0.1:{port}/web/login", proc, started, log)
        finally:
            odoo_env.stop(proc)
        return seconds, log.read_text()

    def _first_login(self, url, proc, started, log):
        # The threaded server accepts connections before its registry is
        # ready; the request then waits for it, so one answer is the moment.
        while True:
            try:
                with urllib.request.urlopen(url, timeout=START_TIMEOUT) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError):
                pass
            if proc.poll() is not None or time.perf_counter() - started > START_TIMEOUT:
                raise RuntimeError(f"no 200 from {url} within {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")
            time.sleep(0.05)

    def upgrade_on_start(self, run):
        """A: edit, then a start with the upgrade on start."""
        db = self.copy()
        started = time.perf_counter()
        self.edit_leaf(run)
        seconds, log = self.serve_until_login(db, True, started, "A")
        rows = odoo_env.sql(db, "SELECT result, upgraded FROM module_auto_update_run WHERE trigger = 'server start'")
        assert rows == [("done", LEAF)], (rows, log[-3000:])
        assert log.count(REGISTRY_LOADED) == 1, f"not one registry load:\n{log[-3000:]}"
        self.restore_leaf()
        self.drop(db)
        return seconds

    def update_then_start(self, run):
        """B: edit, ``odoo-bin -u leaf --stop-after-init``, then a plain start."""
        db = self.copy()
        started = time.perf_counter()
        self.edit_leaf(run)
        self.odoo.run(
            ["-d", db, "-u", LEAF, "--stop-after-init", "--no-http", "--log-level=warn"], timeout=UPGRADE_TIMEOUT
        )
        seconds, _log = self.serve_until_login(db, False, started, "B")
        version = odoo_env.sql(db, "SELECT latest_version FROM ir_module_module WHERE name = %s", (LEAF,))
        assert version[0][0].endswith(f"1.0.{run + 1}"), version
        self.restore_leaf()
        self.drop(db)
        return seconds

    def start(self, upgrade_on_start):
        """C or D: nothing changed, a start with the upgrade on start or a plain one."""
        db = self.copy()
        seconds, log = self.serve_until_login(db, upgrade_on_start, time.perf_counter(), "CD"[not upgrade_on_start])
        if upgrade_on_start:
            assert f"{db}: nothing to do" in log, log[-3000:]
        self.drop(db)
        return seconds

    def measure(self):
        deploy = Row(
            f"{LEAF} changed: upgrade on start, to first /web/login 200",
            [],
            [],
            f"-u {LEAF} --stop-after-init, then a start",
            "≤ 0.50×",
        )
        idle = Row("nothing changed: start with the upgrade on start", [], [], "plain start", "≤ 1.05×")
        # Untimed: warms the page cache, the stat cache and PostgreSQL for both kinds.
        self.start(True)
        self.start(False)
        for run in range(self.runs):
            # Alternate the order, so that neither side always follows the other.
            order = (True, False) if run % 2 == 0 else (False, True)
            for ours in order:
                (idle.ours if ours else idle.ref).append(self.start(ours))
            for ours in order:
                if ours:
                    deploy.ours.append(self.upgrade_on_start(run))
                else:
                    deploy.ref.append(self.update_then_start(run))
            print(
                f"run {run + 1}/{self.runs}: A {deploy.ours[-1]:.2f} s, B {deploy.ref[-1]:.2f} s, "
                f"C {idle.ours[-1]:.2f} s, D {idle.ref[-1]:.2f} s",
                flush=True,
            )
        return [deploy, idle]


def main():
    args = parser(__doc__).parse_args()
    odoo_env.check_postgres()
    odoo = odoo_env.find_odoo()
    print(machine(odoo), flush=True)
    with tempfile.TemporaryDirectory(prefix="mau_bench_deploy_") as tmp:
        bench = DeployBench(odoo, Path(tmp), args.runs, args.db)
        try:
            bench.build()
            rows = bench.measure()
        finally:
            finish(bench, args.keep)
    print_table(args.runs, table(rows))


if __name__ == "__main__":
    main()
