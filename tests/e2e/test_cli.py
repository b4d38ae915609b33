# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``odoo-bin auto-upgrade`` against a real Odoo 18 and PostgreSQL."""

import json
import os
import shutil
import subprocess

import odoo_env
import psycopg2

from module_auto_update.core.lock import lock_key

NEW_PARTNER_FIELD = "    mau_level = fields.Integer()\n"
PLAN_KEYS = {"changed", "cascade", "to_install", "blocking", "migrations", "warnings", "summary"}


# The addon under test is the live checkout, which may be edited while the
# suite runs: its own changes are not what these tests are about.
IGNORE_SELF = ("--ignore-addons", "module_auto_update")


def cli(db, *args, dbs=None, log_level="warn", ignore_self=True):
    """Run the command on ``db`` (or on ``dbs`` if given, with db's addons)."""
    targets = ["-d", db.name] if dbs is None else [a for name in dbs for a in ("-d", name)]
    extra = IGNORE_SELF if ignore_self else ()
    return db.odoo.run(
        [db.odoo.command_name, *targets, f"--log-level={log_level}", *extra, *args], addons=[db.addons_dir], check=False
    )


def outcomes(proc):
    """The JSON lines of a ``--format json`` run, by database."""
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {row["database"]: row for row in rows}


def columns(db, table):
    return {r[0] for r in db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))}


def history(db):
    return db.sql(
        "SELECT result, upgraded, error FROM module_auto_update_run WHERE trigger = 'command line' ORDER BY id"
    )


def with_dependents(db, addon):
    """``addon`` and the installed addons depending on it, directly or not, sorted."""
    rows = db.sql(
        """
        WITH RECURSIVE down(name) AS (
            SELECT %s::varchar
            UNION SELECT m.name FROM ir_module_module m
              JOIN ir_module_module_dependency d ON d.module_id = m.id JOIN down ON d.name = down.name
             WHERE m.state = 'installed')
        SELECT name FROM down ORDER BY name""",
        (addon,),
    )
    return [name for (name,) in rows]


def change(db, addon, text="\n# changed\n"):
    init = db.addon(addon) / "__init__.py"
    init.write_text(init.read_text() + text)


def test_nothing_changed_is_decided_without_a_registry(recorded_db):
    db = recorded_db
    before = db.saved()
    proc = cli(db, "--format", "json", log_level="info")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    assert out["result"] == "nothing to do" and out["upgraded"] == [] and out["error"] is None
    assert PLAN_KEYS <= set(out) and out["changed"] == []
    # No registry: Odoo logs these lines whenever it builds one.
    assert "Registry loaded" not in proc.stderr and "loading 1 modules" not in proc.stderr
    assert f"{db.name}: comparing fingerprints" in proc.stderr
    assert db.saved() == before
    assert history(db) == [("nothing to do", None, None)], proc.stderr[-3000:]


