# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Upgrade on start: a starting Odoo upgrades the changed addons first."""

import contextlib
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import odoo_env

SERVER_WIDE = "--load=base,web,module_auto_update"
LOGS = ["--log-level=warn", "--log-handler=odoo.addons.module_auto_update:INFO"]
# Odoo logs "Registry loaded in" once at the end of every Registry.new: one line, one registry load.
# (Logged by odoo.modules.registry up to 18.0, odoo.registry on 19.0.)
REGISTRY_LOGS = ["--log-handler=odoo.modules.registry:INFO", "--log-handler=odoo.registry:INFO"]
LOADED = "registry: Registry loaded in"
RELOADED = "Reloading the model registry after database signaling"
SERVED = "serving the registry the upgrade loaded"
ADMIN = 2


def columns(db, table):
    return {r[0] for r in db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))}


def test_odoo_shell_starts_after_upgrading_a_new_partner_field(recorded_db, monkeypatch):
    db = recorded_db
    before = db.saved()
    model = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    model.write_text(model.read_text() + "    mau_level = fields.Integer()\n")
    shell = ["shell", "-d", db.name, SERVER_WIDE, "--no-http", *LOGS]
    code = 'print("partners:", env["res.partner"].search_count([]))'

    # Off unless configured: the shell cannot even start, nothing is upgraded.
    proc = db.odoo.run(shell, addons=[db.addons_dir], check=False, input=code)
    assert "partners:" not in proc.stdout and "mau_level" in proc.stderr, proc.stderr[-3000:]
    assert "mau_level" not in columns(db, "res_partner")

    monkeypatch.setenv("ODOO_AUTO_UPGRADE_ON_START", "1")
    proc = db.odoo.run(shell, addons=[db.addons_dir], check=False, input=code)
    assert "partners:" in proc.stdout, proc.stderr[-3000:]
    assert f"{db.name}: done" in proc.stderr
    assert "mau_level" in columns(db, "res_partner")
    after = db.saved()
    # (module_auto_update itself may change too: it is the live checkout)
    assert {n for n in after if after[n] != before.get(n)} - {"module_auto_update"} == {"mau_sample_partner"}
    assert not db.pending()
    runs = db.sql("SELECT result, upgraded FROM module_auto_update_run WHERE trigger = 'server start'")
    assert [result for result, _upgraded in runs] == ["done"] and "mau_sample_partner" in runs[0][1]


