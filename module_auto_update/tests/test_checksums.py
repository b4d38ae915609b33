# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import os
import tempfile
from unittest import mock

from odoo.exceptions import AccessError
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, new_test_user, tagged

from ..addon_hash import addon_hash
from ..core import compare, stored
from ..models.module import (
    DEFAULT_EXCLUDE_PATTERNS,
    PARAM_EXCLUDE_PATTERNS,
    PARAM_INSTALLED_CHECKSUMS,
    FailedUpgradeError,
    IncompleteUpgradeError,
)
from ..upgrade import addons, series


@tagged("post_install", "-at_install")
class TestChecksums(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Module = cls.env["ir.module.module"]
        cls.Checksum = cls.env["module.auto.update.checksum"]
        cls.ICP = cls.env["ir.config_parameter"].sudo()
        cls.own = cls.Module.search([("name", "=", "module_auto_update")])
        cls.installed = cls.Module.search([("state", "=", "installed")])

    def legacy(self):
        return json.loads(self.ICP.get_param(PARAM_INSTALLED_CHECKSUMS, "{}"))

    def test_exported_names(self):
        self.assertTrue(issubclass(FailedUpgradeError, Exception))
        self.assertTrue(issubclass(IncompleteUpgradeError, Exception))
        self.assertEqual(PARAM_EXCLUDE_PATTERNS, "module_auto_update.exclude_patterns")

    def test_checksum_dir_is_the_compatible_digest(self):
        path = get_module_path("module_auto_update")
        langs = self.env["res.lang"].search([]).mapped("code")
        expected = addon_hash(path, DEFAULT_EXCLUDE_PATTERNS.split(","), langs)
        self.assertEqual(self.own._get_checksum_dir(), expected)

    def test_checksum_dir_follows_exclude_parameter(self):
        before = self.own._get_checksum_dir()
        # The default before click-odoo-update's: tests/ counts.
        self.ICP.set_param(PARAM_EXCLUDE_PATTERNS, " *.pyc , *.pyo,i18n/*.pot,i18n_extra/*.pot,static/* ")
        after = self.own._get_checksum_dir()
        self.assertNotEqual(before, after, "counting tests/ must change this addon's digest")
        path = get_module_path("module_auto_update")
        langs = self.env["res.lang"].search([]).mapped("code")
        patterns = [p for p in DEFAULT_EXCLUDE_PATTERNS.split(",") if p != "tests/*"]
        self.assertEqual(after, addon_hash(path, patterns, langs))

    def test_checksum_dir_of_missing_folder_is_false(self):
        ghost = self.Module.create({"name": "mau_ghost_addon", "state": "installed"})
        self.assertIs(ghost._get_checksum_dir(), False)
        # a missing folder is reported, never marked for upgrade
        self.assertNotIn(ghost, self.Module._get_modules_with_changed_checksum())

    def test_save_and_read_back(self):
        self.Module._save_checksums({"base": "a" * 40, "web": "b" * 40})
        self.assertEqual(self.Module._get_saved_checksums(), {"base": "a" * 40, "web": "b" * 40})
        self.assertEqual(self.legacy(), {"base": "a" * 40, "web": "b" * 40})
        # a save replaces the previous state, table and parameter alike
        self.Module._save_checksums({"base": "c" * 40})
        self.assertEqual(self.Checksum.search([]).mapped("name"), ["base"])
        self.assertEqual(self.legacy(), {"base": "c" * 40})

    def test_save_installed_then_nothing_changed(self):
        self.assertTrue(self.Module._get_modules_with_changed_checksum(), "nothing recorded: all changed")
        self.Module._save_installed_checksums()
        saved = self.Module._get_saved_checksums()
        self.assertEqual(set(saved), set(self.installed.mapped("name")))
        self.assertEqual(saved["module_auto_update"], self.own._get_checksum_dir())
        self.assertFalse(self.Module._get_modules_with_changed_checksum())
        record = self.Checksum.search([("name", "=", "module_auto_update")])
        self.assertIn("__manifest__.py", record.file_checksums)
        self.assertTrue(record.computed_at)
        self.assertFalse(record.upgraded_at, "recording is not upgrading")

    def test_changed_checksum_is_detected(self):
        self.Module._save_installed_checksums()
        saved = self.Module._get_saved_checksums()
        saved["module_auto_update"] = "0" * 40
        self.Module._save_checksums(saved)
        self.assertEqual(self.Module._get_modules_with_changed_checksum(), self.own)

    def test_legacy_parameter_is_taken_over(self):
        digests = {m.name: m._get_checksum_dir() for m in self.installed}
        self.Checksum.search([]).unlink()
        self.ICP.set_param(PARAM_INSTALLED_CHECKSUMS, json.dumps(digests))
        self.assertEqual(self.Module._get_saved_checksums(), digests)
        self.assertFalse(self.Module._get_modules_with_changed_checksum())
        message = self.Module.upgrade_changed_checksum()["params"]["message"]
        self.assertTrue(message.startswith("Nothing to upgrade"), message)
        # taken over at the next save: the table now holds what the parameter held
        self.Module._save_installed_checksums()
        self.assertEqual({r.name: r.checksum for r in self.Checksum.search([])}, digests)

    def test_ignored_and_not_installable_addons_are_named_by_neither(self):
        """The OCA-compatible methods decide as the run does: with its inspection."""
        self.Module._save_installed_checksums()
        saved = self.Module._get_saved_checksums()
        saved.update(web="0" * 40, module_auto_update="0" * 40)  # both changed ...
        self.Module._save_checksums(saved)
        self.ICP.set_param(stored.PARAM_IGNORE_ADDONS, "web")  # ... but web is on the ignore list
        self.Module.create({"name": "mau_not_installable", "state": "installed"})
        real_path = addons.addon_path
        with tempfile.TemporaryDirectory() as top:
            folder = os.path.join(top, "mau_not_installable")
            os.mkdir(folder)
            with open(os.path.join(folder, "__manifest__.py"), "w", encoding="utf-8") as f:
                f.write("{'name': 'Not installable', 'installable': False}")

            def addon_path(name):
                return folder if name == "mau_not_installable" else real_path(name)

            with mock.patch.object(addons, "addon_path", addon_path):
                reasons = self.Module._changed_checksum_reasons()
                changed = self.Module._get_modules_with_changed_checksum()
                run_reasons = addons.inspect(self.env.cr).reasons
        self.assertEqual(reasons, run_reasons, "the run's own decision")
        self.assertNotIn("web", reasons)
        self.assertEqual(reasons["mau_not_installable"], compare.NOT_INSTALLABLE, "left alone, never upgraded")
        self.assertEqual(changed, self.own)

    def test_invalid_legacy_parameter_counts_as_nothing_recorded(self):
        self.Checksum.search([]).unlink()
        self.ICP.set_param(PARAM_INSTALLED_CHECKSUMS, "{not json")
        with self.assertLogs("odoo.addons.module_auto_update.core.stored", "WARNING"):
            self.assertEqual(self.Module._get_saved_checksums(), {})
        self.assertEqual(self.Module._get_modules_with_changed_checksum(), self.installed)

    def test_partially_installed(self):
        self.assertFalse(self.Module._get_modules_partially_installed())
        web = self.Module.search([("name", "=", "web")])
        web.state = "to upgrade"
        self.assertEqual(self.Module._get_modules_partially_installed(), web)

    def test_nothing_to_do_changes_nothing(self):
        # In Odoo's test mode the run is a savepoint of the test's transaction.
        self.Module._save_installed_checksums()
        outcome = self.Module._auto_upgrade()
        self.assertEqual(outcome["result"], "nothing to do")
        self.assertEqual(outcome["upgraded"], [])
        self.assertEqual(set(self.installed.mapped("state")), {"installed"})

    def test_non_administrator_is_refused(self):
        user = self.env["res.users"].create(
            {"name": "Clerk", "login": "mau_clerk", series.GROUPS_FIELD: [(6, 0, self.env.ref("base.group_user").ids)]}
        )
        with self.assertRaises(AccessError), self.assertLogs("odoo.addons.module_auto_update", "WARNING") as logs:
            self.Module.with_user(user).upgrade_changed_checksum()
        self.assertIn("mau_clerk", "\n".join(logs.output))
        self.assertFalse(self.Checksum.search([]))

    def test_history_and_menus_are_for_administrators_in_developer_mode(self):
        clerk = new_test_user(self.env, login="mau_clerk", groups="base.group_user")
        visitor = new_test_user(self.env, login="mau_visitor", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["module.auto.update.run"].with_user(clerk).search([])
        menu = self.env.ref("module_auto_update.menu_module_auto_update_run")
        self.assertEqual(menu.parent_id, self.env.ref("base.menu_automation"))
        self.assertEqual(menu[series.GROUPS_FIELD], self.env.ref("base.group_system"))

        menus = self.env["ir.model.data"].search([("module", "=", "module_auto_update"), ("model", "=", "ir.ui.menu")])
        self.assertIn("menu_upgrade_changed_checksum", menus.mapped("name"))

        def visible(user, debug):
            try:
                ids = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids(debug=debug)
            except AccessError:
                ids = set()  # a portal user may not read menus at all
            return sorted(menus.filtered(lambda d: d.res_id in ids).mapped("name"))

        # No menu of the addon for the internal or portal user; the one that
        # upgrades, for the administrator in developer mode only.
        for user in (clerk, visitor):
            self.assertEqual([visible(user, False), visible(user, True)], [[], []], user.login)
        admin = self.env.ref("base.user_admin")
        self.assertNotIn("menu_upgrade_changed_checksum", visible(admin, False))
        self.assertIn("menu_upgrade_changed_checksum", visible(admin, True))
