# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmarks, side by side in one run: python3 tools/bench.py [--runs N] [--quick] [--only cold|upgrades]

Builds its own database (~100 installed addons of Odoo 18, no demo data),
measures, drops everything and prints one table where every figure is the
median of the runs (spread min-max) and a ratio to its reference, measured in
the same run on the same database, interleaved run by run:

1. change detection when nothing changed, warm stat cache: ours against the
   straightforward algorithm written here from the spec (os.walk, fnmatch,
   whole-file reads), over the installed addons and over all Odoo addons;
   the digests are asserted identical; then cold, as in a fresh container:
   no stat cache entry, nothing changed, the recorded digests known (no
   per-file digest is computed), over all the addons of Odoo's two addons
   folders, stat cache off and empty, against the same reference walk
   (``--only cold`` runs this measure alone, without building a database);
2. ``upgrade_changed_checksum()`` in a running Odoo when nothing changed:
   ours against the straightforward flow (refresh the module list, hash every
   installed addon with the exclude default of click-odoo-update and the OCA
   addon, compare with the legacy parameter), as the OCA addon does;
3. one leaf addon changed: our auto-upgrade against ``odoo-bin -u <addon>
   --stop-after-init`` and ``-u all`` on copies of the same database; its
   rehearsal (``--rehearse``: the same upgrade, rolled back, with its
   report) against our real upgrade;
4. the cost of all or nothing: our upgrade runs in one transaction, Odoo's
   ``-u`` commits after every addon. The same upgrade both ways, one leaf
   and every addon (``--update-all`` against ``-u all``): wall time, the
   peak private memory of the PostgreSQL backends serving the run, and the
   most locks they held at once (sampled every 0.2 s);
5. peak RSS of fingerprinting an addon holding a 1 GiB (sparse) file.

