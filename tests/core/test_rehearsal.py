# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A rehearsal's report: schema differences and the text a terminal shows."""

import json

from module_auto_update.cli import command
from module_auto_update.core import rehearsal, results
from module_auto_update.core.rehearsal import Schema, Snapshot

BEFORE = Schema(
    columns={
        ("res_partner", "id"): ("integer", True),
        ("res_partner", "name"): ("character varying", False),
        ("res_partner", "old"): ("text", False),
        ("gone", "id"): ("integer", True),
    },
    constraints={("res_partner", "res_partner_pkey"): "PRIMARY KEY (id)", ("gone", "gone_pkey"): "PRIMARY KEY (id)"},
    indexes={("res_partner", "res_partner__name_index"): "CREATE INDEX ... (name)"},
)
AFTER = Schema(
    columns={
        ("res_partner", "id"): ("integer", True),
        ("res_partner", "name"): ("text", True),
        ("res_partner", "nickname"): ("character varying", False),
        ("new_table", "id"): ("integer", True),
        ("new_table", "partner_id"): ("integer", False),
    },
    constraints={
        ("res_partner", "res_partner_pkey"): "PRIMARY KEY (id)",
        ("res_partner", "res_partner_nickname_uniq"): "UNIQUE (nickname)",
        ("new_table", "new_table_pkey"): "PRIMARY KEY (id)",
    },
    indexes={("new_table", "new_table_pkey"): "CREATE UNIQUE INDEX ..."},
)


def test_schema_changes_name_each_difference_once():
    sizes = {"gone": 12, "res_partner": 3400}
    changes = [
        (c["change"], c["table"], c["name"], c["detail"]) for c in rehearsal.schema_changes(BEFORE, AFTER, sizes)
    ]
    # What is dropped or changed says the size of its table before: the data gone or rewritten.
    assert changes == [
        ("table created", "new_table", "", "2 columns"),
        ("table dropped", "gone", "", "about 12 rows"),
        ("column changed", "res_partner", "name", "character varying → text not null, about 3400 rows"),
        ("column added", "res_partner", "nickname", "character varying"),
        ("column dropped", "res_partner", "old", "text, about 3400 rows"),
        ("constraint added", "res_partner", "res_partner_nickname_uniq", "UNIQUE (nickname)"),
        ("index dropped", "res_partner", "res_partner__name_index", "CREATE INDEX ... (name)"),
    ]


def test_no_difference_no_change():
    assert rehearsal.schema_changes(AFTER, AFTER) == []


def counters(*tables):
    return dict.fromkeys(tables, (1, 2, 0))


def test_rows_are_what_the_upgrade_wrote_not_what_came_before():
    before = {"res_partner": (5, 1, 0), "res_users": (1, 0, 0)}
    after = {"res_partner": (6, 4, 0), "res_users": (1, 0, 0), "mau_log": (3, 0, 0)}
    assert rehearsal.rows_written(before, after) == [
        {"table": "res_partner", "inserted": 1, "updated": 3, "deleted": 0},
        {"table": "mau_log", "inserted": 3, "updated": 0, "deleted": 0},
    ]


def outcome(report):
    return results.Result(
        "prod",
        results.REHEARSED,
        upgraded=["sale_custom"],
        rehearsal=report,
        locks=[{"table": "sale_order", "mode": "AccessExclusiveLock", "seconds": 1.5}],
    )


def test_text_report_puts_the_data_before_odoos_own_tables():
    report = rehearsal.report(
        [
            {
                "module": "sale_custom",
                "seconds": 2.5,
                "scripts": [
                    {"stage": "post", "version": "18.0.1.1", "file": "migrations/18.0.1.1/post-x.py", "seconds": 1.25}
                ],
                "hooks": [],
            },
            {"module": "sale_dep", "seconds": 0.5, "scripts": [], "hooks": ["post_init_hook setup"]},
        ],
        Snapshot(BEFORE, {}),
        Snapshot(AFTER, counters("ir_model_data", *(f"t{i}" for i in range(12)), "module_auto_update_checksum")),
    )
    text = command.as_text(outcome(report))
    lines = text.splitlines()
    assert lines[0] == "prod: rehearsed (upgraded, then rolled back: sale_custom)"
    assert "    exclusive locks held: sale_order 1.5 s (AccessExclusiveLock)" in lines
    assert "      sale_custom: 2.50 s" in lines
    assert "        post-migration 18.0.1.1 migrations/18.0.1.1/post-x.py: 1.25 s" in lines
    assert "        post_init_hook setup" in lines
    assert "      column added: res_partner.nickname (character varying)" in lines
    assert "      t0: 1, 2, 0" in lines and "      t9: 1, 2, 0" not in lines  # equal: by name, t9 last
    assert "      and 2 more tables (--format json lists them all)" in lines
    assert lines[-1] == "      Odoo's own records (2 tables: ir_*, module_auto_update_*): 2, 4, 0"
    data = json.loads(command.as_json(outcome(report)))
    assert len(data["rehearsal"]["rows"]) == 14 and data["result"] == "rehearsed"


def test_every_json_line_has_the_rehearsal_key():
    assert json.loads(command.as_json(results.Result("prod", results.MISSING)))["rehearsal"] is None
