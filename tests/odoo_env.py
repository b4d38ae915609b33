# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Find Odoo 18 and PostgreSQL for the suites, the demo and the benchmarks.

Odoo comes from ``ODOO_SRC`` (a source checkout) or from an importable
``odoo``; PostgreSQL from the usual libpq variables (PGHOST, PGPORT, PGUSER,
PGPASSWORD). When either is missing we stop with one sentence that says what
is missing and how to provide it.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_ADDONS = REPO / "tests" / "sample_addons"
RESULT_MARK = "@@RESULT@@ "


class Missing(SystemExit):
    """A prerequisite is missing: exits with one clear sentence."""


# The Odoo series the suites run on: MAU_ODOO_SERIES=19.0 (or 17.0) runs them on the one
# tools/setup.py prepared in its own virtual environment; 18.0 (the default) as described below.
SERIES = os.environ.get("MAU_ODOO_SERIES", "18.0")


def command_name(series=SERIES):
    """The addon's command in Odoo ``series``: ``auto-upgrade``; ``auto_upgrade`` from 19.0 on."""
    return "auto-upgrade" if series < "19.0" else "auto_upgrade"


@dataclass(frozen=True)
class Odoo:
    root: Path  # the folder holding the odoo package
    command: tuple  # how to start odoo-bin
    addons_paths: tuple  # Odoo's own addons folders (base's is implicit)
    env: dict
    series: str = "18.0"

    @property
    def command_name(self):
        """The addon's command: ``auto-upgrade``; ``auto_upgrade`` from 19.0 on (upgrade/series.py)."""
        return command_name(self.series)

    @property
    def python(self):
        """The Python that runs this Odoo (its virtual environment's for 17.0 and 19.0)."""
        return self.command[0]

    def argv(self, args, addons=()):
        """The odoo-bin command line for ``args``; ``addons`` are extra addons folders."""
        paths = f"--addons-path={','.join(str(p) for p in (*self.addons_paths, REPO, *addons))}"
        # The addons path goes first so that odoo-bin finds commands shipped
        # in addons' cli/ folders, and again after a command for its own parser.
        if args and not args[0].startswith("-"):
            return [*self.command, paths, args[0], paths, *args[1:]]
        return [*self.command, paths, *args]

    def popen(self, args, addons=(), **kwargs):
        """Start odoo-bin with ``args`` without waiting for it (servers, concurrent runs, crashes)."""
        return subprocess.Popen(self.argv(args, addons), env={**os.environ, **self.env}, **kwargs)

    def run(self, args, addons=(), check=True, **kwargs):
        """Run odoo-bin with ``args``; ``addons`` are extra addons folders."""
        cmd = self.argv(args, addons)
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        proc = subprocess.run(cmd, env={**os.environ, **self.env}, **kwargs)
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"odoo-bin {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
            )
        return proc


def series_venv(series):
    """The virtual environment ``tools/setup.py`` prepares for Odoo ``series`` (17.0, 19.0)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "module_auto_update" / f"venv-{series}"


def find_odoo(series=None):
    """The Odoo of ``series`` (default ``SERIES``: the MAU_ODOO_SERIES variable, else 18.0)."""
    series = series or SERIES
    if series != "18.0":
        return find_other_series(series)
    src = os.environ.get("ODOO_SRC")
    if src:
        root = Path(src).expanduser().resolve()
        if not (root / "odoo" / "release.py").is_file():
            raise Missing(
                f"ODOO_SRC={src} is not an Odoo source checkout (no odoo/release.py): "
                "point it at a checkout of Odoo 18.0."
            )
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    else:
        probe = subprocess.run(
            [sys.executable, "-c", "import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))"],
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0:
            raise Missing(
                "Odoo 18 is missing: set ODOO_SRC to an Odoo 18.0 source checkout "
                "(with its requirements.txt installed), or make `odoo` importable by "
                f"{sys.executable}."
            )
        root, env = Path(probe.stdout.strip()), {}
    version = subprocess.run(
        [sys.executable, "-c", "import odoo.release as r; print(r.series)"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    if version.stdout.strip() != "18.0":
        raise Missing(
            f"Odoo 18.0 is required, found {version.stdout.strip() or 'an Odoo that does not import'} "
            f"in {root}: {version.stderr.strip().splitlines()[-1:] or ''}"
        )
    command = (
        (sys.executable, str(root / "odoo-bin")) if (root / "odoo-bin").is_file() else (sys.executable, "-m", "odoo")
    )
    addons = (root / "addons",) if (root / "addons").is_dir() else ()
    return Odoo(root, command, addons, env)


def find_other_series(series):
    """Odoo ``series`` (17.0, 19.0) from the virtual environment of its own that ``tools/setup.py``
    prepared (``ODOO_SRC_17``, ``ODOO_SRC_19``), whose Python imports it."""
    python = series_venv(series) / "bin" / "python"
    variable = f"ODOO_SRC_{series.split('.')[0]}"
    if not python.is_file():
        raise Missing(
            f"Odoo {series} is not prepared: no {python}. Run {variable}=/path/to/odoo-{series} python3 tools/setup.py."
        )
    probe = subprocess.run(
        [str(python), "-c", "import odoo, odoo.release as r, os; print(r.series, os.path.dirname(odoo.__path__[0]))"],
        capture_output=True,
        text=True,
    )
    found = probe.stdout.split()
    if probe.returncode != 0 or len(found) != 2 or found[0] != series:
        raise Missing(
            f"Odoo {series} is required in {python}, found {found[0] if found else 'an Odoo that does not import'}: "
            f"run {variable}=/path/to/odoo-{series} python3 tools/setup.py."
        )
    root = Path(found[1])
    # Odoo's own addons: addons/ in a checkout; in a 17.0 source distribution, odoo/addons (base's folder).
    addons = tuple(path for path in (root / "addons", root / "odoo" / "addons") if path.is_dir())[:1]
    return Odoo(root, (str(python), str(root / "odoo-bin")), addons, {}, series)


def pg_connect(dbname="postgres"):
    import psycopg2

    try:
        conn = psycopg2.connect(dbname=dbname)
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0]
        raise Missing(
            f"PostgreSQL is not reachable ({reason}): start it, or point PGHOST, "
            "PGPORT, PGUSER and PGPASSWORD at a server where this user may create databases."
        ) from exc
    conn.autocommit = True
    return conn


def sql(dbname, query, params=None):
    """Run one statement on ``dbname`` (autocommit); its rows, or None when it returns none."""
    conn = pg_connect(dbname)
    try:
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def stop(proc):
    """Stop the process ``proc``; kill it if it lingers."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_postgres():
    pg_connect().close()


