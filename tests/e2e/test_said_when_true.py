# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the command says is what happened (real Odoo 18, real PostgreSQL).

- Each exit code has its result word, said beside it in the text and the
  JSON (``command.EXIT_WORDS``), for every situation a deploy meets.
- A failure is one sentence on the terminal; its traceback goes to the log
  file (``--logfile``) or shows with ``--log-level=debug``.
- The restart: the Odoo processes connected to the database are named, or
  none is; a rehearsal says "would need" and moves no registry signal.
- A language activated since the last upgrade is said to be why its
  translations' addons changed.
"""

import re

import odoo_env
from conftest import lose_code
from test_cli import NEW_PARTNER_FIELD, change, cli, outcomes
from test_truthful_plan import broken_xml

from module_auto_update.core.lock import lock_key

# The JSON keys of the run's restart, as every line has them.
RESTART_KEYS = ("restart_needed", "restart_addons", "restart_processes")


def said(proc, db):
    """The result word of ``db``'s first text line: ``db: WORD``, then `` (``, ``: `` or the end."""
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    match = re.match(rf"{re.escape(db)}: (.+?)(?: \(|: |$)", first)
    assert match, proc.stdout + proc.stderr[-3000:]
    return match.group(1)


def answer(db, *args, dbs=None):
    """``(exit code, text word, JSON word)`` of the command with ``args``, run as text then as JSON."""
    name = (dbs or [db.name])[0]
    text = cli(db, *args, dbs=dbs)
    data = cli(db, *args, "--format", "json", dbs=dbs)
    assert text.returncode == data.returncode, (text.stdout, data.stdout)
    assert "Traceback" not in text.stderr + data.stderr, text.stderr[-3000:]
    return text.returncode, said(text, name), outcomes(data)[name]["result"]


SECOND_FIELD = "    mau_rank = fields.Integer()\n"


def add_partner_field(db, field=NEW_PARTNER_FIELD):
    """A change of Python code that Odoo processes import: a new field on res.partner."""
    model = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    model.write_text(model.read_text() + field)


def fail_a_view(db):
    view = db.addon("mau_sample_a") / "views" / "views.xml"
    view.write_text(view.read_text().replace('<field name="name" />', '<field name="no_such_field" />'))


# Item 4: words that match exit codes ------------------------------------------------------------------


def test_every_exit_code_says_its_word_in_text_and_json(recorded_db):
    db = recorded_db
    assert answer(db) == (0, "nothing to do", "nothing to do")
    assert answer(db, "--dry-run") == (0, "dry run", "dry run")
    assert answer(db, dbs=[f"{db.name}_gone"]) == (3, "missing", "missing")
    assert answer(db, "--if-exists", dbs=[f"{db.name}_gone"]) == (0, "missing", "missing")

    change(db, "mau_sample_c")
    assert answer(db, "--check") == (7, "upgrade needed", "upgrade needed")
    holder = odoo_env.pg_connect(db.name)
    try:
        with holder.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s::bigint)", (lock_key(db.name),))
        assert answer(db) == (4, "busy", "busy")
    finally:
        holder.close()

    # Blocking problems: whatever was asked, the word of exit code 5.
    broken_xml(db)
    for args in (["--check"], ["--dry-run"], ["--rehearse"], []):
        assert answer(db, *args) == (5, "blocked", "blocked"), args

    # An installed addon without code: 6, beside nothing to do as beside an upgrade of the others.
    lose_code(db)
    assert answer(db) == (6, "code missing", "code missing")
    assert answer(db, "--check") == (6, "code missing", "code missing")
    change(db, "mau_sample_e")
    proc = cli(db)
    assert (proc.returncode, said(proc, db.name)) == (6, "code missing"), proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.startswith(f"{db.name}: code missing (upgraded mau_sample_e, mau_sample_f, mau_sample_g)")
    # The history keeps what the runs did: no word of the command line's.
    results = [r for (r,) in db.sql("SELECT result FROM module_auto_update_run ORDER BY id")]
    assert "code missing" not in results and results[-1] == "done", results


