# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The risk warnings of a plan (core.risk): the code's fields against the database's, with table sizes."""

import textwrap

from module_auto_update.core import plan, risk
from module_auto_update.core.declared_fields import scan_python

LARGE = 1000


def scan(tmp_path, name, code):
    path = tmp_path / name / "models.py"
    path.parent.mkdir(parents=True)
    path.write_text("from odoo import fields, models\n" + textwrap.dedent(code))
    return scan_python(str(path.parent))


def recorded(model, name, column, required=False, index=False, modules=("a",)):
    return {(model, name): {"required": required, "index": index, "column": column, "modules": modules}}


PARTNER = """
    class Partner(models.Model):
        _inherit = "res.partner"
        x_code = fields.Char(required=True, default="x")
        x_level = fields.Integer(default=lambda self: 3)
        x_upper = fields.Char(compute="_compute_upper", store=True)
        x_shown = fields.Char(compute="_compute_shown")
        x_plain = fields.Char()
        x_tags = fields.Many2many("res.partner.category")
        x_nick = fields.Char(index=True)
        x_unknown = fields.Char(required=REQUIRED)
"""


def kinds(found):
    return sorted((w["kind"], w["model"], w["params"].get("field") or w["params"].get("fields")) for w in found)


def test_new_fields_on_a_large_table_each_say_what_hurts(tmp_path):
    scans = {"a": scan(tmp_path, "a", PARTNER)}
    known = recorded("res.partner", "x_nick", "varchar")
    found = risk.risks(scans, ["a"], known, {"res_partner": 5000}, ["a"], large_rows=LARGE)
    assert kinds(found) == [
        ("column-filled", "res.partner", "x_level"),  # a default that is no constant is still a default
        ("index-created", "res.partner", "x_nick"),  # the field existed without an index
        (
            "login-model",
            "res.partner",
            "x_code, x_level, x_plain, x_shown, x_tags, x_unknown, x_upper",
        ),
        ("not-null-column", "res.partner", "x_code"),
        ("recompute", "res.partner", "x_upper"),
    ], "nothing of the plain, the unstored, the relation, nor the field whose required is not a constant"
    filled = next(w for w in found if w["kind"] == "column-filled")
    assert (filled["params"]["table"], filled["params"]["rows"]) == ("res_partner", 5000)
    assert "about 5000 rows of res_partner" in filled["detail"]


def test_small_tables_only_say_the_login_models(tmp_path):
    scans = {"a": scan(tmp_path, "a", PARTNER)}
    found = risk.risks(scans, ["a"], {}, {"res_partner": LARGE - 1}, ["a"], large_rows=LARGE)
    assert [w["kind"] for w in found] == ["login-model"]
    # An addon installed for the first time: running servers import its code, no restart to say.
    assert risk.risks(scans, ["a"], {}, {"res_partner": 5000}, [], large_rows=LARGE)[-1]["kind"] != "login-model"


def test_changed_columns_judged_only_when_every_declaring_addon_is_read(tmp_path):
    code = """
        class Thing(models.Model):
            _name = "x.thing"
            _table = "x_things"
            amount = fields.Float(digits=(16, 2))
            count = fields.Integer()
            note = fields.Text()
            label = fields.Char(required=True)
    """
    scans = {"a": scan(tmp_path, "a", code)}
    known = {
        **recorded("x.thing", "amount", "float8"),  # float8 -> numeric: rewritten
        **recorded("x.thing", "count", "varchar"),  # varchar -> int4: rewritten
        **recorded("x.thing", "note", "varchar"),  # varchar -> text: no rewrite
        **recorded("x.thing", "label", "varchar", modules=("a", "b")),  # b declares it too, not read
    }
    found = risk.risks(scans, ["a"], known, {"x_things": 2000, "x_thing": 0}, ["a"], large_rows=LARGE)
    assert [(w["kind"], w["params"]["field"], w["params"]["old"], w["params"]["new"]) for w in found] == [
        ("column-rewrite", "amount", "float8", "numeric"),
        ("column-rewrite", "count", "varchar", "int4"),
    ]
    assert found[0]["params"]["table"] == "x_things", "the _table the code sets"
    both = risk.risks(scans, ["a", "b"], known, {"x_things": 2000}, ["a", "b"], large_rows=LARGE)
    assert ("not-null-column", "label") in {(w["kind"], w["params"]["field"]) for w in both}


def test_an_unreadable_addon_concludes_nothing(tmp_path):
    scans = {"a": scan(tmp_path, "a", PARTNER + "\nclass (:\n")}
    assert scans["a"].errors
    assert risk.risks(scans, ["a"], {}, {"res_partner": 5000}, ["a"], large_rows=LARGE) == []


def test_declarations_merge_in_load_order(tmp_path):
    first = scan(tmp_path, "a", 'class T(models.Model):\n    _name = "x.t"\n    f = fields.Char()\n')
    second = scan(tmp_path, "b", 'class T(models.Model):\n    _inherit = "x.t"\n    f = fields.Char(required=True)\n')
    found = risk.risks({"a": first, "b": second}, ["a", "b"], {}, {"x_t": 5000}, ["a", "b"], large_rows=LARGE)
    assert [(w["kind"], w["module"]) for w in found] == [("not-null-column", "a")]
    # A later declaration of another type starts over: Odoo keeps only the last type's keywords.
    third = scan(tmp_path, "c", 'class T(models.Model):\n    _inherit = "x.t"\n    f = fields.Text()\n')
    scans = {"a": first, "b": second, "c": third}
    assert risk.risks(scans, ["a", "b", "c"], {}, {"x_t": 5000}, ["a", "b", "c"], large_rows=LARGE) == []


def test_dropped_columns_say_the_size_of_their_table():
    inputs = plan.PlanInputs(
        installed={"a": {"version": "18.0.1.0.0", "depends": []}},
        current={"a": "new"},
        saved={"a": "old"},
        manifests={"a": {"version": "1.0.0", "depends": []}},
        reasons={"a": "changed"},
        stored_fields=[{"model": "x.t", "name": "gone", "modules": ["a"]}],
        declared_fields={"a": {"x.t": []}},
        table_sizes={"x_t": 4200},
    )
    [dropped] = plan.build_plan(inputs)["warnings"]
    assert (dropped["kind"], dropped["fields"], dropped["rows"]) == ("columns-dropped", ["gone"], 4200)
    assert "(x_t: about 4200 rows)" in dropped["detail"]
