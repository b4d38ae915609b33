# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Installing and uninstalling the addon on real databases."""

import json
import re

import odoo_env

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \d+ (WARNING|ERROR|CRITICAL) ")


def test_install_on_fresh_database_is_silent_and_records_nothing(odoo):
    name = odoo_env.unique_db("mau_install")
    try:
        proc = odoo.run(
            [
                "-d",
                name,
                "-i",
                "module_auto_update",
                "--without-demo=all",
                "--stop-after-init",
                "--no-http",
                "--log-level=info",
            ]
        )
        noisy = [line for line in (proc.stdout + proc.stderr).splitlines() if LOG_LINE.match(line)]
        assert noisy == []
        conn = odoo_env.pg_connect(name)
        with conn.cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = 'module_auto_update'")
            assert cr.fetchone() == ("installed",)
            cr.execute("SELECT count(*) FROM module_auto_update_checksum")
            assert cr.fetchone() == (0,), "installing records nothing by itself"
            cr.execute("SELECT active FROM ir_cron WHERE cron_name = 'Auto-Upgrade Modules'")
            assert cr.fetchone() == (False,), "the scheduled action ships inactive"
            # Where Odoo counts the runs left of a scheduled action (17.0's numbercall, default 1: once),
            # the addon's runs for ever once activated.
            cr.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'ir_cron' AND column_name = 'numbercall'"
            )
            if cr.fetchone():
                cr.execute("SELECT numbercall FROM ir_cron WHERE cron_name = 'Auto-Upgrade Modules'")
                assert cr.fetchone() == (-1,), "the scheduled action repeats"
            # The history's list view, with the series' tag (tree up to 17.0, list since 18.0).
            cr.execute(
                "SELECT v.type FROM ir_ui_view v JOIN ir_model_data d ON d.model = 'ir.ui.view' AND d.res_id = v.id "
                "WHERE d.module = 'module_auto_update' AND d.name = 'module_auto_update_run_view_list'"
            )
            assert cr.fetchone() == ("tree" if odoo.series < "18.0" else "list",)
        conn.close()
    finally:
        odoo_env.drop_db(name)


def test_uninstall_leaves_other_tools_a_valid_parameter(db):
    db.shell('env["ir.module.module"]._save_installed_checksums(); env.cr.commit()')
    saved = db.saved()
    assert saved
    db.shell('env["ir.module.module"].search([("name", "=", "module_auto_update")]).button_immediate_uninstall()')
    assert db.states("module_auto_update") == {"module_auto_update": "uninstalled"}
    assert not db.sql("SELECT 1 FROM pg_class WHERE relname = 'module_auto_update_checksum'")
    # click-odoo-update and the OCA addon go on from what was recorded.
    [(value,)] = db.sql("SELECT value FROM ir_config_parameter WHERE key = 'module_auto_update.installed_checksums'")
    assert json.loads(value) == saved
    assert not db.sql("SELECT 1 FROM ir_config_parameter WHERE key = 'module_auto_update.installed_checksums_sha1'")
