# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The load harness (tools/load.py) itself. Against a real server, no
upgrade: it counts requests, fails none, loses nothing, and does see a write
taken away behind its back. Each migration style runs once under Odoo's own
``-u`` on a quiet database (no server, no clients) and leaves the values it
should. The audit sees a migration write computed from an older value, by
hand, and reports none when there is none."""

import time

import odoo_env
import psycopg2
import pytest
from load import (
    MARK,
    MIGRATED,
    MIGRATED_KEY,
    NEW_VERSION,
    STYLES,
    Load,
    change_sample,
    install_audit,
    mark_of,
    not_recomputed,
    note_text,
    overwritten,
    parse_args,
)

HOT = 4
APPENDING = ("update", "orm", "select-update")  # the styles that append " migrated" to the notes


def test_hot_rows_are_shared_among_the_clients():
    with pytest.raises(ValueError):
        Load("http://127.0.0.1:1", "nowhere", clients=4, hot=3)


def test_styles_are_chosen_by_name(tmp_path):
    assert parse_args([]).styles == list(STYLES) == ["none", "update", "orm", "select-update", "computed"]
    assert parse_args(["--styles", "orm, update"]).styles == ["orm", "update"]
    with pytest.raises(SystemExit):
        parse_args(["--styles", "orm,bogus"])
    with pytest.raises(ValueError, match="bogus"):
        change_sample(tmp_path, tmp_path / "runs", style="bogus")


def test_a_quiet_server_answers_everything_and_loses_nothing(recorded_db, tmp_path):
    db = recorded_db
    with odoo_env.serve(db.odoo, db.name, tmp_path / "server.log", addons=[db.addons_dir]) as url:
        with Load(url, db.name, clients=4, hot=8, timeout=60) as load:
            time.sleep(1.5)
            load.phase("during")
            time.sleep(1.5)
    report = load.report()
    assert report["requests"] > 0 and report["failed"] == 0, report
    assert set(report["phases"]) == {"before", "during"}
    assert all(
        phase["requests"] > 0 and phase["p50"] <= phase["p99"] <= phase["max"] for phase in report["phases"].values()
    )
    assert report["acknowledged_writes"] > 0 and report["acknowledged_creates"] > 0, report
    assert load.lost(db.name) == []
    # The owners' tokens are on the rows: the default comparison is strict.
    assert load.lost(db.name, matches=lambda acked, value: False)

    # A write undone and a create deleted behind the harness's back are reported.
    tampered, created = load.hot_ids[0], load.created[0][0]
    db.sql("UPDATE res_partner SET comment = 'someone else' WHERE id = %s", (tampered,))
    db.sql("DELETE FROM res_partner WHERE id = %s", (created,))
    lost = load.lost(db.name)
    assert len(lost) == 2, lost
    assert "hot row 0" in lost[0] and "'someone else'" in lost[0], lost
    assert f"(id {created}) is missing" in lost[1], lost
    # An appended value passes with a predicate that allows it.
    db.sql("UPDATE res_partner SET comment = comment || ' migrated' WHERE id = ANY(%s)", (load.hot_ids[1:],))
    assert len(load.lost(db.name, matches=lambda acked, value: value == f"{acked} migrated")) == 2


def create_hot(db, count=HOT):
    """``count`` partners named and noted as the harness creates its hot rows (through the ORM); their ids."""
    rows = ", ".join(f'{{"name": "load hot {i}", "comment": "hot{i}-init"}}' for i in range(count))
    return db.shell(f'result(env["res.partner"].create([{rows}]).ids); env.cr.commit()')


def mark_column(db):
    return db.sql(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name = %s", (MARK,)
    )


@pytest.mark.parametrize("style", list(STYLES))
def test_each_style_runs_once_under_odoo_u_and_leaves_what_it_should(recorded_db, tmp_path, style):
    db = recorded_db
    ids = create_hot(db)
    install_audit(db.name)
    (created,) = db.sql("SELECT max(write_date) FROM res_partner WHERE id = ANY(%s)", (ids,))[0]
    runs = tmp_path / "migration_runs"
    change_sample(db.addons_dir, runs, style)
    proc = db.odoo_bin("-u", "mau_sample_partner", "--stop-after-init", "--no-http")
    assert "ERROR" not in proc.stderr, proc.stderr[-3000:]
    # It ran once, and was committed once.
    assert len(runs.read_text().split()) == 1
    assert db.sql("SELECT value FROM ir_config_parameter WHERE key = %s", (MIGRATED_KEY,)) == [("1",)]
    assert db.sql("SELECT latest_version FROM ir_module_module WHERE name = 'mau_sample_partner'") == [(NEW_VERSION,)]
    # The notes: " migrated" appended once by the styles that write them, untouched by the others.
    rows = db.sql("SELECT id, comment, write_date FROM res_partner WHERE id = ANY(%s)", (ids,))
    suffix = MIGRATED if style in APPENDING else ""
    assert {pid: note_text(note) for pid, note, _date in rows} == {
        pid: f"hot{i}-init{suffix}" for i, pid in enumerate(ids)
    }
    # Written through the ORM (write_date set: "orm", and the loader's compute), or in SQL (left alone).
    assert {date > created for _pid, _note, date in rows} == {style in ("orm", "computed")}, (created, rows)
    audit = db.sql("SELECT partner_id, old_value, new_value, old_mark, new_mark FROM mau_load_audit")
    if style == "computed":
        # The loader computed the new stored field over every partner, the hot ones from their note.
        marks = dict(db.sql(f"SELECT id, {MARK} FROM res_partner WHERE id = ANY(%s)", (ids,)))
        assert marks == {pid: f"hot{i}-init migrated" for i, pid in enumerate(ids)}
        assert {pid for pid, _o, _n, old_mark, new_mark in audit if old_mark is None and new_mark} >= set(ids)
    else:
        assert not mark_column(db)
        # The audit saw each migration write (none for "none"), with the value it replaced.
        assert sorted((pid, note_text(new)) for pid, old, new, _om, _nm in audit if old != new) == sorted(
            (pid, f"hot{i}-init migrated") for i, pid in enumerate(ids) if style in APPENDING
        )
    assert overwritten(db.name) == []
    assert not_recomputed(db.name) == 0


def write_note(conn, partner_id, note):
    with conn.cursor() as cr:
        cr.execute("UPDATE res_partner SET comment = %s WHERE id = %s", (note, partner_id))


def test_the_audit_sees_a_migration_write_computed_from_an_older_value(recorded_db):
    db = recorded_db
    with pytest.raises(RuntimeError, match="install_audit"):
        overwritten(db.name)
    install_audit(db.name)
    a, b, c, d = (pid for (pid,) in db.sql("SELECT id FROM res_partner ORDER BY id LIMIT 4"))
    conn = odoo_env.pg_connect(db.name)
    try:
        # Users' writes, and migration writes computed from the value they replace: nothing to say.
        for partner_id in (a, b, c, d):
            write_note(conn, partner_id, f"<p>{partner_id}-v1</p>")
        write_note(conn, a, "<p>a-v2</p>")
        with conn.cursor() as cr:
            cr.execute("UPDATE res_partner SET comment = comment || ' migrated' WHERE id IN (%s, %s)", (b, c))
        assert overwritten(db.name) == []

        # A slow migration read a's note before the user's write and writes on top of it.
        write_note(conn, a, f"<p>{a}-v1</p> migrated")
        found = overwritten(db.name)
        assert len(found) == 1, found
        assert f"res.partner {a} " in found[0], found
        assert f"the note 'a-v2' was replaced by '{a}-v1 migrated'" in found[0], found

        # The same write in an attempt that rolls back leaves nothing behind.
        attempt = psycopg2.connect(dbname=db.name)
        try:
            write_note(attempt, d, "<p>older</p> migrated")
            attempt.rollback()
        finally:
            attempt.close()
        assert len(overwritten(db.name)) == 1

        # The upgrade alters res_partner (a new stored computed field): the trigger stays and sees the mark.
        with conn.cursor() as cr:
            cr.execute(f"ALTER TABLE res_partner ADD COLUMN {MARK} varchar")
            cr.execute(f"UPDATE res_partner SET {MARK} = %s WHERE id = %s", (f"{b}-v1 migrated migrated", b))
        assert len(overwritten(db.name)) == 1  # computed from b's note as it is: right
        write_note(conn, c, "<p>c-v2</p>")
        with conn.cursor() as cr:  # computed from c's note before that write
            cr.execute(f"UPDATE res_partner SET {MARK} = %s WHERE id = %s", (f"{c}-v1 migrated migrated", c))
        found = overwritten(db.name)
        assert len(found) == 2, found
        assert f"res.partner {c} " in found[1] and "was stored on the note 'c-v2'" in found[1], found
        assert f"the compute gives {mark_of('<p>c-v2</p>')!r}" in found[1], found

        # A note written after its mark (a server still on the old code) is not an overwrite: counted apart.
        write_note(conn, b, "<p>b-v3</p>")
        assert len(overwritten(db.name)) == 2
        assert not_recomputed(db.name) == 1
        # The stored mark is checked against the note at the end too: a mark stored right, then a note
        # changed where the audit cannot see it, is one more; c's note changed so, said once.
        with conn.cursor() as cr:
            cr.execute(f"UPDATE res_partner SET {MARK} = %s WHERE id = %s", (f"{d}-v1 migrated", d))
        assert len(overwritten(db.name)) == 2
        with conn.cursor() as cr:
            cr.execute("ALTER TABLE res_partner DISABLE TRIGGER mau_load_audit")
            cr.execute("UPDATE res_partner SET comment = '<p>behind its back</p>' WHERE id IN (%s, %s)", (c, d))
            cr.execute("ALTER TABLE res_partner ENABLE TRIGGER mau_load_audit")
        found = overwritten(db.name)
        assert len(found) == 3, found
        assert found[2].startswith(f"res.partner {d}: {MARK} is '{d}-v1 migrated'"), found
        assert "no write changed the note since" in found[2], found
    finally:
        conn.close()
