# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The static scan of the fields an addon's Python code declares (no Odoo, no database)."""

import textwrap

from module_auto_update.core.declared_fields import scan_python


def addon(tmp_path, files):
    for relpath, text in files.items():
        path = tmp_path / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(tmp_path)


def test_new_models_extensions_and_keyword_fields(tmp_path):
    path = addon(
        tmp_path,
        {
            "models/a.py": """
                from odoo import fields, models

                class A(models.Model):
                    _name = "x.a"
                    _inherit = ["mail.thread"]
                    name = fields.Char()
                    amount: float = fields.Float()
                    helper = 3

                class Partner(models.Model):
                    _inherit = "res.partner"
                    x_level = fields.Integer()

                setattr(A, "global", fields.Boolean())

                class Rule(models.Model):
                    _name = "x.rule"

                # As ir.rule does: the field built first, then set under a keyword's name.
                global_ = fields.Boolean(compute="_compute_global", store=True)
                setattr(Rule, "global", global_)
            """,
        },
    )
    own, parents, errors, *_declared = scan_python(path)
    assert errors == []
    assert own == {"x.a": {"name", "amount", "global"}, "res.partner": {"x_level"}, "x.rule": {"global"}}
    assert parents == {"x.a": {"mail.thread"}, "res.partner": set(), "x.rule": set()}


def test_tests_and_scripts_are_skipped_and_syntax_errors_named(tmp_path):
    path = addon(
        tmp_path,
        {
            "tests/test_a.py": 'from odoo import fields, models\nclass T(models.Model):\n    _name = "x.t"\n'
            "    f = fields.Char()\n",
            "migrations/18.0.1.0.1/pre-migrate.py": 'class M:\n    _name = "x.m"\n',
            "models/broken.py": "import os\n\nclass (:\n",
            "migrations/18.0.1.0.1/post-migrate.py": "def migrate(cr, version)\n    pass\n",
            "tests/test_broken.py": "class (:\n",
            "models/b.py": 'from odoo import fields, models\nclass B(models.Model):\n    _name = "x.b"\n'
            "    code = fields.Char()\n",
        },
    )
    own, _parents, errors, *_declared = scan_python(path)
    assert own == {"x.b": {"code"}}
    # Tests are never loaded by an upgrade; a broken migration script or model file is named with its line.
    assert [(relpath, line) for relpath, line, _msg in errors] == [
        ("migrations/18.0.1.0.1/post-migrate.py", 1),
        ("models/broken.py", 3),
    ]