Not a test: nothing here fails on a figure, it prints them.
"""

import argparse
import contextlib
import dataclasses
import fnmatch
import hashlib
import inspect
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))
import odoo_env  # noqa: E402

from module_auto_update.core import commas, inspection  # noqa: E402
from module_auto_update.core.cache import cached_fingerprint  # noqa: E402
from module_auto_update.core.fingerprint import fingerprint  # noqa: E402

ADDONS = "sale_management,crm,project,stock,account,website,hr"
LEAF = "project_todo"
PATTERNS = commas.split("*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*")
# The default of the tools that read the legacy parameter (click-odoo-update,
# the OCA addon since 18.0): the straightforward flow of measure 2 hashes with
# it, as they do, so that what we record is checked valid for them.
TOOLS_DEFAULT_PATTERNS = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*,tests/*"


def straightforward_hash(top, exclude_patterns, keep_langs):
    """The fingerprint as the spec states it, with no care for speed."""
    langs = {lang.split("_")[0] for lang in keep_langs}
    sha1 = hashlib.sha1()
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        reldir = os.path.relpath(dirpath, top)
        for name in sorted(filenames):
            relpath = os.path.normpath(os.path.join(reldir, name))
            if any(fnmatch.fnmatch(relpath, pattern) for pattern in exclude_patterns):
                continue
            base, ext = os.path.splitext(name)
            if langs and reldir in ("i18n", "i18n_extra") and ext == ".po" and base.split("_")[0] not in langs:
                continue
            sha1.update(relpath.encode())
            with open(os.path.join(dirpath, name), "rb") as f:
                sha1.update(f.read())
    return sha1.hexdigest()


@dataclasses.dataclass
class Row:
    label: str
    ours: list
    ref: list
    ref_label: str
    target: str = ""
    unit: str = "s"

    def ratio(self):
        return statistics.median(self.ref) / statistics.median(self.ours)


def spread(values, unit):
    fmt = "{:.0f}" if unit in ("MiB", "locks") else "{:.3f}" if max(values) < 10 else "{:.1f}"
    med = fmt.format(statistics.median(values))
    return f"{med} {unit} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def timed(func, *args):
    start = time.perf_counter()
    value = func(*args)
    return time.perf_counter() - start, value


def machine(odoo):
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    conn = odoo_env.pg_connect()
    with conn.cursor() as cr:
        cr.execute("SHOW server_version")
        pg = cr.fetchone()[0]
    conn.close()
    release = subprocess.run(
        [*odoo.command[:1], "-c", "import odoo.release as r; print(r.version)"],
        capture_output=True,
        text=True,
        env={**os.environ, **odoo.env},
    ).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem / 2**20:.1f} GiB RAM; Python {platform.python_version()}; "
        f"PostgreSQL {pg}; Odoo {release}; load average at start {os.getloadavg()[0]:.2f}"
    )


class Sampler:
    """What the PostgreSQL backends of one database use while a command runs.

    Every 0.2 s: the private memory (RssAnon: not the shared buffers they
    touch) of each backend process, and the locks they hold together. Keeps
    the largest of each. Reads /proc, so PostgreSQL must run on this machine.
    """

    def __init__(self, dbname):
        self.dbname, self.peak_mib, self.peak_locks = dbname, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        conn = odoo_env.pg_connect()
        with conn.cursor() as cr:
            while not self._stop.wait(0.2):
                cr.execute(
                    "SELECT a.pid, (SELECT count(*) FROM pg_locks l WHERE l.pid = a.pid) FROM pg_stat_activity a "
                    "WHERE a.datname = %s AND a.pid != pg_backend_pid()",
                    (self.dbname,),
                )
                backends = cr.fetchall()
                self.peak_locks = max(self.peak_locks, sum(count for _pid, count in backends))
                for pid, _count in backends:
                    self.peak_mib = max(self.peak_mib, rss_anon_mib(pid))
        conn.close()


def rss_anon_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("RssAnon:"))
    except (OSError, StopIteration):
        return 0.0  # gone meanwhile


class Bench:
    def __init__(self, odoo, workdir, runs, db=None):
        self.runs = runs
        self.workdir = workdir
        # Private copies, found before the originals: of the leaf addon, so
        # that editing it leaves the shared Odoo source alone; of this addon,
        # so that edits to the checkout during the run change nothing.
        self.leaf_dir = workdir / "leaf"
        # Odoo's addons folder: addons/ in a checkout, odoo/addons in a 17.0 source distribution.
        leaf = next(path / LEAF for path in odoo.addons_paths if (path / LEAF).is_dir())
        shutil.copytree(leaf, self.leaf_dir / LEAF)
        # Odoo searches its own odoo/addons before any addons path: a leaf there cannot be shadowed
        # by a copy, so the original is edited, and put back by ``cleanup``.
        self.edited_leaf = leaf if leaf.parent == odoo.root / "odoo" / "addons" else self.leaf_dir / LEAF
        self.leaf_init = (self.edited_leaf / "__init__.py").read_bytes()
        shutil.copytree(
            odoo_env.REPO / "module_auto_update",
            self.leaf_dir / "module_auto_update",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        self.odoo = dataclasses.replace(odoo, addons_paths=(self.leaf_dir, *odoo.addons_paths))
        self.data_dir = workdir / "data"
        self.base = db or odoo_env.unique_db("mau_bench")
        self.built = not db
        self.dbs = []

    # Databases --------------------------------------------------------------

    def odoo_bin(self, *args, check=True):
        return self.odoo.run([*args, f"--data-dir={self.data_dir}", "--no-http", "--log-level=warn"], check=check)

    def shell(self, db, code):
        code = f"import odoo.tools\nodoo.tools.config['data_dir'] = {str(self.data_dir)!r}\n" + code
        return odoo_env.shell(self.odoo, db, code)

    def copy(self):
        name = odoo_env.unique_db("mau_bench_copy")
        self.dbs.append(name)
        odoo_env.create_db(name, template=self.base)
        return name

    def drop(self, name):
        odoo_env.drop_db(name)
        self.dbs.remove(name)

    def sql(self, query, params=None):
        return odoo_env.sql(self.base, query, params)

    def build(self):
        started = time.perf_counter()
        if self.built:
            self.dbs.append(self.base)
            odoo_env.create_db(self.base)
            self.odoo_bin(
                "-d", self.base, "-i", f"module_auto_update,{ADDONS}", "--without-demo=all", "--stop-after-init"
            )
        self.shell(self.base, "env['ir.module.module']._save_installed_checksums()\nenv.cr.commit()\nresult(1)\n")
        self.installed = [
            name for (name,) in self.sql("SELECT name FROM ir_module_module WHERE state = 'installed' ORDER BY name")
        ]
        dependents = self.sql(
            "SELECT m.name FROM ir_module_module_dependency d JOIN ir_module_module m ON m.id = d.module_id "
            "WHERE d.name = %s AND m.state = 'installed'",
            (LEAF,),
        )
        if LEAF not in self.installed or dependents:
            raise SystemExit(f"{LEAF} should be an installed leaf addon; dependents: {dependents}")
        self.langs = [code for (code,) in self.sql("SELECT code FROM res_lang WHERE active")]
        print(
            f"database {self.base}: {len(self.installed)} installed addons, built in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )

    def cleanup(self):
        (self.edited_leaf / "__init__.py").write_bytes(self.leaf_init)
        for name in list(self.dbs):
            self.drop(name)

    # 1. Change detection -----------------------------------------------------

    def addon_dirs(self, names=None):
        roots = [self.leaf_dir, *self.odoo.addons_paths, self.odoo.root / "odoo" / "addons", odoo_env.REPO]
        found = {}
        for root in roots:
            for name in sorted(os.listdir(root)):
                if (root / name / "__manifest__.py").is_file() and (names is None or name in names):
                    found.setdefault(name, str(root / name))
        return found

    def detection(self, label, dirs):
        cache_dir = str(self.workdir / "cache")

        def ours():
            return {
                name: cached_fingerprint(path, PATTERNS, self.langs, cache_dir).digest for name, path in dirs.items()
            }

        def reference():
            return {name: straightforward_hash(path, PATTERNS, self.langs) for name, path in dirs.items()}

        assert ours() == reference(), "the digests differ from the reference algorithm"  # and warms the cache
        row = Row(f"1. change detection, nothing changed, warm cache: {label}", [], [], "straightforward", "≥ 5×")
        for _ in range(self.runs):
            seconds, ref_digests = timed(reference)
            row.ref.append(seconds)
            seconds, digests = timed(ours)
            row.ours.append(seconds)
            assert digests == ref_digests
        return row

    def odoo_addon_dirs(self):
        """``{name: path}`` of the addons of Odoo's own two folders, ``addons`` and ``odoo/addons``."""
        found = {}
        for root in (self.odoo.root / "addons", self.odoo.root / "odoo" / "addons"):
            for name in sorted(os.listdir(root)):
                if (root / name / "__manifest__.py").is_file():
                    found.setdefault(name, str(root / name))
        return found

    def cold_no_op(self, dirs):
        """A fresh container's run where nothing changed: no stat cache entry, the recorded digests known.

        Ours is ``inspection.current_fingerprints`` as a run calls it, with the stat
        cache off, then with an empty one (the default in a new container: its
        entries are written); the reference is the straightforward walk.
        """
        names = sorted(dirs)
        # The recorded digests; this first pass also brings the files into the page cache.
        saved = {name: straightforward_hash(dirs[name], PATTERNS, self.langs) for name in names}
        label = f"   cold, nothing changed, digests recorded: all {len(dirs)} Odoo addons"
        rows = {
            None: Row(f"{label}, stat cache off", [], [], "reference walk", "≤ 1.10×"),
            "empty": Row(f"{label}, empty stat cache", [], [], "reference walk", "≤ 1.10×"),
        }

        def reference():
            return {name: straightforward_hash(dirs[name], PATTERNS, self.langs) for name in names}

        def ours(cache_dir):
            settings = inspection.FingerprintSettings(PATTERNS, self.langs, cache_dir)
            return inspection.current_fingerprints(names, settings, dirs.get, saved=saved)

        for run in range(self.runs):
            # Alternate who goes first, so that neither always meets a hotter CPU.
            sides = ["ref", None, "empty"]
            for side in sides if run % 2 == 0 else sides[::-1]:
                if side == "ref":
                    seconds, digests = timed(reference)
                    assert digests == saved
                    for row in rows.values():
                        row.ref.append(seconds)
                    continue
                cache_dir = tempfile.mkdtemp(prefix="stat_cache_", dir=self.workdir) if side else None
                seconds, found = timed(ours, cache_dir)
                rows[side].ours.append(seconds)
                assert inspection.digests(found) == saved, "the digests differ from the reference algorithm"
                assert not any(fp.files_computed for fp in found.values()), "a per-file digest was computed"
                if cache_dir:
                    shutil.rmtree(cache_dir)
        return list(rows.values())

    def cold_threads(self, dirs):
        def serial():
            return [fingerprint(path, PATTERNS, self.langs) for path in dirs.values()]

        def threads():
            with ThreadPoolExecutor(2) as pool:
                return list(pool.map(lambda path: fingerprint(path, PATTERNS, self.langs), dirs.values()))

        row = Row("   no cache (every file read), 2 threads", [], [], "1 thread")
        for _ in range(self.runs):
            row.ref.append(timed(serial)[0])
            row.ours.append(timed(threads)[0])
        return row

    # 2. In-process, nothing changed ------------------------------------------

    def in_process_nothing_changed(self):
        db = self.copy()
        code = inspect.getsource(straightforward_hash) + textwrap.dedent(f"""
            import fnmatch, hashlib, json, os, time
            from odoo.modules.module import get_module_path
            from odoo.addons.module_auto_update.core import commas
            Module = env["ir.module.module"]
            Param = env["ir.config_parameter"].sudo()

            def straightforward_flow():
                Module.update_list()
                patterns = commas.split(Param.get_param("module_auto_update.exclude_patterns",
                                                      {TOOLS_DEFAULT_PATTERNS!r}))
                langs = env["res.lang"].search([("active", "=", True)]).mapped("code")
                saved = json.loads(Param.get_param("module_auto_update.installed_checksums") or "{{}}")
                return [m.name for m in Module.search([("state", "=", "installed")])
                        if straightforward_hash(get_module_path(m.name), patterns, langs) != saved.get(m.name)]

            Module.upgrade_changed_checksum()  # warms the stat cache
            ours, ref = [], []
            for _ in range({self.runs}):
                start = time.perf_counter()
                changed = straightforward_flow()
                ref.append(time.perf_counter() - start)
                env.cr.rollback()
                assert not changed, changed
                start = time.perf_counter()
                action = Module.upgrade_changed_checksum()
                ours.append(time.perf_counter() - start)
                assert action["params"].get("next", {{}}).get("tag") != "reload", action  # nothing upgraded
            result({{"ours": ours, "ref": ref}})
        """)
        times = self.shell(db, code)
        self.drop(db)
        return Row(
            "2. upgrade_changed_checksum(), nothing changed, in-process",
            times["ours"],
            times["ref"],
            "update_list + hash all",
            "≥ 10×",
        )

    # 3. One leaf addon changed -----------------------------------------------

    def edit_leaf(self, run):
        with open(self.edited_leaf / "__init__.py", "a") as f:
            f.write(f"# benchmark edit {run}\n")

    def on_copy(self, *args, sample=False):
        """odoo-bin ``args`` on a fresh copy of the database, dropped after: ``(seconds, process, sampler)``;
        ``sample``: with a ``Sampler`` of the copy's backends (else ``None``)."""
        db = self.copy()
        head = [] if args[0].startswith("-") else [args[0]]  # a command goes first
        with Sampler(db) if sample else contextlib.nullcontext() as sampler:
            seconds, proc = timed(self.odoo_bin, *head, "-d", db, *args[len(head) :])
        self.drop(db)
        return seconds, proc, sampler

    def auto_upgrade(self, *options, sample=False, result="done"):
        """Our upgrade of the edited leaf on a fresh copy (``--format json``), checked to have upgraded
        it with ``result``: ``(seconds, process, sampler)``."""
        found = self.on_copy(self.odoo.command_name, *options, "--format", "json", sample=sample)
        outcome = json.loads(found[1].stdout.strip().splitlines()[-1])
        assert outcome["result"] == result and outcome["upgraded"] == [LEAF], (outcome, found[1].stderr[-2000:])
        return found

    def odoo_u(self, addons=LEAF, sample=False):
        """``odoo-bin -u addons --stop-after-init`` on a fresh copy: ``(seconds, process, sampler)``."""
        return self.on_copy("-u", addons, "--stop-after-init", sample=sample)

    def upgrade_rows(self, with_all):
        rows = {
            "cli": Row(f"3. {LEAF} changed: odoo-bin auto-upgrade", [], [], f"odoo-bin -u {LEAF}", "≤ 0.85× the time"),
            "call": Row(
                f"   {LEAF} changed: upgrade_changed_checksum() in a running Odoo",
                [],
                [],
                f"odoo-bin -u {LEAF}",
                "≤ 1.15×",
            ),
            "rehearse": Row(
                f"   {LEAF} changed: odoo-bin auto-upgrade --rehearse", [], [], "auto-upgrade", "≤ 1.10× the time"
            ),
            "all": Row(f"   {LEAF} changed: odoo-bin auto-upgrade", [], [], "odoo-bin -u all"),
            "every": Row("4. every addon: odoo-bin auto-upgrade --update-all", [], [], "odoo-bin -u all", "≤ 1.10×"),
        }
        memory = {
            kind: Row(f"   {what}: PostgreSQL backend, peak private memory", [], [], ref, unit="MiB")
            for kind, what, ref in (("leaf", LEAF, f"-u {LEAF}"), ("every", "every addon", "-u all"))
        }
        locks = {
            kind: Row(f"   {what}: locks held at most", [], [], ref, unit="locks")
            for kind, what, ref in (("leaf", LEAF, f"-u {LEAF}"), ("every", "every addon", "-u all"))
        }
        call_code = textwrap.dedent("""
            import time
            start = time.perf_counter()
            res = env["ir.module.module"]._auto_upgrade()
            result({"seconds": time.perf_counter() - start, "upgraded": res["upgraded"]})
        """)

        def sampled(kind, side, found):
            """Record the memory and locks of ``found``, a run's ``(seconds, process, sampler)``: its seconds."""
            seconds, _proc, sampler = found
            if kind:  # (a rehearsal is sampled alike, to be timed alike, but not shown)
                getattr(memory[kind], side).append(sampler.peak_mib)
                getattr(locks[kind], side).append(sampler.peak_locks)
            return seconds

        for run in range(self.runs):
            self.edit_leaf(run)
            seconds = sampled("leaf", "ours", self.auto_upgrade(sample=True))
            rows["cli"].ours.append(seconds)
            rows["all"].ours.append(seconds)
            rows["rehearse"].ref.append(seconds)

            seconds = sampled(None, None, self.auto_upgrade("--rehearse", sample=True, result="rehearsed"))
            rows["rehearse"].ours.append(seconds)

            db = self.copy()
            res = self.shell(db, call_code)
            assert res["upgraded"] == [LEAF], res
            rows["call"].ours.append(res["seconds"])
            self.drop(db)

            seconds = sampled("leaf", "ref", self.odoo_u(sample=True))
            rows["cli"].ref.append(seconds)
            rows["call"].ref.append(seconds)

            if with_all:
                found = self.on_copy(self.odoo.command_name, "--update-all", "--format", "json", sample=True)
                assert json.loads(found[1].stdout.strip().splitlines()[-1])["result"] == "done", found[1].stderr[-2000:]
                rows["every"].ours.append(sampled("every", "ours", found))
                seconds = sampled("every", "ref", self.odoo_u("all", sample=True))
                rows["all"].ref.append(seconds)
                rows["every"].ref.append(seconds)
            print(f"run {run + 1}/{self.runs} of the upgrades done", flush=True)
        leaf = [rows["cli"], rows["call"], rows["rehearse"], memory["leaf"], locks["leaf"]]
        return leaf + ([rows["all"], rows["every"], memory["every"], locks["every"]] if with_all else [])

    # 4. Memory ---------------------------------------------------------------

    def memory(self):
        addon = self.workdir / "big_addon"
        addon.mkdir()
        (addon / "__manifest__.py").write_text("{}")
        with open(addon / "big.bin", "wb") as f:
            f.truncate(1 << 30)  # sparse: 1 GiB of zeros that takes no disk
        # In a child process each, so that ru_maxrss is this call's peak.
        probe = (
            f"import resource, sys; sys.path[:0] = [{str(HERE)!r}]; import bench; bench.{{call}}; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        ours = probe.format(call=f"cached_fingerprint({str(addon)!r}, [], [], {str(self.workdir / 'memcache')!r})")
        ref = probe.format(call=f"straightforward_hash({str(addon)!r}, [], [])")
        row = Row("5. peak RSS, addon with a 1 GiB file", [], [], "whole-file read", "< 100 MiB", unit="MiB")
        for _ in range(self.runs):
            for source, values in ((ours, row.ours), (ref, row.ref)):
                out = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True).stdout
                values.append(int(out.split()[-1]) / 1024)
        shutil.rmtree(addon)
        return row


