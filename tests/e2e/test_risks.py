# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Risks before the upgrade, against a real Odoo 18 and PostgreSQL's own statistics.

One change of the samples holds each risk of ``core.risk`` on tables made
large (``--large-table``, rows added and ``ANALYZE``d): the plan names
each with its table and size, ``--strict`` refuses it with exit code 8
(``warned``) and leaves the database as it was, the rehearsal shows the
lock it measured beside each, and the real upgrade then does what was said.
"""

import re

import odoo_env
from test_cli import cli, outcomes
from test_said_when_true import answer

from module_auto_update.core import watcher

LARGE = "1000"
ROWS = 1500
HISTORY = ("public.module_auto_update_run",)
PARTNER_FIELDS = """
    mau_nickname = fields.Char(index=True)
    mau_code = fields.Char(required=True, default="x")
    mau_level = fields.Integer(default=lambda self: 3)
    mau_upper = fields.Char(compute="_compute_upper", store=True)
    mau_shown = fields.Char(compute="_compute_upper")

    def _compute_upper(self):
        for partner in self:
            partner.mau_upper = partner.mau_shown = (partner.name or "").upper()
"""
EXPECTED = [
    ("column-rewrite", "mau.sample.a", "mau_sample_a"),
    ("columns-dropped", "mau.sample.a", "mau_sample_a"),
    ("column-filled", "res.partner", "res_partner"),
    ("index-created", "res.partner", "res_partner"),
    ("login-model", "res.partner", None),
    ("not-null-column", "res.partner", "res_partner"),
    ("recompute", "res.partner", "res_partner"),
]


def make_risky(db):
    """Large tables, then code that rewrites, fills, recomputes, indexes and drops on them."""
    db.sql(
        "INSERT INTO mau_sample_a (name, create_date, write_date) "
        "SELECT g::text, now(), now() FROM generate_series(1, %s) g",
        (ROWS,),
    )
    db.sql(
        "INSERT INTO res_partner (name, complete_name, active, type, create_date, write_date) "
        "SELECT 'p' || g, 'p' || g, true, 'contact', now(), now() FROM generate_series(1, %s) g",
        (ROWS,),
    )
    db.sql("ANALYZE mau_sample_a")
    db.sql("ANALYZE res_partner")
    sample = db.addon("mau_sample_a") / "models" / "sample.py"
    sample.write_text(sample.read_text().replace("name = fields.Char(required=True)", "name = fields.Integer()"))
    b_note = (("models/sample.py", "    b_note = fields.Char()\n"), ("views/views.xml", '<field name="b_note" />'))
    for relpath, field in b_note:
        path = db.addon("mau_sample_b") / relpath
        assert field in path.read_text()
        path.write_text(path.read_text().replace(field, ""))
    partner = db.addon("mau_sample_partner") / "models" / "res_partner.py"
    partner.write_text(partner.read_text().replace("    mau_nickname = fields.Char()\n", PARTNER_FIELDS))


def risks(out):
    return sorted(
        (w["kind"], w["model"], w["params"].get("table"))
        for w in out["warnings"]
        if w["module"] != "module_auto_update" and w["kind"] in (*RISK_KINDS, "columns-dropped")
    )


RISK_KINDS = ("column-rewrite", "not-null-column", "column-filled", "recompute", "index-created", "login-model")


def test_the_plan_names_what_hurts_and_the_upgrade_does_it(recorded_db):
    db = recorded_db
    make_risky(db)

    # The deploy gate: each risk with its table and size, before anything runs.
    proc = cli(db, "--check", "--large-table", LARGE, "--format", "json")
    assert proc.returncode == 7, proc.stdout + proc.stderr[-3000:]
    out = outcomes(proc)[db.name]
    assert risks(out) == sorted(EXPECTED)
    sized = [w for w in out["warnings"] if w["params"].get("rows") is not None]
    assert all(ROWS <= w["params"]["rows"] <= ROWS + 100 for w in sized), [w["detail"] for w in sized]
    [login] = [w for w in out["warnings"] if w["kind"] == "login-model"]
    assert login["params"]["fields"] == "mau_code, mau_level, mau_shown, mau_upper"
    # Below the threshold only what does not depend on size is said.
    small = outcomes(cli(db, "--check", "--format", "json"))[db.name]
    assert [k for k, _m, _t in risks(small)] == ["columns-dropped", "login-model"]

    # --strict: exit 8, "warned", whatever was asked; the real run leaves the database as it was.
    assert answer(db, "--check", "--strict", "--large-table", LARGE) == (8, "warned", "warned")
    assert answer(db, "--dry-run", "--strict")[0] == 8
    before = odoo_env.database_snapshot(db.name)
    code, word, _json_word = answer(db, "--strict", "--large-table", LARGE)
    assert (code, word) == (8, "warned")
    assert odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=HISTORY) == []
    assert db.sql("SELECT result FROM module_auto_update_run ORDER BY id DESC LIMIT 1") == [("warned",)]

    # The rehearsal: each estimate beside the lock it measured, then rolled back.
    proc = cli(db, "--rehearse", "--large-table", LARGE, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    measured = {(r["kind"], r["table"]): r for r in outcomes(proc)[db.name]["rehearsal"]["risks"]}
    assert set(measured) == {(kind, table) for kind, _model, table in EXPECTED if table}
    assert all(r["locked"] is not None and r["rows"] >= ROWS for r in measured.values()), measured
    assert {r["mode"] for r in measured.values()} <= set(watcher.BLOCKING_MODES)
    text = cli(db, "--rehearse", "--large-table", LARGE).stdout
    assert "warnings, estimated and measured:" in text
    assert re.search(r"\n +column-rewrite mau_sample_a: about 15\d\d rows, locked \d+\.\d s \(\w+Lock\)\n", text), text
    assert odoo_env.snapshot_differences(before, odoo_env.database_snapshot(db.name), ignore=HISTORY) == []

    # The real upgrade does what the plan said.
    proc = cli(db, "--large-table", LARGE)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    column = "SELECT data_type, is_nullable FROM information_schema.columns WHERE table_name = %s AND column_name = %s"
    assert db.sql(column, ("mau_sample_a", "name")) == [("integer", "YES")]
    assert db.sql(column, ("mau_sample_a", "b_note")) == []
    assert db.sql(column, ("res_partner", "mau_code")) == [("character varying", "NO")]
    assert db.sql("SELECT count(*) FROM res_partner WHERE mau_level = 3 AND mau_upper IS NOT NULL") == [
        (db.sql("SELECT count(*) FROM res_partner")[0][0],)
    ]
    indexes = db.sql("SELECT indexdef FROM pg_indexes WHERE tablename = 'res_partner'")
    assert any("(mau_nickname)" in definition for (definition,) in indexes)
