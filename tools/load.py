# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Users writing while an addon is upgraded: python3 tools/load.py [--help]

As a command, a measurement for the docs, the upgrade tools side by side in
one run. It builds a throwaway database (base, module_auto_update and the
sample addon mau_sample_partner, fingerprints recorded), then for each tool
(``--tools ours,odoo-u,click``), on its own copy of that database and of the
addon: starts an Odoo server (threaded, or ``--workers N``), starts
``--clients`` users writing ``--hot`` partners over JSON-RPC, waits
``--before`` seconds, changes the addon on disk (version 18.0.1.0.1 and a
post-migration that appends " migrated" to the hot partners' notes), runs
the tool under that load, keeps the load ``--after`` seconds, stops and
checks that every acknowledged write is in the database. It prints one
table, tools as rows, and drops everything it made, also on Ctrl-C. Tools:

- ``ours``: ``odoo-bin auto-upgrade -d DB``;
- ``odoo-u``: ``odoo-bin -d DB -u mau_sample_partner --stop-after-init --no-http``;
- ``click``: ``click-odoo-update -d DB`` (OCA's click-odoo-contrib), when
  installed (on PATH, beside this Python, or in /tmp/cou-venv/bin).

Quick run: python3 tools/load.py --clients 4 --hot 8 --before 2 --after 2

As a library (the e2e tests)::

    with Load(url, db, clients=4, hot=8) as load:  # clients write, phase "before"
        time.sleep(2)
        load.phase("during")
        ...  # upgrade
        load.phase("after")
    load.report()  # requests, failures, latency per phase
    load.lost(db)  # acknowledged writes the database does not have: []

Standard library and psycopg2 only.
"""

import argparse
import html
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent / "tests") not in sys.path:
    sys.path.insert(0, str(HERE.parent / "tests"))
import odoo_env  # noqa: E402

SAMPLE = "mau_sample_partner"
NEW_VERSION = "18.0.1.0.1"
TOOLS = {"ours": "ours", "odoo-u": "odoo -u", "click": "click-odoo-update"}
CLICK_PLACES = (Path(sys.executable).parent / "click-odoo-update", Path("/tmp/cou-venv/bin/click-odoo-update"))
CLICK_SETUP = "python3 -m venv --system-site-packages /tmp/cou-venv && /tmp/cou-venv/bin/pip install click-odoo-contrib"
MIGRATED_KEY = "load.migrated"
MIGRATION = """import os


def migrate(cr, version):
    with open({runs!r}, "a") as runs:
        runs.write(f"{{os.getpid()}}\\n")
    cr.execute("UPDATE res_partner SET comment = coalesce(comment, '') || ' migrated' WHERE name LIKE 'load hot %'")
    cr.execute(
        "INSERT INTO ir_config_parameter (key, value) VALUES ({key!r}, '1') ON CONFLICT (key) "
        "DO UPDATE SET value = (ir_config_parameter.value::int + 1)::text"
    )
"""
TAG = re.compile(r"<[^>]*>")


# -- the load ---------------------------------------------------------------


class RpcError(Exception):
    """The JSON-RPC answer had an ``error``."""


def call(url, service, method, args, timeout):
    """One ``/jsonrpc`` call; its ``result``, or RpcError / OSError."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"service": service, "method": method, "args": args},
    }
    request = urllib.request.Request(
        f"{url}/jsonrpc", json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.load(response)
    if "error" in answer:
        error = answer["error"]
        data = error.get("data") or {}
        raise RpcError(f"{data.get('name') or error.get('message')}: {data.get('message') or error}")
    return answer["result"]


def percentile(ordered, fraction):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not ordered:
        return None
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def note_text(value):
    """The text of an Html note as stored: tags removed, entities decoded (None: "")."""
    return html.unescape(TAG.sub("", value or ""))


def phase_figures(samples):
    """``{"requests", "failed", "p50", "p99", "max"}`` of ``[(seconds, ok)]``."""
    ordered = sorted(seconds for seconds, _ok in samples)
    return {
        "requests": len(samples),
        "failed": sum(1 for _seconds, ok in samples if not ok),
        "p50": percentile(ordered, 0.50),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else None,
    }


class Load:
    """``clients`` threads writing partners over JSON-RPC, one request at a time each.

    Preparation (``__enter__``): log in, create ``hot`` partners "load hot <i>";
    client k owns rows k, k + clients, ... Each client then writes its next
    row's ``comment`` with the token ``c<k>-<n>`` (its n-th request), or, every
    other request when ``creates``, creates a partner "load new c<k>-<n>".
    A request fails when the HTTP call raises or times out (``timeout``
    seconds) or the answer has an error; Odoo's own retries on serialization
    failures are invisible here and count as successes.
    """

    def __init__(
        self,
        url,
        db,
        clients=10,
        hot=20,
        creates=True,
        login="admin",
        password="admin",
        pause=0.0,
        timeout=300,
    ):
        if clients < 1:
            raise ValueError(f"clients must be at least 1, not {clients}")
        if hot < clients:
            raise ValueError(f"hot ({hot}) must be at least clients ({clients}): each client owns one row or more")
        self.url, self.db, self.clients, self.hot, self.creates = url, db, clients, hot, creates
        self.login, self.password, self.pause, self.timeout = login, password, pause, timeout
        self.uid = None
        self.hot_ids = []  # row i -> res.partner id
        # row i -> [[token, acknowledged], ...] in the order its owner sent them;
        # the first entry is the note the row was created with.
        self.history = {}
        self.created = []  # [(id, name)] of acknowledged creates
        self._lock = threading.Lock()
        self._phase = "before"
        self._phases = {}  # name -> [(seconds, ok)]
        self._failures = []
        self._stop = threading.Event()
        self._threads = []

    # preparation and life cycle

    def __enter__(self):
        self.uid = call(self.url, "common", "login", [self.db, self.login, self.password], self.timeout)
        if not self.uid:
            raise RuntimeError(f"cannot log in to {self.db} at {self.url} as {self.login!r}")
        rows = [{"name": f"load hot {i}", "comment": f"hot{i}-init"} for i in range(self.hot)]
        ids = self.execute("create", [rows])
        self.hot_ids = list(ids)
        self.history = {i: [[row["comment"], True]] for i, row in enumerate(rows)}
        self.phase("before")
        self._threads = [
            threading.Thread(target=self._client, args=(k,), name=f"load-c{k}", daemon=True)
            for k in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self, grace=None):
        """Stop the clients; wait for their requests in flight (``timeout`` + 5 s at most)."""
        self._stop.set()
        deadline = time.monotonic() + (self.timeout + 5 if grace is None else grace)
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
        return not self.running()

    def running(self):
        return any(thread.is_alive() for thread in self._threads)

    def phase(self, name):
        """Tag the requests that start from now on with ``name``."""
        with self._lock:
            self._phases.setdefault(name, [])
            self._phase = name

    # the clients

    def execute(self, method, args):
        return call(
            self.url,
            "object",
            "execute_kw",
            [self.db, self.uid, self.password, "res.partner", method, args],
            self.timeout,
        )

    def _client(self, k):
        owned = list(range(k, self.hot, self.clients))
        n = writes = 0
        while not self._stop.is_set():
            token = f"c{k}-{n}"
            if self.creates and n % 2 == 1:
                self._request(token, self._create, f"load new {token}")
            else:
                row = owned[writes % len(owned)]
                writes += 1
                self._request(token, self._write, row, token)
            n += 1
            if self.pause:
                self._stop.wait(self.pause)

    def _create(self, name):
        result = self.execute("create", [{"name": name}])
        record_id = result[0] if isinstance(result, list) else result
        self.created.append((record_id, name))

    def _write(self, row, token):
        entry = [token, False]
        self.history[row].append(entry)
        self.execute("write", [[self.hot_ids[row]], {"comment": token}])
        entry[1] = True

    def _request(self, token, func, *args):
        with self._lock:
            phase = self._phase
        start = time.monotonic()
        error = None
        try:
            func(*args)
        except Exception as exc:  # any: HTTP errors, timeouts, broken answers, RpcError
            error = str(exc) if isinstance(exc, RpcError) else f"{type(exc).__name__}: {exc}"
        seconds = time.monotonic() - start
        with self._lock:
            self._phases[phase].append((seconds, error is None))
            if error and len(self._failures) < 10:
                self._failures.append(f"[{phase}] {token} ({func.__name__.strip('_')}): {error[:500]}")

    # results

    def report(self):
        with self._lock:
            phases = {name: phase_figures(samples) for name, samples in self._phases.items()}
            failures = list(self._failures)
        return {
            "requests": sum(p["requests"] for p in phases.values()),
            "failed": sum(p["failed"] for p in phases.values()),
            "failures": failures,
            "phases": phases,
            "acknowledged_writes": sum(acked for entries in self.history.values() for _t, acked in entries[1:]),
            "acknowledged_creates": len(self.created),
            "unfinished_clients": sum(thread.is_alive() for thread in self._threads),
        }

    def lost(self, dbname, matches=None):
        """The acknowledged writes and creates that ``dbname`` does not have, in words ([] when none).

        A hot row's note (its text: res.partner.comment is an Html field that
        Odoo wraps in <p>) must satisfy ``matches(token, text)`` (default:
        equality) for its last acknowledged token, or for a token its owner
        sent after that one and never saw acknowledged (its fate is unknown:
        it timed out, or failed). Every acknowledged create must exist with its name.
        """
        if self.running():
            raise RuntimeError("lost() compares with the database after the clients stopped")
        matches = matches or (lambda acked, value: acked == value)
        ids = [*self.hot_ids, *(record_id for record_id, _name in self.created)]
        conn = odoo_env.pg_connect(dbname)
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT id, name, comment FROM res_partner WHERE id = ANY(%s)", (ids,))
                found = {record_id: (name, comment) for record_id, name, comment in cr.fetchall()}
        finally:
            conn.close()
        lines = []
        for row, record_id in enumerate(self.hot_ids):
            lines.extend(self._lost_write(row, record_id, found, matches))
        for record_id, name in self.created:
            if record_id not in found:
                lines.append(f"created partner {name!r} (id {record_id}) is missing")
            elif found[record_id][0] != name:
                lines.append(f"created partner id {record_id}: name {found[record_id][0]!r}, expected {name!r}")
        return lines

    def _lost_write(self, row, record_id, found, matches):
        owner = f"c{row % self.clients}"
        if record_id not in found:
            return [f"hot row {row} (res.partner {record_id}, client {owner}) is missing"]
        entries = self.history[row]
        last = max(i for i, (_token, acked) in enumerate(entries) if acked)
        candidates = [token for token, _acked in entries[last:]]
        text = note_text(found[record_id][1])
        if any(matches(token, text) for token in candidates):
            return []
        later = f" (nor the unacknowledged {', '.join(candidates[1:])})" if len(candidates) > 1 else ""
        return [
            f"hot row {row} (res.partner {record_id}, client {owner}): the last acknowledged write "
            f"{candidates[0]!r}{later} is not there, the note is {text!r}"
        ]


# -- the command ------------------------------------------------------------


def find_click():
    found = shutil.which("click-odoo-update")
    if found:
        return found
    return next((str(place) for place in CLICK_PLACES if place.is_file()), None)


def snapshot_code(work):
    """A copy of the checkout's module_auto_update, first on the addons path:
    other edits to the checkout during the run change neither fingerprints nor code."""
    folder = work / "code"
    shutil.copytree(
        odoo_env.REPO / "module_auto_update",
        folder / "module_auto_update",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return folder


def addons_path(odoo, addons):
    return ",".join(str(p) for p in (*odoo.addons_paths, odoo_env.REPO, addons))


def copy_sample(folder):
    folder.mkdir(parents=True)
    shutil.copytree(odoo_env.SAMPLE_ADDONS / SAMPLE, folder / SAMPLE)
    return folder


def build_base(odoo, work, dbs):
    """The database every tool starts from: installed, fingerprints recorded."""
    name = odoo_env.unique_db("mau_load_base")
    dbs.append(name)
    addons = copy_sample(work / "base_addons")
    odoo_env.install(odoo, name, ("module_auto_update", SAMPLE), addons=[addons])
    odoo_env.shell(odoo, name, 'env["ir.module.module"]._save_installed_checksums(); env.cr.commit()', addons=[addons])
    return name


def change_sample(addons, runs):
    """The new version on disk: a version bump and a post-migration touching the hot rows."""
    manifest = addons / SAMPLE / "__manifest__.py"
    text = manifest.read_text()
    if '"version": "18.0.1.0.0"' not in text:
        raise RuntimeError(f"{manifest}: version 18.0.1.0.0 not found")
    manifest.write_text(text.replace('"version": "18.0.1.0.0"', f'"version": "{NEW_VERSION}"'))
    folder = addons / SAMPLE / "migrations" / NEW_VERSION
    folder.mkdir(parents=True)
    (folder / "post-migrate.py").write_text(MIGRATION.format(runs=str(runs), key=MIGRATED_KEY))


def tool_command(tool, odoo, db, addons, click):
    if tool == "ours":
        return odoo.argv(["auto-upgrade", "-d", db, "--format", "json"], addons=[addons])
    if tool == "odoo-u":
        return odoo.argv(["-d", db, "-u", SAMPLE, "--stop-after-init", "--no-http"], addons=[addons])
    return [click, "-d", db, "--addons-path", addons_path(odoo, addons)]


def run_logged(argv, odoo, log, timeout):
    """Run ``argv`` with its output in ``log``; ``(exit code or "timeout", seconds, output)``."""
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, env={**os.environ, **odoo.env}, stdout=out, stderr=subprocess.STDOUT)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "timeout"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return code, time.monotonic() - start, Path(log).read_text(errors="replace")


def ours_outcome(output):
    """Our JSON line (``--format json``), or {} when there is none."""
    for line in reversed(output.splitlines()):
        if line.startswith("{") and '"attempts"' in line:
            try:
                return json.loads(line)
            except ValueError:
                return {}
    return {}


def error_tail(output, lines=6):
    """The last lines that say what went wrong (errors, then the last lines of the output)."""
    texts = [line.rstrip()[:300] for line in output.splitlines() if line.strip()]
    errors = [line for line in texts if re.search(r"ERROR|Error:|error:|Exception|could not|Traceback", line)]
    return (errors or texts)[-lines:]


def database_state(db):
    conn = odoo_env.pg_connect(db)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT latest_version, state FROM ir_module_module WHERE name = %s", (SAMPLE,))
            version, state = cr.fetchone()
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", (MIGRATED_KEY,))
            committed = cr.fetchone()
    finally:
        conn.close()
    return {"version": version, "state": state, "committed": int(committed[0]) if committed else 0}


def migrated(acked, value):
    """Whether ``value`` is the acknowledged write ``acked``, before or after the post-migration appended to it."""
    return value in (acked, f"{acked} migrated")


def measure(tool, odoo, base, work, opts, dbs):
    """One tool under load on a fresh copy; a row of the table."""
    folder = work / tool
    addons = copy_sample(folder / "addons")
    runs = folder / "migration_runs"
    db = odoo_env.unique_db("mau_load")
    dbs.append(db)
    odoo_env.create_db(db, template=base)
    click = find_click()
    if tool == "click":
        code, _seconds, output = run_logged(
            [click, "-d", db, "--addons-path", addons_path(odoo, addons), "--only-compute-hashes"],
            odoo,
            folder / "click-hashes.log",
            opts.tool_timeout,
        )
        if code != 0:
            raise RuntimeError(f"click-odoo-update --only-compute-hashes exited {code}: {error_tail(output)}")
    server_args = [f"--workers={opts.workers}", f"--gevent-port={odoo_env.free_port()}"] if opts.workers else []
    print(f"{TOOLS[tool]}: database {db}, server and {opts.clients} clients...", file=sys.stderr, flush=True)
    with odoo_env.serve(odoo, db, folder / "server.log", *server_args, addons=[addons]) as url:
        with Load(url, db, clients=opts.clients, hot=opts.hot, timeout=opts.request_timeout) as load:
            time.sleep(opts.before)
            load.phase("during")
            change_sample(addons, runs)
            argv = tool_command(tool, odoo, db, addons, click)
            code, seconds, output = run_logged(argv, odoo, folder / "tool.log", opts.tool_timeout)
            load.phase("after")
            time.sleep(opts.after)
    # The server is gone: a request still in flight has failed by now.
    load.stop(grace=10)
    report = load.report()
    outcome = ours_outcome(output) if tool == "ours" else {}
    row = {
        "tool": TOOLS[tool],
        "code": code,
        "seconds": seconds,
        "attempts": outcome.get("attempts", 1) if tool == "ours" else 1,
        "runs": len(runs.read_text().split()) if runs.exists() else 0,
        **database_state(db),
        "report": report,
        "lost": ["clients still running: not checked"] if load.running() else load.lost(db, matches=migrated),
        "outcome": outcome,
        "tail": error_tail(output) if code != 0 else [],
    }
    if opts.logs:
        target = Path(opts.logs) / tool
        target.mkdir(parents=True, exist_ok=True)
        for log in folder.glob("*.log"):
            shutil.copy(log, target / log.name)
    odoo_env.drop_db(db)
    dbs.remove(db)
    return row


def broken_row(tool, exc):
    report = {"requests": 0, "failed": 0, "failures": [], "phases": {}, "acknowledged_writes": 0}
    return {
        "tool": TOOLS[tool],
        "code": "harness error",
        "seconds": 0.0,
        "attempts": 0,
        "runs": 0,
        "committed": 0,
        "version": "-",
        "state": "-",
        "report": {**report, "acknowledged_creates": 0},
        "lost": [],
        "outcome": {},
        "tail": str(exc).splitlines()[-6:],
    }


def latency(figures):
    if not figures or not figures["requests"]:
        return "-"
    return "/".join(f"{figures[key]:.3f}" for key in ("p50", "p99", "max"))


def table(rows):
    head = (
        "tool",
        "exit",
        "upgrade s",
        "attempts",
        "version",
        "migration ran/committed",
        "acked/present",
        "lost",
        "failed/requests",
        "before p50/p99/max s",
        "during p50/p99/max s",
        "after p50/p99/max s",
    )
    lines = [head]
    for row in rows:
        report = row["report"]
        acked = report["acknowledged_writes"] + report["acknowledged_creates"]
        phases = report["phases"]
        lines.append(
            (
                row["tool"],
                str(row["code"]),
                f"{row['seconds']:.1f}",
                str(row["attempts"]),
                f"{row['version']} ({row['state']})",
                f"{row['runs']}/{row['committed']}",
                f"{acked}/{acked - len(row['lost'])}",
                str(len(row["lost"])),
                f"{report['failed']}/{report['requests']}",
                *(latency(phases.get(name)) for name in ("before", "during", "after")),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def details(rows):
    """What went wrong, tool by tool, under the table."""
    out = []
    for row in rows:
        said = []
        if row["outcome"].get("error"):
            said.append(f"  {row['outcome'].get('result')}: {row['outcome']['error']}")
        said.extend(f"  | {line}" for line in row["tail"] if not row["outcome"].get("error"))
        said.extend(f"  request failed: {text}" for text in row["report"]["failures"][:3])
        said.extend(f"  lost: {text}" for text in row["lost"][:5])
        if row["report"].get("unfinished_clients"):
            said.append(f"  {row['report']['unfinished_clients']} client(s) still in a request when stopped")
        if said:
            out.append(f"{row['tool']} (exit {row['code']}):")
            out.extend(said)
    return "\n".join(out)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 tools/load.py",
        description="Upgrade tools under a write load, side by side: failed requests, latency, lost writes.",
    )
    parser.add_argument("--tools", default="ours,odoo-u,click", help="comma-separated: ours, odoo-u, click")
    parser.add_argument("--workers", type=int, default=0, help="Odoo prefork workers (default 0: threaded)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent users (default 20)")
    parser.add_argument("--hot", type=int, default=40, help="partners the users write (default 40)")
    parser.add_argument("--before", type=float, default=5.0, help="seconds of load before the upgrade (default 5)")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of load after the upgrade (default 5)")
    parser.add_argument("--request-timeout", type=float, default=120.0, help="seconds per request (default 120)")
    parser.add_argument("--tool-timeout", type=float, default=600.0, help="seconds per upgrade run (default 600)")
    parser.add_argument("--logs", metavar="DIR", help="keep the server and tool logs in DIR")
    opts = parser.parse_args(argv)
    opts.tools = [name.strip() for name in opts.tools.split(",") if name.strip()]
    unknown = [name for name in opts.tools if name not in TOOLS]
    if unknown or not opts.tools:
        parser.error(f"unknown tool(s) {', '.join(unknown) or '(none)'}: choose among {', '.join(TOOLS)}")
    if opts.hot < opts.clients or opts.clients < 1:
        parser.error("--hot must be at least --clients, and --clients at least 1")
    return opts


def terminated(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    opts = parse_args(argv)
    odoo_env.check_postgres()
    odoo = odoo_env.find_odoo()
    if "click" in opts.tools and not find_click():
        print(f"click-odoo-update not found, skipped; to set it up: {CLICK_SETUP}", file=sys.stderr)
        opts.tools.remove("click")
    signal.signal(signal.SIGTERM, terminated)
    dbs = []
    rows = []
    with tempfile.TemporaryDirectory(prefix="mau_load_") as tmp:
        work = Path(tmp)
        try:
            odoo = replace(odoo, addons_paths=(*odoo.addons_paths, snapshot_code(work)))
            print("building the database (base, module_auto_update, mau_sample_partner)...", file=sys.stderr)
            base = build_base(odoo, work, dbs)
            for tool in opts.tools:
                try:
                    rows.append(measure(tool, odoo, base, work, opts, dbs))
                except Exception as exc:  # the harness itself failed for this tool: say so, go on
                    print(f"{TOOLS[tool]}: the measurement failed: {exc}", file=sys.stderr)
                    rows.append(broken_row(tool, exc))
        finally:
            for db in reversed(dbs):
                odoo_env.drop_db(db)
    print(
        f"{opts.clients} clients on {opts.hot} partners, {'%d workers' % opts.workers if opts.workers else 'threaded'}"
        f", {opts.before:g} s before, {opts.after:g} s after; latency in seconds"
    )
    print(table(rows))
    text = details(rows)
    if text:
        print(f"\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
