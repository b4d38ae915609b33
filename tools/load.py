# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Users writing while an addon is upgraded: python3 tools/load.py [--help]

As a command, a measurement for the docs, the upgrade tools side by side in
one run. It builds a throwaway database (base, module_auto_update and the
sample addon mau_sample_partner, fingerprints recorded, the audit trigger
below installed), then for each migration style (``--styles``) and each tool
(``--tools ours,odoo-u,click``), on its own copy of that database and of the
addon: starts an Odoo server (threaded, or ``--workers N``), starts
``--clients`` users writing ``--hot`` partners' notes over JSON-RPC, waits
``--before`` seconds, changes the addon on disk (version 18.0.1.0.1, or of MAU_ODOO_SERIES, and a
post-migration of that style), runs the tool under that load, keeps the load
``--after`` seconds, stops and checks that every acknowledged write is in the
database and that no migration write replaced a committed value with one
computed from an older value. It prints one table, a row per style and tool,
and drops everything it made, also on Ctrl-C. Tools:

- ``ours``: ``odoo-bin auto-upgrade -d DB``;
- ``odoo-u``: ``odoo-bin -d DB -u mau_sample_partner --stop-after-init --no-http``;
- ``click``: ``click-odoo-update -d DB`` (OCA's click-odoo-contrib), when
  installed (on PATH, beside this Python, or in /tmp/cou-venv/bin).

Migration styles (``STYLES``), each a post-migration of the new version that
also records that it ran (a line in a file, the ``load.migrated`` counter),
so that "ran exactly once, committed once" is checked:

- ``none``: touches no partner: an upgrade with no row in common with the
  users, where every tool should succeed (the reference for the price);
- ``update``: one ``UPDATE`` appending " migrated" to the hot partners' notes;
- ``orm``: through the ORM, the hot partners searched and their notes read,
  a 2 s pause (a slow migration), then each written back + " migrated";
- ``select-update``: the same in SQL: ``SELECT id, comment``, a 2 s pause,
  one ``UPDATE ... WHERE id = %s`` per row with the value computed in Python;
- ``computed``: a new stored computed field ``mau_load_mark`` on res.partner
  (the note's text + " migrated") that Odoo's loader computes over every
  existing partner; the migration itself touches no row.

Overwritten writes (``overwritten``): an audit trigger (``install_audit``:
plain SQL, a ``BEFORE UPDATE`` trigger on res_partner filling the table
``mau_load_audit`` with the old and new note and ``mau_load_mark``, the
transaction id and the clock) records every committed change; a migration
write (a note ending in " migrated") must be the value it replaced +
" migrated", and a stored ``mau_load_mark`` the compute of the note of the
very row version it was stored on. A write computed from an older value is
counted even when a later user write hid it (``lost`` only sees the end).

The price of the upgrade (its time, users' p99 during it), with and without a
conflict, beside ``odoo -u`` in one run: ``--tools ours,odoo-u --styles
none,update,orm``. ``none`` is the upgrade without a conflict, where ``-u``
succeeds too and gives the reference time and p99; ``update`` and ``orm``
write the rows the users write (``orm`` reading them 2 s before). A
``--styles update,orm`` run alone does not give it: under this load ``-u``
fails on both (``could not serialize access due to concurrent update``), so
there is no ``-u`` time to compare with.

Quick run: python3 tools/load.py --clients 4 --hot 8 --before 2 --after 2

As a library (the e2e tests)::

    install_audit(db)  # before the upgrade (the command does it on its base database)
    with Load(url, db, clients=4, hot=8) as load:  # clients write, phase "before"
        time.sleep(2)
        load.phase("during")
        change_sample(addons, runs, style="orm")
        ...  # upgrade
        load.phase("after")
    load.report()  # requests, failures, latency per phase
    load.lost(db, matches=migrated)  # acknowledged writes the database does not have: []
    load.overwritten(db)  # migration writes computed from an older value: []

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
# The sample's version and the new one, in the series under test (MAU_ODOO_SERIES: 18.0 unless told).
OLD_VERSION, NEW_VERSION = f"{odoo_env.SERIES}.1.0.0", f"{odoo_env.SERIES}.1.0.1"
TOOLS = {"ours": "ours", "odoo-u": "odoo -u", "click": "click-odoo-update"}
CLICK_PLACES = (Path(sys.executable).parent / "click-odoo-update", Path("/tmp/cou-venv/bin/click-odoo-update"))
CLICK_SETUP = "python3 -m venv --system-site-packages /tmp/cou-venv && /tmp/cou-venv/bin/pip install click-odoo-contrib"
MIGRATED_KEY = "load.migrated"
MIGRATED = " migrated"  # what every style's migration appends to a note's text
MARK = "mau_load_mark"  # the stored computed field of the "computed" style
PAUSE = 2  # seconds between the read and the write of the read-compute-write styles
# The post-migration of every style: it says it ran, does its style's work, counts itself in the transaction.
MIGRATION = """import os
import time

from odoo import SUPERUSER_ID, api

PAUSE = {pause}


def migrate(cr, version):
    with open({runs!r}, "a") as runs:
        runs.write(f"{{os.getpid()}}\\n")
{body}
    cr.execute(
        "INSERT INTO ir_config_parameter (key, value) VALUES ({key!r}, '1') ON CONFLICT (key) "
        "DO UPDATE SET value = (ir_config_parameter.value::int + 1)::text"
    )
"""
STYLES = {
    "none": "    # No partner touched: no row in common with the users.\n",
    "update": (
        "    cr.execute(\"UPDATE res_partner SET comment = coalesce(comment, '') || ' migrated' "
        "WHERE name LIKE 'load hot %'\")\n"
    ),
    "orm": (
        "    env = api.Environment(cr, SUPERUSER_ID, {})\n"
        '    partners = env["res.partner"].with_context(active_test=False).search([("name", "=like", "load hot %")])\n'
        "    values = {partner.id: partner.comment for partner in partners}\n"
        "    time.sleep(PAUSE)  # a slow migration\n"
        "    for partner in partners:\n"
        '        partner.comment = (values[partner.id] or "") + " migrated"\n'
        "    env.flush_all()\n"
    ),
    "select-update": (
        "    cr.execute(\"SELECT id, comment FROM res_partner WHERE name LIKE 'load hot %'\")\n"
        "    rows = cr.fetchall()\n"
        "    time.sleep(PAUSE)  # a slow migration\n"
        "    for partner_id, comment in rows:\n"
        '        cr.execute("UPDATE res_partner SET comment = %s WHERE id = %s", '
        '((comment or "") + " migrated", partner_id))\n'
    ),
    "computed": "    # mau_load_mark, a new stored computed field: Odoo's loader computes it over every partner.\n",
}
# The "computed" style's new field in the sample's model; its compute is note_text(comment) + MIGRATED.
MODEL_IMPORT = "from odoo import fields, models\n"
COMPUTED_IMPORT = "import html\nimport re\n\nfrom odoo import api, fields, models\n"
COMPUTED_FIELD = """
    mau_load_mark = fields.Char(compute="_compute_mau_load_mark", store=True)

    @api.depends("comment")
    def _compute_mau_load_mark(self):
        for partner in self:
            partner.mau_load_mark = html.unescape(re.sub("<[^>]*>", "", partner.comment or "")) + " migrated"
"""
# Every committed change of a partner's note or mau_load_mark (a column that may not exist yet: read
# through to_jsonb), with its transaction and clock. BEFORE UPDATE: it sees the row version the write
# replaces, the one the write locked (re-read after a concurrent commit in READ COMMITTED).
AUDIT = """
CREATE TABLE mau_load_audit (
    id bigserial PRIMARY KEY,
    partner_id integer NOT NULL,
    txid bigint NOT NULL,
    at timestamptz NOT NULL,
    old_value text,
    new_value text,
    old_mark text,
    new_mark text
);
CREATE FUNCTION mau_load_audit() RETURNS trigger LANGUAGE plpgsql AS $audit$
DECLARE
    old_mark text := to_jsonb(OLD) ->> 'mau_load_mark';
    new_mark text := to_jsonb(NEW) ->> 'mau_load_mark';
BEGIN
    IF OLD.comment IS DISTINCT FROM NEW.comment OR old_mark IS DISTINCT FROM new_mark THEN
        INSERT INTO mau_load_audit (partner_id, txid, at, old_value, new_value, old_mark, new_mark)
        VALUES (OLD.id, txid_current(), clock_timestamp(), OLD.comment, NEW.comment, old_mark, new_mark);
    END IF;
    RETURN NEW;
END
$audit$;
CREATE TRIGGER mau_load_audit BEFORE UPDATE ON res_partner FOR EACH ROW EXECUTE FUNCTION mau_load_audit();
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

    def overwritten(self, dbname):
        """The migration writes on ``dbname`` computed from an older value, in words (``overwritten``)."""
        return overwritten(dbname)

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


# -- the audit: migration writes computed from an older value ----------------


def install_audit(dbname):
    """Record every change of res_partner's notes (and ``mau_load_mark``) in ``dbname`` from now on.

    Plain SQL beside Odoo: the table ``mau_load_audit`` and a ``BEFORE UPDATE``
    trigger on res_partner. An ``ALTER TABLE res_partner`` keeps the trigger;
    what a transaction that rolls back wrote (an attempt given up) goes with it.
    """
    odoo_env.sql(dbname, AUDIT)


def mark_of(note):
    """What the "computed" style's compute gives for a note (as stored)."""
    return note_text(note) + MIGRATED


def overwritten(dbname):
    """The migration writes that replaced a committed value with one computed from another, in words.

    From the audit (``install_audit``, before the upgrade): a new note whose
    text ends with " migrated" must be the text of the note it replaced +
    " migrated"; a new ``mau_load_mark`` must be the compute of the note of
    the row version it was stored on. And a partner's stored ``mau_load_mark``
    must still be the compute of its note, unless a write changed the note
    after the last write of the mark (a server still running the old code,
    which does not know the field: ``not_recomputed``). [] when none.
    """
    audit, stored = read_audit(dbname)
    lines, marked_wrong = [], set()
    for _id, partner_id, txid, at, old_value, new_value, old_mark, new_mark in audit:
        where = f"res.partner {partner_id} (transaction {txid} at {at:%H:%M:%S.%f})"
        old_text, new_text = note_text(old_value), note_text(new_value)
        if new_value != old_value and new_text.endswith(MIGRATED) and new_text != old_text + MIGRATED:
            lines.append(f"{where}: the note {old_text!r} was replaced by {new_text!r}, computed from an older note")
        if new_mark is not None and new_mark != old_mark and new_mark != mark_of(new_value):
            marked_wrong.add(partner_id)
            lines.append(
                f"{where}: {MARK} {new_mark!r} was stored on the note {new_text!r}, computed from an older note "
                f"(the compute gives {mark_of(new_value)!r})"
            )
    for partner_id, (note, mark) in stale_marks(audit, stored, later_notes=False).items():
        if partner_id in marked_wrong:
            continue  # said above
        lines.append(
            f"res.partner {partner_id}: {MARK} is {mark!r}, the compute of its note {note_text(note)!r} "
            f"is {mark_of(note)!r}, and no write changed the note since the mark was stored"
        )
    return lines


def not_recomputed(dbname):
    """How many partners' ``mau_load_mark`` a later write of their note left behind.

    Those writes came from a server still running the addon's old code (the
    users' server, until it restarts): it does not know the field, so does not
    recompute it. Not a migration's overwrite; the restart the upgrade asks for.
    """
    audit, stored = read_audit(dbname)
    return len(stale_marks(audit, stored, later_notes=True))


def read_audit(dbname):
    """The audit's rows in order, and ``{partner id: (note, mau_load_mark)}`` ({} without the column)."""
    conn = odoo_env.pg_connect(dbname)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('mau_load_audit') IS NOT NULL")
            if not cr.fetchone()[0]:
                raise RuntimeError(f"{dbname} has no mau_load_audit: install_audit() it before the upgrade")
            cr.execute(
                "SELECT id, partner_id, txid, at, old_value, new_value, old_mark, new_mark FROM mau_load_audit "
                "ORDER BY id"
            )
            audit = cr.fetchall()
            cr.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name = %s",
                (MARK,),
            )
            stored = {}
            if cr.fetchone():
                cr.execute(f"SELECT id, comment, {MARK} FROM res_partner")
                stored = {partner_id: (note, mark) for partner_id, note, mark in cr.fetchall()}
    finally:
        conn.close()
    return audit, stored


def stale_marks(audit, stored, later_notes):
    """The partners whose mark was written (per the audit) and is not the compute of their note now:
    those whose note changed after that (``later_notes``), or those whose note did not."""
    last_mark, last_note = {}, {}
    for audit_id, partner_id, *_when, old_value, new_value, old_mark, new_mark in audit:
        if new_mark != old_mark:
            last_mark[partner_id] = audit_id
        if new_value != old_value:
            last_note[partner_id] = audit_id
    stale = {}
    for partner_id, marked in last_mark.items():
        note, mark = stored.get(partner_id, (None, None))
        if partner_id in stored and mark != mark_of(note) and (last_note.get(partner_id, 0) > marked) == later_notes:
            stale[partner_id] = (note, mark)
    return stale


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
    """The database every tool starts from: installed, fingerprints recorded, the audit installed."""
    name = odoo_env.unique_db("mau_load_base")
    dbs.append(name)
    addons = copy_sample(work / "base_addons")
    odoo_env.install(odoo, name, ("module_auto_update", SAMPLE), addons=[addons])
    odoo_env.shell(odoo, name, 'env["ir.module.module"]._save_installed_checksums(); env.cr.commit()', addons=[addons])
    install_audit(name)
    return name


def change_sample(addons, runs, style="update"):
    """The new version on disk: a version bump and a post-migration of ``style`` (``STYLES``) that appends
    " migrated" to the hot partners' notes (or, ``computed``, a new stored field the loader computes)
    and records that it ran in the file ``runs``."""
    if style not in STYLES:
        raise ValueError(f"unknown migration style {style!r}: choose among {', '.join(STYLES)}")
    manifest = addons / SAMPLE / "__manifest__.py"
    text = manifest.read_text()
    if f'"version": "{OLD_VERSION}"' not in text:
        raise RuntimeError(f"{manifest}: version {OLD_VERSION} not found")
    if style == "computed":
        model = addons / SAMPLE / "models" / "res_partner.py"
        code = model.read_text()
        if MODEL_IMPORT not in code:
            raise RuntimeError(f"{model}: {MODEL_IMPORT.strip()!r} not found")
        model.write_text(code.replace(MODEL_IMPORT, COMPUTED_IMPORT) + COMPUTED_FIELD)
    manifest.write_text(text.replace(f'"version": "{OLD_VERSION}"', f'"version": "{NEW_VERSION}"'))
    folder = addons / SAMPLE / "migrations" / NEW_VERSION
    folder.mkdir(parents=True)
    script = MIGRATION.format(runs=str(runs), key=MIGRATED_KEY, pause=PAUSE, body=STYLES[style])
    (folder / "post-migrate.py").write_text(script)


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


def measure(tool, style, odoo, base, work, opts, dbs):
    """One tool under load on a fresh copy, a migration of ``style``; a row of the table."""
    folder = work / style / tool
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
    print(f"{style}, {TOOLS[tool]}: database {db}, server and {opts.clients} clients...", file=sys.stderr, flush=True)
    with odoo_env.serve(odoo, db, folder / "server.log", *server_args, addons=[addons]) as url:
        with Load(url, db, clients=opts.clients, hot=opts.hot, timeout=opts.request_timeout) as load:
            time.sleep(opts.before)
            load.phase("during")
            change_sample(addons, runs, style)
            argv = tool_command(tool, odoo, db, addons, click)
            code, seconds, output = run_logged(argv, odoo, folder / "tool.log", opts.tool_timeout)
            load.phase("after")
            time.sleep(opts.after)
    # The server is gone: a request still in flight has failed by now.
    load.stop(grace=10)
    report = load.report()
    outcome = ours_outcome(output) if tool == "ours" else {}
    row = {
        "style": style,
        "tool": TOOLS[tool],
        "code": code,
        "seconds": seconds,
        "attempts": outcome.get("attempts", 1) if tool == "ours" else 1,
        "runs": len(runs.read_text().split()) if runs.exists() else 0,
        **database_state(db),
        "report": report,
        "lost": ["clients still running: not checked"] if load.running() else load.lost(db, matches=migrated),
        "overwritten": load.overwritten(db),
        "not_recomputed": not_recomputed(db),
        "outcome": outcome,
        "tail": error_tail(output) if code != 0 else [],
    }
    if opts.logs:
        target = Path(opts.logs) / style / tool
        target.mkdir(parents=True, exist_ok=True)
        for log in folder.glob("*.log"):
            shutil.copy(log, target / log.name)
    odoo_env.drop_db(db)
    dbs.remove(db)
    return row


def broken_row(tool, style, exc):
    report = {"requests": 0, "failed": 0, "failures": [], "phases": {}, "acknowledged_writes": 0}
    return {
        "style": style,
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
        "overwritten": [],
        "not_recomputed": 0,
        "outcome": {},
        "tail": str(exc).splitlines()[-6:],
    }


def latency(figures):
    if not figures or not figures["requests"]:
        return "-"
    return "/".join(f"{figures[key]:.3f}" for key in ("p50", "p99", "max"))


def table(rows):
    head = (
        "style",
        "tool",
        "exit",
        "upgrade s",
        "attempts",
        "version",
        "migration ran/committed",
        "acked/present",
        "lost",
        "overwritten",
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
                row["style"],
                row["tool"],
                str(row["code"]),
                f"{row['seconds']:.1f}",
                str(row["attempts"]),
                f"{row['version']} ({row['state']})",
                f"{row['runs']}/{row['committed']}",
                f"{acked}/{acked - len(row['lost'])}",
                str(len(row["lost"])),
                str(len(row["overwritten"])),
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
        said.extend(f"  overwritten: {text}" for text in row["overwritten"][:5])
        if len(row["overwritten"]) > 5:
            said.append(f"  ... {len(row['overwritten']) - 5} more overwritten")
        if row["not_recomputed"]:
            said.append(
                f"  note: {row['not_recomputed']} partner(s) written after the upgrade by the server's old code: "
                f"{MARK} not recomputed until it restarts (not counted as overwritten)"
            )
        if row["report"].get("unfinished_clients"):
            said.append(f"  {row['report']['unfinished_clients']} client(s) still in a request when stopped")
        if said:
            out.append(f"{row['style']}, {row['tool']} (exit {row['code']}):")
            out.extend(said)
    return "\n".join(out)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 tools/load.py",
        description=(
            "Upgrade tools under a write load, side by side, per migration style: failed requests, latency, "
            "lost writes, migration writes computed from an older value."
        ),
    )
    parser.add_argument("--tools", default="ours,odoo-u,click", help="comma-separated: ours, odoo-u, click")
    parser.add_argument(
        "--styles",
        default=",".join(STYLES),
        help=f"comma-separated migration styles: {', '.join(STYLES)} (default: all)",
    )
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
    opts.styles = [name.strip() for name in opts.styles.split(",") if name.strip()]
    unknown = [name for name in opts.styles if name not in STYLES]
    if unknown or not opts.styles:
        parser.error(f"unknown style(s) {', '.join(unknown) or '(none)'}: choose among {', '.join(STYLES)}")
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
            for style in opts.styles:
                for tool in opts.tools:
                    try:
                        rows.append(measure(tool, style, odoo, base, work, opts, dbs))
                    except Exception as exc:  # the harness itself failed for this tool: say so, go on
                        print(f"{style}, {TOOLS[tool]}: the measurement failed: {exc}", file=sys.stderr)
                        rows.append(broken_row(tool, style, exc))
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