def parser(doc):
    """The options every benchmark over a database it builds takes: --runs, --db, --keep."""
    found = argparse.ArgumentParser(description=doc.splitlines()[0])
    found.add_argument("--runs", type=int, default=5, help="runs per measure; the median is reported (default 5)")
    found.add_argument("--db", help="use this database, built by an earlier run with --keep, instead of building one")
    found.add_argument("--keep", action="store_true", help="keep the database built by this run (named at the end)")
    return found


def print_table(runs, text):
    print(f"\nmedian of {runs} run(s), (min-max); load average at the end {os.getloadavg()[0]:.2f}")
    print(text)


def finish(bench, keep):
    """Drop the databases ``bench`` made, but its base one with ``keep`` (named, for ``--db``)."""
    if keep and bench.base in bench.dbs:
        bench.dbs.remove(bench.base)
        print(f"kept database {bench.base}")
    bench.cleanup()


def table(rows):
    lines = [("measure", "ours", "reference", "ratio", "target")]
    for row in rows:
        if row.unit in ("MiB", "locks"):
            ratio = f"{statistics.median(row.ours) / max(statistics.median(row.ref), 1e-9):.3f}× of ref"
        else:
            ratio = f"{row.ratio():.2f}× faster" if row.ratio() >= 1 else f"{1 / row.ratio():.2f}× the time"
        lines.append(
            (row.label, spread(row.ours, row.unit), f"{spread(row.ref, row.unit)} {row.ref_label}", ratio, row.target)
        )
    return columns(lines)