def schema_lines(name):
    """The lines of ``pg_dump --schema-only`` of database ``name``, without its ``\\restrict`` lines
    (they carry a key drawn anew at every dump)."""
    dump = subprocess.run(
        ["pg_dump", "--schema-only", "--no-owner", "--no-privileges", name],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))]


def database_snapshot(name):
    """The whole of a database: its schema (``pg_dump --schema-only``) and a
    digest of the rows of every table; ``{"schema": text, "rows": {table: md5}}``.

    Two snapshots are equal when no schema object and no row differs.
    Sequence positions are left out: PostgreSQL never rolls them back.
    """
    schema = "\n".join(schema_lines(name))
    conn = pg_connect(name)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
            )
            tables = [table for (table,) in cr.fetchall()]
            rows = {}
            for table in tables:
                cr.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
                )
                rows[table] = cr.fetchone()
    finally:
        conn.close()
    return {"schema": schema, "rows": rows}


def snapshot_differences(before, after, ignore=()):
    """What differs between two ``database_snapshot`` results, in words (empty when nothing)."""
    found = []
    if before["schema"] != after["schema"]:
        import difflib

        diff = difflib.unified_diff(before["schema"].splitlines(), after["schema"].splitlines(), lineterm="", n=0)
        found.append("schema:\n" + "\n".join(list(diff)[:40]))
    for table in sorted(set(before["rows"]) | set(after["rows"])):
        if table in ignore:
            continue
        if before["rows"].get(table) != after["rows"].get(table):
            found.append(f"rows of {table}: {before['rows'].get(table)} -> {after['rows'].get(table)}")
    return found


def unique_db(prefix="mau_test"):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def create_db(name, template=None):
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            if template:
                cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                cr.execute(f"CREATE DATABASE \"{name}\" ENCODING 'unicode' TEMPLATE template0")
    finally:
        conn.close()


def filestore(name):
    """Where Odoo keeps the files of database ``name`` (the default data_dir)."""
    return Path.home() / ".local" / "share" / "Odoo" / "filestore" / name


def drop_db(name):
    """Drop database ``name`` and its filestore."""
    shutil.rmtree(filestore(name), ignore_errors=True)
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()


def install(odoo, db, modules, addons=()):
    """Install ``modules`` (without demo data) on ``db``, creating it if needed."""
    odoo.run(
        ["-d", db, "-i", ",".join(modules), "--without-demo=all", "--stop-after-init", "--log-level=warn", "--no-http"],
        addons=addons,
    )


def shell(odoo, db, code, addons=(), check=True, options=()):
    """Run ``code`` in ``odoo-bin shell`` on ``db``; return what it passed to
    ``result(...)`` (JSON-decoded), or the completed process if nothing.
    ``options``: more odoo-bin options (``-c FILE``...)."""
    prelude = (
        "import json as _json\n"
        "def result(value):\n"
        f"    print({RESULT_MARK!r} + _json.dumps(value, default=str), flush=True)\n"
    )
    proc = odoo.run(
        ["shell", *options, "-d", db, "--log-level=warn", "--no-http"],
        addons=addons,
        input=prelude + code,
        check=check,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    if check and "Traceback" in proc.stderr:
        raise RuntimeError(f"odoo shell failed on {db}:\n{proc.stderr[-6000:]}")
    return proc


def wait_for(predicate, timeout, what):
    """Poll ``predicate`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.2)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(odoo, db, log, *args, addons=(), preload=True):
    """Run an Odoo server on ``db``, loopback only, logging to ``log``; yield its URL.

    ``preload``: start with ``-d db`` (the registry is loaded at start);
    without it, the database is only allowed, and loaded by the first request.
    The server is stopped (then killed if it lingers) when the block ends.
    """
    port = free_port()
    with open(log, "w") as out:
        proc = odoo.popen(
            [
                *(["-d", db] if preload else []),
                f"--db-filter=^{db}$",
                f"--http-port={port}",
                "--http-interface=127.0.0.1",
                "--max-cron-threads=0",
                *args,
            ],
            addons=addons,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
                break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = Path(log).read_text()[-4000:]
                    raise RuntimeError(f"the Odoo server on {db} did not start:\n{tail}") from exc
                time.sleep(0.5)
        yield url
    finally:
        stop(proc)


def jsonrpc(url, service, method, *args):
    """Call ``/jsonrpc``; return its decoded answer (``result`` or ``error``)."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"service": service, "method": method, "args": list(args)},
    }
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(f"{url}/jsonrpc", json.dumps(payload).encode(), headers)
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)