def test_done_and_failed_say_their_word(recorded_db):
    db = recorded_db
    change(db, "mau_sample_c")
    assert answer(db, "--rehearse") == (0, "rehearsed", "rehearsed")
    proc = cli(db)
    assert (proc.returncode, said(proc, db.name)) == (0, "done"), proc.stdout + proc.stderr[-3000:]
    fail_a_view(db)
    assert answer(db) == (1, "failed", "failed")


# Item 4: one sentence on the terminal, the traceback in the log ----------------------------------------


def test_a_failure_is_a_sentence_on_the_terminal_and_a_traceback_in_the_log_file(recorded_db, tmp_path):
    db = recorded_db
    fail_a_view(db)
    proc = cli(db)  # --log-level=warn, the log on the terminal (stderr)
    assert proc.returncode == 1 and said(proc, db.name) == "failed", proc.stdout + proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    failed = [line for line in proc.stderr.splitlines() if " ERROR " in line and "Upgrade failed in addon" in line]
    assert len(failed) == 1 and "mau_sample_a (data file views/views.xml, line 3)" in failed[0], proc.stderr
    # One line: Odoo's error goes on (the view, its context) in the result only.
    assert failed[0].rstrip().endswith("(the whole error is in the result; --log-level=debug shows the traceback)")
    assert "View error context" not in proc.stderr and "View error context" in proc.stdout, proc.stderr

    logfile = tmp_path / "odoo.log"
    proc = cli(db, f"--logfile={logfile}")
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    log = logfile.read_text()
    assert "Upgrade failed in addon mau_sample_a" in log and "Traceback (most recent call last)" in log, log[-3000:]
    assert "View error context" in log  # the whole error, where a log is kept

    proc = cli(db, log_level="debug")
    assert proc.returncode == 1 and "Traceback (most recent call last)" in proc.stderr, proc.stderr[-3000:]


# Item 5: restart, said when true ----------------------------------------------------------------------


def odoo_applications(db):
    """The application names of the Odoo processes connected to ``db``, as PostgreSQL shows them."""
    rows = db.sql(
        "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = %s AND application_name LIKE 'odoo-%%'",
        (db.name,),
    )
    return sorted(name for (name,) in rows)


def signal(db):
    return db.sql("SELECT last_value FROM base_registry_signaling")[0][0]


def test_no_server_running_nothing_to_restart(recorded_db):
    db = recorded_db
    add_partner_field(db)
    rehearsed = cli(db, "--rehearse")
    assert rehearsed.returncode == 0, rehearsed.stderr[-3000:]
    assert (
        "The upgrade would change the Python code of mau_sample_partner; no Odoo server is connected to the "
        "database: none would need a restart."
    ) in rehearsed.stdout, rehearsed.stdout
    proc = cli(db, "--format", "json")
    out = outcomes(proc)[db.name]
    assert out["result"] == "done", proc.stderr[-3000:]
    assert [out[key] for key in RESTART_KEYS] == [False, ["mau_sample_partner"], []]

    add_partner_field(db, SECOND_FIELD)
    proc = cli(db, log_level="info")
    assert proc.returncode == 0, proc.stderr[-3000:]
    sentence = (
        "The Python code of mau_sample_partner changed; no Odoo server is connected to the database: "
        "nothing to restart."
    )
    assert f"    {sentence}" in proc.stdout.splitlines(), proc.stdout
    assert f"{db.name}: {sentence}" in proc.stderr and "Running Odoo processes" not in proc.stdout + proc.stderr
    history = db.sql("SELECT restart_needed FROM module_auto_update_run WHERE result = 'done' ORDER BY id")
    assert history == [(False,), (False,)]


