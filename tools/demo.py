# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The main job on a local demo database: python3 tools/demo.py [--db NAME] [--port PORT] [--cleanup]

Creates the database if it is missing (with module_auto_update and the
sample addons, fingerprints recorded), saying how far the build is as it
goes; changes sample addon A on disk (a new field on its model, shown in its
view), runs the auto-upgrade and prints which addons were upgraded and why,
what it created, how to look at it in a browser (on ``--port``) and how to
remove it. Run it again: it changes A again.

Everything but the database lives in one folder (the addons copy, an Odoo
configuration file, and Odoo's data directory: the filestore and the stat
cache of fingerprints). ``--cleanup`` drops the database and removes that
folder, and any stat cache entry of its addons left in Odoo's default data
directory.
"""

import argparse
import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import odoo_env  # noqa: E402

SAMPLES = ("mau_sample_a", "mau_sample_b", "mau_sample_c")

STATUS = """
M = env["ir.module.module"]
names = ["module_auto_update", *%r]
states = dict(M.search([("name", "in", names)]).mapped(lambda m: (m.name, m.state)))
recorded = bool(states.get("module_auto_update") == "installed" and M._get_saved_checksums())
result({"states": states, "recorded": recorded})
"""

RUN = """
M = env["ir.module.module"]
plan = M.get_upgrade_plan()
why = {c["module"]: c["reason"] + ": " + ", ".join(sum(c["files"].values(), [])) for c in plan["changed"]}
why.update({c["module"]: "depends on " + ", ".join(c["because_of"]) for c in plan["cascade"]})
try:
    out = M._auto_upgrade()
    out["why"] = why
except Exception as exc:
    out = {"result": "failed", "error": str(exc), "reasons": {}, "upgraded": []}
env.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'mau_sample_a'")
out["columns"] = sorted(c for (c,) in env.cr.fetchall())
result(out)
"""


def change_sample(addons):
    """Add a field to sample A's model and its form view; return its name."""
    model = addons / "mau_sample_a" / "models" / "sample.py"
    n = model.read_text().count("fields.") + 1
    field = f"demo_field_{n}"
    model.write_text(model.read_text() + f"    {field} = fields.Char()\n")
    view = addons / "mau_sample_a" / "views" / "views.xml"
    view.write_text(view.read_text().replace("</form>", f'    <field name="{field}" />\n            </form>'))
    return field


# "Loading module base (1/1)": Odoo's log line as it installs each addon.
LOADING = re.compile(r"Loading module (?P<name>\S+) \((?P<index>\d+)/(?P<count>\d+)\)")


def folder_of(db):
    """The demo's folder: the addons copy, the configuration file and Odoo's data directory."""
    return Path(tempfile.gettempdir()) / db


def write_config(db, folder, odoo):
    """The Odoo configuration file of the demo; its path."""
    paths = ",".join(str(p) for p in (*odoo.addons_paths, odoo_env.REPO, folder / "addons"))
    config = folder / "odoo.conf"
    config.write_text(
        "[options]\n"
        f"addons_path = {paths}\n"
        f"data_dir = {folder / 'data'}\n"
        f"db_name = {db}\n"
        f"dbfilter = ^{db}$\n"
        "max_cron_threads = 0\n"
    )
    return config


