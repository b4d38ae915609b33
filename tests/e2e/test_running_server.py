# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The menu and the scheduled action run inside a long-running server."""

import time

import odoo_env


def call(url, db, *args):
    uid = odoo_env.jsonrpc(url, "common", "login", db.name, "admin", "admin")["result"]
    return odoo_env.jsonrpc(url, "object", "execute_kw", db.name, uid, "admin", "ir.module.module", *args)


def test_python_changed_after_import_is_refused_data_changes_are_applied(recorded_db, tmp_path):
    db = recorded_db
    before = db.saved()
    with odoo_env.serve(db.odoo, db.name, tmp_path / "server.log", addons=[db.addons_dir]) as url:
        assert call(url, db, "search_count", [[("state", "=", "installed")]])["result"] > 0
        time.sleep(1.1)  # the edit must be later than the import, at any mtime resolution
        model = db.addon("mau_sample_c") / "models" / "sample.py"
        imported = model.read_text()
        model.write_text(imported + "    late = fields.Char()\n")

        answer = call(url, db, "upgrade_changed_checksum", [])
        # Odoo's warning dialog (UserError's class), not the crash dialog.
        assert answer["error"]["data"]["context"]["exception_class"] == "odoo.exceptions.UserError", answer
        message = answer["error"]["data"]["message"]
        assert "mau_sample_c" in message and "changed after this Odoo process imported it" in message
        assert db.saved() == before, "nothing recorded: the new code was not loaded"
        assert not db.pending()

        # The Python file is back as the server imported it (but newer): an
        # XML change of the same addon is loaded from disk by the running server.
        model.write_text(imported)
        view = db.addon("mau_sample_c") / "views" / "views.xml"
        view.write_text(view.read_text().replace("<form>", '<form string="Edited while serving">'))
        answer = call(url, db, "upgrade_changed_checksum", [])
        assert "mau_sample_c" in answer["result"]["params"]["message"], answer
    arch = db.sql("SELECT arch_db::text FROM ir_ui_view WHERE name = 'mau.sample.c.form'")[0][0]
    assert "Edited while serving" in arch
    assert db.saved()["mau_sample_c"] != before["mau_sample_c"]
