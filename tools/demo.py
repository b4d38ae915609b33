# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The main job on a local demo database: python3 tools/demo.py [--db NAME] [--cleanup]

Creates the database if it is missing (with module_auto_update and the
sample addons, fingerprints recorded), changes sample addon A on disk (a new
field on its model, shown in its view), runs the auto-upgrade and prints
which addons were upgraded and why, what it created, how to look at it in a
browser and how to remove it. Run it again: it changes A again.
``--cleanup`` drops the database and its files and removes the addons copy.
"""

import argparse
import shlex
import shutil
import sys
import tempfile
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


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="mau_demo", help="demo database (created if missing)")
    parser.add_argument("--cleanup", action="store_true", help="remove the demo database, its files and addons")
    args = parser.parse_args(argv)
    odoo_env.check_postgres()
    addons = Path(tempfile.gettempdir()) / f"{args.db}_addons"
    if args.cleanup:
        return cleanup(args.db, addons)
    odoo = odoo_env.find_odoo()

    for name in SAMPLES:
        if not (addons / name).is_dir():
            shutil.copytree(odoo_env.SAMPLE_ADDONS / name, addons / name)
    conn = odoo_env.pg_connect()
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args.db,))
        exists = bool(cr.fetchone())
    conn.close()

    if not exists:
        print(f"Creating database {args.db} with module_auto_update and the sample addons…", flush=True)
    status = odoo_env.shell(odoo, args.db, STATUS % (SAMPLES,), addons=[addons]) if exists else None
    if not status or set(status["states"].values()) != {"installed"} or len(status["states"]) != 1 + len(SAMPLES):
        odoo_env.install(odoo, args.db, ("module_auto_update", *SAMPLES), addons=[addons])
        status = None
    if not status or not status["recorded"]:
        print("Recording the current fingerprints (the database matches the code)…", flush=True)
        odoo_env.shell(
            odoo, args.db, 'env["ir.module.module"]._save_installed_checksums(); env.cr.commit()', addons=[addons]
        )

    field = change_sample(addons)
    print(f"Changed {addons / 'mau_sample_a'}: new field {field} on mau.sample.a and in its form view.")
    print("Running the auto-upgrade…", flush=True)
    out = odoo_env.shell(odoo, args.db, RUN, addons=[addons])

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
    serve = odoo.argv(["-d", args.db, f"--db-filter=^{args.db}$", "--http-port=8069"], addons=[addons])
    print(
        f"""
Created: the database {args.db}, its files in {odoo_env.filestore(args.db)},
and a copy of the sample addons in {addons} (the demo edits that copy).

Look at it in a browser: start Odoo on it,
    {shlex.join(serve)}
then open http://localhost:8069/odoo?debug=1, log in as admin (password admin),
and open Apps > Auto-Upgrade Modules for the plan, or Settings > Technical >
Automation > Auto-Upgrade Runs for the history.

Try next: edit a file in {addons / "mau_sample_b"} and run the demo again; or
break it (an unclosed tag in views/views.xml) and see the failed upgrade leave
the database as it was.

Remove it all: python3 tools/demo.py{"" if args.db == "mau_demo" else f" --db {args.db}"} --cleanup"""
    )
    return 0 if field in out["columns"] else 1


def cleanup(db, addons):
    odoo_env.drop_db(db)
    shutil.rmtree(addons, ignore_errors=True)
    print(f"Removed the database {db}, its files in {odoo_env.filestore(db)}, and {addons}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