def build(odoo, db, config, addons):
    """Install the addon and the samples on a new database, printing each addon as Odoo loads it."""
    started = time.monotonic()
    args = ["-c", str(config), "-d", db, "-i", ",".join(("module_auto_update", *SAMPLES))]
    args += ["--without-demo=all", "--stop-after-init", "--no-http", "--log-level=info"]
    proc = odoo.popen(args, addons=[addons], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail = []
    for line in proc.stdout:
        tail = [*tail[-40:], line]
        found = LOADING.search(line)
        if found:
            print(
                f"  {time.monotonic() - started:4.0f} s  loading {found['name']} ({found['index']}/{found['count']})",
                flush=True,
            )
    if proc.wait() != 0:
        raise SystemExit(f"Creating {db} failed (odoo-bin exited {proc.returncode}):\n{''.join(tail)}")
    print(f"  {time.monotonic() - started:4.0f} s  database {db} ready", flush=True)


def port_taken(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="mau_demo", help="demo database (created if missing)")
    parser.add_argument("--port", type=int, default=8069, help="HTTP port of the Odoo it tells you to start")
    parser.add_argument("--cleanup", action="store_true", help="remove the demo database and everything it made")
    args = parser.parse_args(argv)
    odoo_env.check_postgres()
    folder = folder_of(args.db)
    if args.cleanup:
        return cleanup(args.db, folder)
    odoo = odoo_env.find_odoo()
    addons = folder / "addons"
    for name in SAMPLES:
        if not (addons / name).is_dir():
            shutil.copytree(odoo_env.SAMPLE_ADDONS / name, addons / name)
    config = write_config(args.db, folder, odoo)
    options = ["-c", str(config)]
    exists = bool(odoo_env.sql("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", (args.db,)))

    status = odoo_env.shell(odoo, args.db, STATUS % (SAMPLES,), addons=[addons], options=options) if exists else None
    if not status or set(status["states"].values()) != {"installed"} or len(status["states"]) != 1 + len(SAMPLES):
        print(
            f"Creating database {args.db} with module_auto_update and the sample addons "
            "(about a minute; each addon is named as Odoo loads it)…",
            flush=True,
        )
        build(odoo, args.db, config, addons)
        status = None
    if not status or not status["recorded"]:
        print("Recording the current fingerprints (the database matches the code)…", flush=True)
        odoo_env.shell(
            odoo,
            args.db,
            'env["ir.module.module"]._save_installed_checksums(); env.cr.commit()',
            addons=[addons],
            options=options,
        )

    field = change_sample(addons)
    print(f"Changed {addons / 'mau_sample_a'}: new field {field} on mau.sample.a and in its form view.")
    print("Running the auto-upgrade…", flush=True)
    out = odoo_env.shell(odoo, args.db, RUN, addons=[addons], options=options)

    if out["result"] == "failed":
        print(f"Auto-upgrade failed: {out['error']}")
        return 1
    if not out["upgraded"]:
        print("Nothing to upgrade.")
    else:
        print(f"Upgraded {len(out['upgraded'])} addon(s):")
        for name in out["upgraded"]:
            print(f"  {name:24} {out['why'].get(name, 'new dependency')}")
    print(f"Column {field} in table mau_sample_a: {'yes' if field in out['columns'] else 'NO'}")
    env = "".join(f"{key}={shlex.quote(value)} " for key, value in odoo.env.items())
    serve = env + shlex.join([*odoo.command, "-c", str(config), f"--http-port={args.port}"])
    taken = (
        f"\n(Port {args.port} is in use here: stop what uses it, or run the demo with --port and another port.)"
        if port_taken(args.port)
        else ""
    )
    cleanup_command = "python3 tools/demo.py" + ("" if args.db == "mau_demo" else f" --db {args.db}") + " --cleanup"
    print(
        f"""
Created: the database {args.db}, and the folder {folder} with a copy of the
sample addons (the demo edits that copy), an Odoo configuration file, and
Odoo's data directory (the database's files, the stat cache of fingerprints).

Look at it in a browser: start Odoo on it,
    {serve}
then open http://localhost:{args.port}/odoo?debug=1, log in as admin (password admin),
and open Apps > Auto-Upgrade Modules for the plan, or Settings > Technical >
Automation > Auto-Upgrade Runs for the history.{taken}

Try next: edit a file in {addons / "mau_sample_b"} and run the demo again; or
break it (an unclosed tag in views/views.xml) and see the failed upgrade leave
the database as it was.

Remove it all: {cleanup_command}"""
    )
    return 0 if field in out["columns"] else 1


def forget_stat_cache(data_dir, folder):
    """Remove the stat cache entries (core.cache) of the addons under ``folder`` from ``data_dir``; how many."""
    removed = 0
    for entry in (Path(data_dir) / "module_auto_update" / "stat_cache").glob("*.json"):
        try:
            top = json.loads(entry.read_text()).get("top") or ""
        except (OSError, ValueError, AttributeError):
            continue
        if Path(top).is_relative_to(folder):
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


def cleanup(db, folder):
    odoo_env.drop_db(db)
    shutil.rmtree(folder, ignore_errors=True)
    # Odoo's default data directory: where the demo's addons were fingerprinted before it had its own.
    default_data_dir = odoo_env.filestore(db).parent.parent
    forgotten = forget_stat_cache(default_data_dir, folder)
    legacy = folder.parent / f"{db}_addons"  # where earlier versions of the demo copied the addons
    forgotten += forget_stat_cache(default_data_dir, legacy)
    shutil.rmtree(legacy, ignore_errors=True)
    print(
        f"Removed the database {db} and the folder {folder} (addons copy, configuration, files, stat cache)"
        + (f", and {forgotten} stat cache entries of its addons in {default_data_dir}." if forgotten else ".")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
