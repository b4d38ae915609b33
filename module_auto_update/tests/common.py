# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small installed addons on disk, for tests that edit them and read the plan.

The addons (the repository's sample addons c, e <- f <- g, written afresh:
OCA's CI has no other addon than this one) go in a temporary folder added
to Odoo's addons path; their ``ir.module.module`` rows say installed at
``VERSION`` (18.0.1.0.0 on 18.0, 19.0.1.0.0 on 19.0). Odoo never loads them: the plan and the fingerprints read them
from disk, which is what these tests look at. Anything that would really
upgrade them belongs to the end-to-end suite.
"""

import tempfile
from pathlib import Path
from unittest.mock import patch

from odoo import Command

import odoo.addons

from ..upgrade import series

# The samples' version, in the running series: Odoo 19 does not install an addon of another series.
VERSION = f"{series.SERIES}.1.0.0"
HEADER = (
    "# Copyright 2026 module_auto_update developers\n# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).\n"
)


DEPENDS = {
    "mau_sample_c": ["base"],
    "mau_sample_e": ["base"],
    "mau_sample_f": ["mau_sample_e"],
    "mau_sample_g": ["mau_sample_f"],
}


def manifest(name, data=()):
    depends = DEPENDS[name]
    data_line = f'    "data": {list(data)!r},\n'.replace("'", '"') if data else ""
    return (
        f"{HEADER}{{\n"
        f'    "name": "Auto-upgrade sample {name[-1]}",\n'
        f'    "version": "{VERSION}",\n'
        f'    "depends": {list(depends)!r},\n'.replace("'", '"')
        + '    "license": "LGPL-3",\n'
        f"{data_line}"
        '    "installable": True,\n'
        "}\n"
    )


def model(cls, name, description, *fields):
    lines = "".join(f"    {field}\n" for field in fields)
    return (
        f"{HEADER}from odoo import fields, models\n\n\n"
        f'class {cls}(models.Model):\n    _name = "{name}"\n    _description = "{description}"\n\n{lines}'
    )


def access(model_name):
    xmlid = model_name.replace(".", "_")
    return (
        "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink\n"
        f"access_{xmlid},{model_name},model_{xmlid},base.group_user,1,1,1,1\n"
    )


SAMPLES = {
    "mau_sample_c": {
        "__init__.py": f"{HEADER}from . import models\n",
        "__manifest__.py": manifest("mau_sample_c", ["security/ir.model.access.csv", "views/views.xml"]),
        "models/__init__.py": f"{HEADER}from . import sample\n",
        "models/sample.py": model(
            "SampleC", "mau.sample.c", "Auto-upgrade sample C", "name = fields.Char(required=True)"
        ),
        "security/ir.model.access.csv": access("mau.sample.c"),
        "views/views.xml": """<?xml version="1.0" encoding="utf-8" ?>
<odoo>
    <record id="view_mau_sample_c_form" model="ir.ui.view">
        <field name="name">mau.sample.c.form</field>
        <field name="model">mau.sample.c</field>
        <field name="arch" type="xml">
            <form>
                <field name="name" />
            </form>
        </field>
    </record>
</odoo>
""",
    },
    "mau_sample_e": {
        "__init__.py": f"{HEADER}from . import models\n",
        "__manifest__.py": manifest("mau_sample_e", ["security/ir.model.access.csv"]),
        "models/__init__.py": f"{HEADER}from . import sample\n",
        "models/sample.py": model(
            "SampleE",
            "mau.sample.e",
            "Auto-upgrade sample E",
            "name = fields.Char(required=True)",
            "note = fields.Char()",
        ),
        "security/ir.model.access.csv": access("mau.sample.e"),
    },
    "mau_sample_f": {"__init__.py": HEADER, "__manifest__.py": manifest("mau_sample_f")},
    "mau_sample_g": {"__init__.py": HEADER, "__manifest__.py": manifest("mau_sample_g")},
}


def installed_samples(test, names=tuple(SAMPLES)):
    """Write the sample addons ``names`` in a temporary folder on Odoo's addons path, installed.

    For the duration of ``test``; returns the folder (``folder / name`` is an addon).
    """
    folder = Path(test.enterContext(tempfile.TemporaryDirectory(prefix="mau_addons_")))
    for name in names:
        for relative, text in SAMPLES[name].items():
            path = folder / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    test.enterContext(patch.object(odoo.addons, "__path__", [*odoo.addons.__path__, str(folder)]))
    # 19.0 remembers where it found (or missed) each addon: forgotten now, and when the folder goes.
    series.forget_manifests()
    test.addCleanup(series.forget_manifests)
    test.env["ir.module.module"].create(
        [
            {
                "name": name,
                "state": "installed",
                "latest_version": VERSION,
                "dependencies_id": [Command.create({"name": dep}) for dep in DEPENDS[name]],
            }
            for name in names
        ]
    )
    test.env.flush_all()
    return folder


def edit(path, old, new):
    text = path.read_text()
    if old not in text:
        raise AssertionError(f"{old!r} is not in {path}")
    path.write_text(text.replace(old, new, 1))