def columns(lines):
    """``lines`` (tuples of cells, the first the header) as a text table, each column as wide as its widest cell."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for n, line in enumerate(lines):
        out.append(" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("-+-".join("-" * width for width in widths))
    return "\n".join(out)


def main():
    options = parser(__doc__)
    options.add_argument("--quick", action="store_true", help="one run per measure and no -u all: a smoke check")
    options.add_argument("--no-update-all", action="store_true", help="skip the -u all runs (~2 min each)")
    options.add_argument(
        "--only",
        choices=["cold", "upgrades"],
        help="run one measure alone: cold = fingerprints in a fresh container where nothing changed "
        "(no database is built; the language is en_US, a new database's); upgrades = measure 3 without -u all",
    )
    args = options.parse_args()
    runs = 1 if args.quick else args.runs
    odoo_env.check_postgres()
    odoo = odoo_env.find_odoo()
    print(machine(odoo), flush=True)
    with tempfile.TemporaryDirectory(prefix="mau_bench_") as tmp:
        bench = Bench(odoo, Path(tmp), runs, args.db)
        try:
            if args.only == "cold":
                bench.langs = ["en_US"]
                rows = bench.cold_no_op(bench.odoo_addon_dirs())
            elif args.only == "upgrades":
                bench.build()
                rows = bench.upgrade_rows(with_all=False)
            else:
                bench.build()
                installed = bench.addon_dirs(set(bench.installed))
                every = bench.addon_dirs()
                rows = [
                    bench.detection(f"{len(installed)} installed addons", installed),
                    bench.detection(f"all {len(every)} Odoo 18 addons", every),
                    *bench.cold_no_op(bench.odoo_addon_dirs()),
                    bench.cold_threads(every),
                    bench.in_process_nothing_changed(),
                    *bench.upgrade_rows(with_all=not (args.quick or args.no_update_all)),
                    bench.memory(),
                ]
        finally:
            finish(bench, args.keep)
    print_table(runs, table(rows))


if __name__ == "__main__":
    main()