def test_new_partner_field_is_upgraded_where_odoo_shell_cannot_start(recorded_db):
    db = recorded_db
    before = db.saved()
    model = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    model.write_text(model.read_text() + NEW_PARTNER_FIELD)

    shell = db.shell("result(1)", check=False)
    assert not isinstance(shell, int) and "mau_level" in shell.stderr and "does not exist" in shell.stderr

    proc = cli(db, "--dry-run", "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    plan = outcomes(proc)[db.name]
    assert plan["result"] == "dry run"
    assert [(c["module"], c["reason"]) for c in plan["changed"]] == [("mau_sample_partner", "changed")]
    assert plan["changed"][0]["files"]["modified"] == ["models/res_partner.py"]
    assert "mau_level" not in columns(db, "res_partner") and db.saved() == before

    proc = cli(db)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{db.name}: done (upgraded mau_sample_partner)" in proc.stdout
    assert "mau_level" in columns(db, "res_partner")
    after = db.saved()
    assert {n for n in after if after[n] != before.get(n)} == {"mau_sample_partner"}
    assert not db.pending()
    assert db.shell('result(env["res.partner"].search_count([]) > 0)') is True
    assert history(db)[-1] == ("done", "mau_sample_partner", None)

    # Interoperation: the in-Odoo method sees what the command saved, and the
    # command sees what the in-Odoo method saved.
    assert db.shell('result(env["ir.module.module"]._auto_upgrade()["result"])') == "nothing to do"
    change(db, "mau_sample_c")
    upgraded = db.shell('result(env["ir.module.module"]._auto_upgrade()["upgraded"])')
    assert set(upgraded) - {"module_auto_update"} == set(with_dependents(db, "mau_sample_c"))
    proc = cli(db)
    assert proc.returncode == 0 and f"{db.name}: nothing to do" in proc.stdout, proc.stderr[-3000:]


def test_dependents_are_upgraded_and_ignored_addons_left_alone(recorded_db):
    db = recorded_db
    before = db.saved()
    change(db, "mau_sample_a")

    proc = cli(db, "--ignore-addons", "mau_sample_a,mau_sample_f", "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert outcomes(proc)[db.name]["result"] == "nothing to do"
    assert db.saved() == before

    proc = cli(db, "--format", "json", "--i18n-overwrite")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    assert out["result"] == "done"
    assert out["upgraded"] == ["mau_sample_a", "mau_sample_b"]
    assert [c["module"] for c in out["cascade"]] == ["mau_sample_b"]
    after = db.saved()
    assert {n for n in after if after[n] != before.get(n)} == {"mau_sample_a"}


def test_i18n_overwrite_replaces_a_translation_edited_in_the_database(recorded_db):
    db = recorded_db
    shutil.copytree(odoo_env.SAMPLE_ADDONS / "mau_sample_i18n", db.addon("mau_sample_i18n"))
    # French active and the sample installed with its translation, then the
    # fingerprints recorded (French files now count in them).
    db.shell('env["res.lang"]._activate_lang("fr_FR"); env.cr.commit()')
    db.odoo_bin("-i", "mau_sample_i18n", "--stop-after-init", "--no-http", "--log-level=warn")
    db.shell('env["ir.module.module"]._save_installed_checksums(); env.cr.commit()')
    tag = """FROM res_partner_category c JOIN ir_model_data d ON d.res_id = c.id
              WHERE d.model = 'res.partner.category' AND d.module = 'mau_sample_i18n' AND d.name = 'tag_sample'"""

    def french():
        return db.sql(f"SELECT c.name->>'fr_FR' {tag}")[0][0]

    assert french() == "Étiquette exemple"
    db.sql(f"""UPDATE res_partner_category SET name = name || '{{"fr_FR": "Modifiée"}}'::jsonb
                WHERE id = (SELECT c.id {tag})""")
    po = db.addon("mau_sample_i18n") / "i18n" / "fr.po"
    po.write_text(po.read_text().replace("Étiquette exemple", "Étiquette nouvelle"))

    proc = cli(db, "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    assert out["upgraded"] == ["mau_sample_i18n"]
    assert out["changed"][0]["files"]["modified"] == ["i18n/fr.po"]
    # Without the option, the translation edited in the database is kept.
    assert french() == "Modifiée"

    po.write_text(po.read_text() + "\n")
    proc = cli(db, "--format", "json", "--i18n-overwrite")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert outcomes(proc)[db.name]["upgraded"] == ["mau_sample_i18n"]
    assert french() == "Étiquette nouvelle"


def test_ignored_addon_upgraded_as_a_dependent_keeps_its_change_visible(recorded_db):
    db = recorded_db
    before = db.saved()
    change(db, "mau_sample_a")
    change(db, "mau_sample_c")
    proc = cli(db, "--ignore-addons", "mau_sample_c", "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert outcomes(proc)[db.name]["upgraded"] == ["mau_sample_a", "mau_sample_b"]
    after = db.saved()
    assert after["mau_sample_c"] == before["mau_sample_c"] and after["mau_sample_a"] != before["mau_sample_a"]
    proc = cli(db, "--dry-run", "--format", "json")
    assert [c["module"] for c in outcomes(proc)[db.name]["changed"]] == ["mau_sample_c"]


def test_failed_upgrade_exits_1_saves_nothing_and_leaves_nothing_pending(recorded_db):
    db = recorded_db
    before = db.saved()
    view = db.addon("mau_sample_a") / "views" / "views.xml"
    view.write_text(view.read_text().replace('<field name="name" />', '<field name="no_such_field" />'))
    proc = cli(db)
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    assert f"{db.name}: failed: Upgrade failed in addon mau_sample_a" in proc.stdout
    assert db.saved() == before
    assert not db.pending()
    result, upgraded, error = history(db)[-1]
    assert result == "failed" and "mau_sample_a" in error


def test_init_hashes_then_update_all_and_ignore_core_addons(db):
    # The template never recorded anything: every addon counts as never recorded.
    proc = cli(db, "--dry-run", "--format", "json", ignore_self=False)
    changed = {c["module"]: c["reason"] for c in outcomes(proc)[db.name]["changed"]}
    assert changed["base"] == "never recorded" and changed["mau_sample_a"] == "never recorded"
    assert db.saved() == {}

    proc = cli(db, "--init-hashes", "--format", "json", ignore_self=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert outcomes(proc)[db.name]["result"] == "hashes recorded"
    installed = {n for (n,) in db.sql("SELECT name FROM ir_module_module WHERE state = 'installed'")}
    assert set(db.saved()) == installed
    assert outcomes(cli(db, "--format", "json"))[db.name]["result"] == "nothing to do"

    proc = cli(db, "--dry-run", "--update-all", "--format", "json", ignore_self=False)
    changed = {c["module"]: c["reason"] for c in outcomes(proc)[db.name]["changed"]}
    assert set(changed) == installed and set(changed.values()) == {"forced"}

    # Odoo's own addons are those of Odoo's addons folders; ours and the samples are not.
    proc = cli(db, "--dry-run", "--update-all", "--ignore-core-addons", "--format", "json", ignore_self=False)
    changed = {c["module"] for c in outcomes(proc)[db.name]["changed"]}
    assert changed == {n for n in installed if n.startswith("mau_sample_")} | {"module_auto_update"}


def test_exit_codes_missing_databases_and_usage_errors(recorded_db):
    db = recorded_db
    missing = odoo_env.unique_db("mau_missing")
    proc = cli(db, "--format", "json", dbs=[db.name, missing])
    assert proc.returncode == 3, proc.stderr[-2000:]
    out = outcomes(proc)
    assert out[db.name]["result"] == "nothing to do" and out[missing]["result"] == "missing"

    proc = cli(db, "--if-exists", dbs=[f"{db.name},{missing}"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    # --filter keeps only the matching names, the missing one included.
    proc = cli(db, "--filter", "^mau_missing_", "--format", "json", dbs=[db.name, missing])
    assert set(outcomes(proc)) == {missing} and proc.returncode == 3

    for args in (
        ["--dry-run", "--init-hashes"],
        ["--jobs", "0"],
        ["--filter", "("],
        ["--all-databases"],
        ["--format", "xml"],
        ["-c", "/nonexistent/odoo.conf"],
    ):
        proc = cli(db, *args)
        assert proc.returncode == 2, (args, proc.stderr[-2000:])
    proc = db.odoo.run(["auto-upgrade", "--log-level=warn"], addons=[db.addons_dir], check=False)
    assert proc.returncode == 2 and "no database" in proc.stderr


def test_all_databases_only_those_using_the_addon(recorded_db, odoo, tmp_path):
    db = recorded_db
    prefix = db.name
    plain = f"{prefix}_plain"
    odoo_env.create_db(plain)  # no Odoo in it: not ours to upgrade
    conf = tmp_path / "odoo.conf"
    conf.write_text(f"[options]\ndb_name = {db.name}\n")
    try:
        proc = odoo.run(
            [
                "auto-upgrade",
                "--all-databases",
                "--filter",
                f"^{prefix}",
                "--dry-run",
                "--format",
                "json",
                "--log-level=warn",
                *IGNORE_SELF,
            ],
            addons=[db.addons_dir],
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert set(outcomes(proc)) == {db.name}
        # A filter that keeps no database: said, exit 3 (a typo must not pass for nothing to do).
        for extra, code in (([], 3), (["--if-exists"], 0)):
            proc = odoo.run(
                ["auto-upgrade", "--all-databases", "--filter", f"^{prefix}_typo$", *extra, *IGNORE_SELF],
                addons=[db.addons_dir],
                check=False,
            )
            assert proc.returncode == code, proc.stderr[-2000:]
            assert "no database to upgrade" in proc.stderr and "Traceback" not in proc.stderr
        # With a configuration file and no -d: its db_name.
        proc = odoo.run(
            ["auto-upgrade", "-c", str(conf), "--format", "json", "--log-level=warn", *IGNORE_SELF],
            addons=[db.addons_dir],
            check=False,
        )
        assert proc.returncode == 0 and outcomes(proc)[db.name]["result"] == "nothing to do", proc.stderr[-2000:]
    finally:
        odoo_env.drop_db(plain)


def test_three_databases_with_jobs_2_one_failing(recorded_db, recorded_template_db):
    db = recorded_db
    others = [f"{db.name}_2", f"{db.name}_3"]
    for name in others:
        odoo_env.create_db(name, template=recorded_template_db)
    try:
        # The third database refuses the new view: a failure of that database only.
        failing = others[1]
        conn = odoo_env.pg_connect(failing)
        with conn.cursor() as cr:
            cr.execute("""
                CREATE FUNCTION mau_refuse() RETURNS trigger LANGUAGE plpgsql AS
                  $$ BEGIN RAISE EXCEPTION 'mau test: this database refuses the new view'; END $$;
                CREATE TRIGGER mau_refuse BEFORE UPDATE ON ir_ui_view
                  FOR EACH ROW WHEN (NEW.name = 'mau.sample.a.form') EXECUTE FUNCTION mau_refuse();
            """)
        conn.close()
        view = db.addon("mau_sample_a") / "views" / "views.xml"
        view.write_text(view.read_text().replace('<field name="name" />', '<field name="name" string="Title" />'))

        proc = cli(db, "--jobs", "2", dbs=[db.name, *others])
        assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
        table = proc.stdout[proc.stdout.index("DATABASE") :].splitlines()
        rows = {line.split()[0]: line.split()[1] for line in table[1:]}
        assert rows == {db.name: "done", others[0]: "done", failing: "failed"}, proc.stdout
        assert "refuses the new view" in proc.stdout
        fixed = {n: psycopg2.connect(dbname=n) for n in (db.name, others[0], failing)}
        try:
            for name, conn in fixed.items():
                with conn.cursor() as cr:
                    cr.execute("SELECT name FROM ir_module_module WHERE state LIKE 'to %'")
                    assert cr.fetchall() == [], name
                    cr.execute("SELECT arch_db::text LIKE '%Title%' FROM ir_ui_view WHERE name = 'mau.sample.a.form'")
                    assert cr.fetchone()[0] is (name != failing), name
        finally:
            for conn in fixed.values():
                conn.close()
    finally:
        for name in others:
            odoo_env.drop_db(name)


def test_lock_busy_exits_4_and_two_runners_upgrade_once(recorded_db):
    db = recorded_db
    change(db, "mau_sample_c")
    holder = odoo_env.pg_connect(db.name)
    try:
        with holder.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s::bigint)", (lock_key(db.name),))
        proc = cli(db, "--lock-timeout", "1", "--format", "json")
        assert proc.returncode == 4, proc.stderr[-2000:]
        assert outcomes(proc)[db.name]["result"] == "busy"
    finally:
        holder.close()

    argv = db.odoo.argv(
        ["auto-upgrade", "-d", db.name, "--lock-timeout", "120", "--format", "json", "--log-level=warn", *IGNORE_SELF],
        [db.addons_dir],
    )
    env = {**os.environ, **db.odoo.env}
    runners = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = []
    for runner in runners:
        stdout, stderr = runner.communicate(timeout=300)
        assert runner.returncode == 0, stderr[-3000:]
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    assert sorted(r["result"] for r in results) == ["done", "nothing to do"], results
    assert [r["upgraded"] for r in results if r["result"] == "done"] == [with_dependents(db, "mau_sample_c")]