def test_a_running_server_is_named_and_a_rehearsal_leaves_it_alone(recorded_db, tmp_path):
    db = recorded_db
    with odoo_env.serve(db.odoo, db.name, tmp_path / "server.log", addons=[db.addons_dir]):
        add_partner_field(db)  # while it runs: it imported the old code
        servers = odoo_applications(db)
        assert servers, "the server holds no connection to its database"
        pids = sorted(int(name.split("-")[1]) for name in servers)

        before = signal(db)
        rehearsed = cli(db, "--rehearse", "--format", "json")
        out = outcomes(rehearsed)[db.name]
        assert out["result"] == "rehearsed", rehearsed.stderr[-3000:]
        assert sorted(p["pid"] for p in out["restart_processes"]) == pids and out["restart_needed"] is True
        text = cli(db, "--rehearse").stdout
        assert (
            "Running Odoo processes would need a restart for the new Python code of mau_sample_partner: "
            f"pid {pids[0]} ("
        ) in text, text
        assert "still run" not in text
        # Rolled back: no signal, so the server keeps its registry.
        assert signal(db) == before

        proc = cli(db, "--format", "json")
        out = outcomes(proc)[db.name]
        assert out["result"] == "done", proc.stderr[-3000:]
        assert out["restart_needed"] is True and out["restart_addons"] == ["mau_sample_partner"]
        assert sorted(p["pid"] for p in out["restart_processes"]) == pids, (out["restart_processes"], servers)
        # This run's own process and its lock watcher are not among them.
        assert all(p["application"] in servers for p in out["restart_processes"])
        assert signal(db) > before  # the upgrade, committed, told the server to reload

        add_partner_field(db, SECOND_FIELD)
        proc = cli(db)
        line = next((line for line in proc.stdout.splitlines() if "Running Odoo processes" in line), proc.stdout)
        assert f"still run the old Python code of mau_sample_partner: pid {pids[0]} (" in line, line
        assert "connected to the database. Restart them (kill -HUP" in line
        assert re.search(r" WARNING .*Running Odoo processes still run the old Python code", proc.stderr)
    history = db.sql("SELECT restart_needed FROM module_auto_update_run WHERE result = 'done' ORDER BY id")
    assert history == [(True,), (True,)]


# Item 6: the plan says why ----------------------------------------------------------------------------


def test_a_language_activated_says_why_its_addons_changed(recorded_db):
    db = recorded_db
    db.shell('env["res.lang"]._activate_lang("fr_FR"); env.cr.commit()')
    proc = cli(db, "--dry-run", "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    plan = outcomes(proc)[db.name]
    changed = {item["module"]: item for item in plan["changed"]}
    assert "base" in changed and len(changed) > 1, sorted(changed)
    # Each one changed for French alone: the French .po files it ships now count in its fingerprint.
    for item in changed.values():
        added = [p.rpartition("/")[2] for p in item["files"]["added"]]
        assert item["files"]["removed"] == item["files"]["modified"] == [] and added, item
        assert all(re.fullmatch(r"fr(_[A-Z]{2})?\.po", f) for f in added), item
        assert item["why"]["code"] in ("language-activated", "language-activated-many"), item
        assert item["why"]["params"] == {"languages": "French", "files": ", ".join(sorted(set(added)))}, item
    assert (
        changed["base"]["why"]["detail"] == "French activated: fr.po, fr_BE.po, fr_CA.po now count in its fingerprint"
    )
    text = cli(db, "--dry-run").stdout
    assert "  base (French activated: fr.po, fr_BE.po, fr_CA.po now count in its fingerprint)" in text, text

    # The wizard says it too, in the user's language.
    html = db.shell('result(str(env["module.auto.update.wizard"].with_context(lang="fr_FR").create({}).plan_html))')
    assert "<strong>base</strong> (French activé : fr.po, fr_BE.po, fr_CA.po comptent désormais" in html, html

    # An edit of the code beside it: the plan says changed, as it is.
    change(db, "mau_sample_c")
    plan = outcomes(cli(db, "--dry-run", "--format", "json"))[db.name]
    assert {item["module"]: item["why"] for item in plan["changed"]}["mau_sample_c"] is None
