# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What would make an upgrade fail, found in the files before anything runs (no Odoo)."""

import ast
import textwrap

from module_auto_update.core import preflight

MANIFEST = """{
    "name": "Shop",
    "depends": ["base"],
    "data": [
        "security/ir.model.access.csv",
        "views/shop.xml",
    ],
    "demo": ["demo/demo.xml"],
}
"""
VIEW = """<odoo>
    <record id="shop_view" model="ir.ui.view">
        <field name="name">shop</field>
    </record>
    <menuitem id="shop_menu" name="Shop" />
</odoo>
"""
ACCESS = "id,name,model_id:id,group_id:id,perm_read\naccess_shop,shop,model_x_shop,,1\n"
KNOWN = {"ir.ui.view", "ir.model.access", "res.partner"}


def addon(tmp_path, **files):
    files = {"__manifest__.py": MANIFEST, "security/ir.model.access.csv": ACCESS, "views/shop.xml": VIEW, **files}
    for relpath, text in files.items():
        if text is None:
            continue
        path = tmp_path / "shop" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else textwrap.dedent(text).encode())
    manifest = ast.literal_eval(files["__manifest__.py"])
    return dict(manifest, path=str(tmp_path / "shop"), source=files["__manifest__.py"])


def check(manifest, demo=False, known=KNOWN):
    xmlids, problems = preflight.read_data_files("shop", manifest, demo, known)
    return xmlids, [(p["code"], p["file"], p["line"]) for p in problems], problems


def test_readable_files_give_their_xml_ids_and_no_problem(tmp_path):
    xmlids, found, _ = check(addon(tmp_path))
    assert found == []
    assert xmlids == {"shop.shop_view", "shop.shop_menu", "shop.access_shop"}


def test_broken_xml_is_named_with_its_line_and_defines_nothing(tmp_path):
    broken = VIEW.replace("</record>", "</recod>")
    xmlids, found, [problem] = check(addon(tmp_path, **{"views/shop.xml": broken}))
    assert found == [("xml-invalid", "shop/views/shop.xml", 4)]
    assert "Opening and ending tag mismatch" in problem["detail"]
    assert xmlids == {"shop.access_shop"}


def test_record_of_a_model_nobody_defines(tmp_path):
    unknown = VIEW.replace('model="ir.ui.view"', 'model="x.nowhere"')
    _, found, [problem] = check(addon(tmp_path, **{"views/shop.xml": unknown}))
    assert found == [("model-unknown", "shop/views/shop.xml", 2)]
    assert "model x.nowhere" in problem["detail"]
    # Not checked when the known models are not given.
    assert preflight.read_data_files("shop", addon(tmp_path, **{"views/shop.xml": unknown}), False, None)[1] == []


def test_csv_of_an_unknown_model_or_unreadable(tmp_path):
    manifest = addon(tmp_path, **{"security/ir.model.access.csv": b"id,name\nx,caf\xe9\n"})
    _, found, _ = check(manifest)
    assert found == [("csv-invalid", "shop/security/ir.model.access.csv", 2)]
    renamed = MANIFEST.replace("ir.model.access.csv", "x.nowhere-rules.csv")
    manifest = addon(tmp_path, **{"__manifest__.py": renamed, "security/x.nowhere-rules.csv": ACCESS})
    _, found, _ = check(manifest)
    assert found == [("model-unknown", "shop/security/x.nowhere-rules.csv", 1)]


def test_missing_file_is_named_at_its_manifest_line_demo_only_with_demo(tmp_path):
    manifest = addon(tmp_path, **{"views/shop.xml": None})
    _, found, [problem] = check(manifest)
    assert found == [("file-missing", "shop/__manifest__.py", 6)]
    assert problem["detail"] == "shop lists shop/views/shop.xml in its manifest, but the file does not exist."
    assert check(addon(tmp_path), demo=True)[1] == [("file-missing", "shop/__manifest__.py", 8)]


def test_invalid_manifest_and_python_are_named_with_their_line(tmp_path):
    try:
        ast.literal_eval('{\n  "name": "Shop",\n  "depends": ["base"\n}')
    except SyntaxError as exc:
        problem = preflight.manifest_problem("shop", "__manifest__.py", exc)
    assert (problem["code"], problem["file"], problem["line"]) == ("manifest-invalid", "shop/__manifest__.py", 4)
    [problem] = preflight.python_problems("shop", [("models/shop.py", 12, "invalid syntax")])
    assert problem["detail"] == "Not valid Python: invalid syntax"
    assert problem["line"] == 12