def test_two_prefork_servers_starting_together_upgrade_once(recorded_db, tmp_path):
    db = recorded_db
    init = db.addon("mau_sample_a") / "__init__.py"
    init.write_text(init.read_text() + "\n# changed\n")
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        "[options]\nauto_upgrade_on_start = True\nserver_wide_modules = base,web,module_auto_update\nworkers = 2\n"
    )
    servers = [
        subprocess.Popen(
            db.odoo.argv(["-c", str(conf), "-d", db.name, "--stop-after-init", "--no-http", *LOGS], [db.addons_dir]),
            env={**os.environ, **db.odoo.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    logs = []
    for server in servers:
        _out, err = server.communicate(timeout=300)
        assert server.returncode == 0, err[-3000:]
        logs.append(err)
    done = [log for log in logs if f"{db.name}: done" in log]
    waited = [log for log in logs if f"{db.name}: nothing to do" in log]
    assert len(done) == 1 and len(waited) == 1, logs
    saved_line = next(line for line in done[0].splitlines() if "fingerprints saved; upgraded" in line)
    assert "mau_sample_a" in saved_line and "mau_sample_b" in saved_line
    assert not db.pending()


def test_prefork_workers_loading_lazily_upgrade_once(recorded_db, tmp_path, monkeypatch):
    """No -d: the master loads no registry; the worker serving the first
    request upgrades before building it, any other worker finds nothing left."""
    db = recorded_db
    init = db.addon("mau_sample_a") / "__init__.py"
    init.write_text(init.read_text() + "\n# changed\n")
    monkeypatch.setenv("ODOO_AUTO_UPGRADE_ON_START", "1")
    log = tmp_path / "server.log"
    # odoo.service.server names the workers' processes as they start.
    args = ("--workers=2", SERVER_WIDE, *LOGS, "--log-handler=odoo.service.server:INFO")
    with odoo_env.serve(db.odoo, db.name, log, *args, addons=[db.addons_dir], preload=False) as url:

        def login(_):
            return odoo_env.jsonrpc(url, "common", "authenticate", db.name, "admin", "admin", {})

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(login, [1, 2]))
    assert [answer.get("result") for answer in answers] == [2, 2], answers
    text = log.read_text()
    runs = db.sql("SELECT result, upgraded FROM module_auto_update_run WHERE trigger = 'server start' ORDER BY id")
    # The first request (the server's readiness probe, with one database
    # allowed) upgraded; a worker building its registry later found nothing to do.
    assert [result for result, _upgraded in runs][:1] == ["done"], (runs, text[-3000:])
    assert {result for result, _upgraded in runs[1:]} <= {"nothing to do"}
    assert "mau_sample_a" in runs[0][1] and "mau_sample_b" in runs[0][1]
    (saved,) = [line for line in text.splitlines() if "fingerprints saved; upgraded" in line]
    workers = set(re.findall(r"Worker WorkerHTTP \((\d+)\) alive", text))
    assert saved.split()[2] in workers, (workers, saved)
    assert not db.pending()


def add_level_field(db):
    """A new stored field on res.partner: Odoo cannot even load the registry until it is upgraded."""
    model = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    model.write_text(model.read_text() + "    mau_level = fields.Integer(default=7)\n")


def call(url, db, model, method, *args, **kwargs):
    """``execute_kw`` as the administrator over JSON-RPC; the result, or an AssertionError with the error."""
    answer = odoo_env.jsonrpc(url, "object", "execute_kw", db.name, ADMIN, "admin", model, method, list(args), kwargs)
    assert "error" not in answer, answer["error"]
    return answer["result"]


def test_upgrade_on_start_loads_the_registry_once_and_serves_it(recorded_db, tmp_path, monkeypatch):
    db = recorded_db
    add_level_field(db)
    monkeypatch.setenv("ODOO_AUTO_UPGRADE_ON_START", "1")
    log = tmp_path / "server.log"
    with odoo_env.serve(db.odoo, db.name, log, SERVER_WIDE, *LOGS, *REGISTRY_LOGS, addons=[db.addons_dir]) as url:
        partner = call(url, db, "res.partner", "create", {"name": "Levelled", "mau_level": 3})
        found = call(url, db, "res.partner", "search_read", [("mau_level", "=", 3)], fields=["id", "mau_level"])
        assert found == [{"id": partner, "mau_level": 3}]
        assert call(url, db, "res.partner", "search_count", [("mau_level", "=", 7)]) >= 1  # the default, filled in
        text = log.read_text()
        # The upgrade's load is the only one: the server serves the registry it built...
        assert f"{db.name}: done" in text, text[-3000:]
        assert text.count(LOADED) == 1, text[-3000:]
        assert SERVED in text, text[-3000:]
        # ... in step with the database's signalling: the requests reloaded nothing.
        assert RELOADED not in text, text[-3000:]

        # Another process changes the registry: the served one notices and reloads (check_signaling).
        db.sql("SELECT nextval('base_registry_signaling')")
        assert call(url, db, "res.partner", "read", [partner], ["mau_level"]) == [{"id": partner, "mau_level": 3}]
        text = log.read_text()
        assert text.count(RELOADED) == 1 and text.count(LOADED) == 2, text[-3000:]
        assert f"{db.name}: nothing to do" in text, text[-3000:]
    assert not db.pending()


@contextlib.contextmanager
def servers(db, logs_dir, modes):
    """Start one Odoo server per entry of ``modes`` (extra options) at once, on ports of their
    own; yield ``[(url, log), ...]``. Every server is stopped when the block ends."""
    ports = set()
    while len(ports) < 2 * len(modes):
        ports.add(odoo_env.free_port())
    ports = sorted(ports)
    started = []
    try:
        for n, mode in enumerate(modes):
            log = logs_dir / f"server{n}.log"
            args = [
                "-d",
                db.name,
                f"--db-filter=^{db.name}$",
                f"--http-port={ports[2 * n]}",
                f"--gevent-port={ports[2 * n + 1]}",  # prefork's websocket process
                "--http-interface=127.0.0.1",
                "--max-cron-threads=0",
                SERVER_WIDE,
                *LOGS,
                *REGISTRY_LOGS,
                *mode,
            ]
            with open(log, "w") as out:
                proc = db.odoo.popen(args, addons=[db.addons_dir], stdout=out, stderr=subprocess.STDOUT)
            started.append((proc, f"http://127.0.0.1:{ports[2 * n]}", log))
        yield [(url, log) for _proc, url, log in started]
    finally:
        for proc, _url, _log in started:
            proc.terminate()
        for proc, _url, _log in started:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def first_answer(url, log, request, timeout):
    """``request(url)`` once the server at ``url`` answers (it may be loading or waiting for the lock)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return request(url)
        except OSError as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from {url} in {timeout} s:\n{log.read_text()[-3000:]}") from exc
            time.sleep(0.5)


def test_three_servers_starting_together_migrate_once_and_serve_the_new_code(recorded_db, tmp_path, monkeypatch):
    """A new version with a post-migration script, three servers starting at once
    (one prefork, two threaded): one of them migrates, all three serve the new field."""
    db = recorded_db
    addon = db.addon("mau_sample_partner")
    add_level_field(db)
    manifest = addon / "__manifest__.py"
    manifest.write_text(manifest.read_text().replace('"18.0.1.0.0"', '"18.0.1.0.1"'))
    migrated = tmp_path / "migrated.txt"
    script = addon / "migrations" / "18.0.1.0.1" / "post-migrate.py"
    script.parent.mkdir(parents=True)
    script.write_text(
        "import os\n\n\n"
        "def migrate(cr, version):\n"
        f"    with open({str(migrated)!r}, 'a') as f:\n"
        "        f.write(f'{os.getpid()} from {version}\\n')\n"
    )
    monkeypatch.setenv("ODOO_AUTO_UPGRADE_ON_START", "1")

    def read_levels(url):
        """The new field of the first partners: its default, filled in by the upgrade."""
        rows = call(url, db, "res.partner", "search_read", [], fields=["mau_level"], limit=3, order="id")
        return sorted({row["mau_level"] for row in rows})

    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    with servers(db, logs_dir, [["--workers=2"], [], []]) as started:
        answers = [first_answer(url, log, read_levels, timeout=300) for url, log in started]
        logs = [log.read_text() for _url, log in started]
    assert answers == [[7]] * 3, (answers, [log[-2000:] for log in logs])
    lines = migrated.read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith("from 18.0.1.0.0"), lines
    done = [log for log in logs if f"{db.name}: done" in log]
    waited = [log for log in logs if f"{db.name}: nothing to do" in log]
    assert len(done) == 1 and len(waited) == 2, [log[-2000:] for log in logs]
    # One registry load per server, none reloaded: the upgrader served the one
    # its upgrade built, the others loaded after its commit and its signal.
    assert [log.count(LOADED) for log in logs] == [1, 1, 1], [log[-2000:] for log in logs]
    assert SERVED in done[0]
    assert not any(RELOADED in log for log in logs), [log[-2000:] for log in logs]
    assert db.states("mau_sample_partner") == {"mau_sample_partner": "installed"}
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_partner'") == [("18.0.1.0.1",)]
    runs = db.sql("SELECT result FROM module_auto_update_run WHERE trigger = 'server start'")
    assert sorted({result for (result,) in runs}) == ["done", "nothing to do"], runs
    assert [result for (result,) in runs].count("done") == 1, runs
    assert not db.pending()
