# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Upgrade on start: a starting Odoo upgrades the changed addons first."""

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import odoo_env

SERVER_WIDE = "--load=base,web,module_auto_update"
LOGS = ["--log-level=warn", "--log-handler=odoo.addons.module_auto_update:INFO"]


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
