# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Auto-Upgrade Modules menu and wizard, clicked in a real headless Chromium.

Odoo skips browser tests silently when Chromium or the websocket-client
package is missing; these fail instead, saying what to install. Screenshots
of the wizard go to ``var/screenshots/`` of the repository (or to the folder
named by the ``MAU_SCREENSHOTS`` environment variable).
"""

import base64
import json
import os
import shutil
import sys
import tempfile
import unittest
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import common, new_test_user, tagged

from ..core import stored
from ..models.module import FailedUpgradeError
from ..upgrade import addons, series

SCREENSHOT_MARK = "mau-screenshot:"
# The series whose list views fit the window when they scroll: 17.0's list renderer squeezes the
# columns of long texts to its box with its vertical scrollbar, then shows them beside it (2 px
# too wide at 1280 px, whatever the view says).
HISTORY_FITS_SERIES = ("18.0", "19.0")
PARAM_UP_TO_DATE = "module_auto_update.test_ui_up_to_date"


def screenshots_dir():
    default = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    return Path(os.environ.get("MAU_SCREENSHOTS") or default)


class ScreenshotBrowser(common.ChromeBrowser):
    """Odoo's browser, which also saves a screenshot when a tour step logs ``mau-screenshot:<name>``."""

    def _handle_console(self, type, args=None, stackTrace=None, **kw):
        texts = [arg.get("value") for arg in args or () if isinstance(arg.get("value"), str)]
        for text in texts:
            if text.startswith(SCREENSHOT_MARK):
                self._save_screenshot(text[len(SCREENSHOT_MARK) :])
        return super()._handle_console(type, args=args, stackTrace=stackTrace, **kw)

    def _save_screenshot(self, name):
        def write(future):
            folder = screenshots_dir()
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.png").write_bytes(base64.b64decode(future.result()["data"]))

        self._websocket_send("Page.captureScreenshot", with_future=True).add_done_callback(write)


@tagged("post_install", "-at_install")
class TestAutoUpgradeUi(common.HttpCase):
    def setUp(self):
        super().setUp()
        # Odoo would skip these tests; a missing browser must fail them.
        if common.websocket is None:
            self.fail("websocket-client is missing: pip install websocket-client (Odoo drives Chromium with it)")
        try:
            common._find_executable()
        except unittest.SkipTest:
            self.fail("Chromium is missing: apt-get update && apt-get install -y chromium")
        self.Module = self.env["ir.module.module"]

    def own_addon_changed(self):
        """Record every installed addon, this one with another digest: the plan shows it changed.

        Returns ``(current, saved)``: the digests on disk, and those recorded.
        """
        self.Module._save_installed_checksums()
        current = self.Module._get_saved_checksums()
        saved = dict(current, module_auto_update="0" * 40)
        self.Module._save_checksums(saved)
        return current, saved

    def start_tour(self, *args, **kwargs):
        with patch.object(common, "ChromeBrowser", ScreenshotBrowser):
            return super().start_tour(*args, **kwargs)

    def test_admin_in_developer_mode_upgrades_from_the_menu(self):
        # The recorded state is what click-odoo-update leaves behind: the
        # legacy parameter only, module_auto_update recorded with an older
        # digest, so the plan shows it as changed.
        installed = self.Module.search([("state", "=", "installed")])
        digests = {name: fp.digest for name, fp in installed._current_fingerprints().items() if fp}
        self.assertIn("module_auto_update", digests)
        self.env["module.auto.update.checksum"].sudo().search([]).unlink()
        stale = dict(digests, module_auto_update="0" * 40)
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("module_auto_update.installed_checksums", json.dumps(stale))
        Param.set_param(PARAM_UP_TO_DATE, json.dumps(digests))
        runs = self.env["module.auto.update.run"].sudo().search_count([])

        self.start_tour(series.web_client_url(debug=True), "module_auto_update_upgrade", login="admin")

        self.assertEqual(self.Module._get_saved_checksums(), digests)
        self.assertEqual(self.env["module.auto.update.run"].sudo().search_count([]), runs + 1)
        for name in ("wizard_plan", "upgrade_notification"):
            self.assertTrue((screenshots_dir() / f"{name}.png").is_file(), f"no screenshot {name}.png")

    def test_upgrade_notification_is_shown_after_the_reload(self):
        current, _saved = self.own_addon_changed()
        IrModule = type(self.Module)

        def mark_and_load(module, cr, names):
            # A real load builds a new registry, which the test's transaction
            # cannot hold: the run goes on as if Odoo had upgraded these.
            return list(names)

        with patch.object(IrModule, "_mark_and_load", autospec=True, side_effect=mark_and_load) as load:
            self.start_tour(series.web_client_url(debug=True), "module_auto_update_upgraded", login="admin")
        self.assertEqual([call.args[2] for call in load.call_args_list], [["module_auto_update"]])
        self.env.invalidate_all()
        self.assertEqual(self.Module._get_saved_checksums(), current)
        self.assertTrue((screenshots_dir() / "upgraded_notification_after_reload.png").is_file())

    def test_python_changed_since_import_is_blocking_in_the_plan(self):
        saved = self.own_addon_changed()[1]
        # This process imported a version of the file other than the one on disk now.
        imported = sys.modules["odoo.addons.module_auto_update.models.ir_module_module"].__file__
        with patch.dict(addons._IMPORTED, {imported: "0" * 40}):
            plan = self.Module.get_upgrade_plan()
            self.assertEqual(
                [(p["code"], p["module"], p["file"]) for p in plan["blocking"]],
                [("python-loaded", "module_auto_update", "module_auto_update/models/ir_module_module.py")],
            )
            self.assertEqual(plan["summary"]["blocking"], 1)
            # What the plan announces is what the run does.
            with self.assertRaisesRegex(FailedUpgradeError, "changed after this Odoo process imported it"):
                self.Module.upgrade_changed_checksum()
            self.start_tour(series.web_client_url(debug=True), "module_auto_update_python_changed", login="admin")
        self.env.invalidate_all()
        self.assertEqual(self.Module._get_saved_checksums(), saved)
        self.assertTrue((screenshots_dir() / "wizard_python_changed.png").is_file())

    def test_failed_upgrade_shows_a_warning_dialog_and_changes_nothing(self):
        saved = self.own_addon_changed()[1]
        Upgrade = type(self.env["base.module.upgrade"])

        def upgrade_module(wizard):
            self.env["res.partner"].create({"name": "Written by a failing upgrade"})
            raise ValueError("the tour upgrade fails")

        with (
            patch.object(Upgrade, "upgrade_module", autospec=True, side_effect=upgrade_module),
            self.assertLogs("odoo.addons.module_auto_update.upgrade.run", "WARNING") as logs,
        ):
            self.start_tour(series.web_client_url(debug=True), "module_auto_update_failure", login="admin")
        # The traceback goes to the log, the dialog has the sentence.
        self.assertIn("Traceback", "\n".join(logs.output))
        self.env.invalidate_all()
        self.assertEqual(self.Module._get_saved_checksums(), saved)
        self.assertFalse(self.Module.search([("state", "in", ("to upgrade", "to install"))]))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Written by a failing upgrade")]))
        # (The history row goes with the request's rollback in test mode, where
        # every cursor is the test's; the end-to-end suite checks it.)
        self.assertTrue((screenshots_dir() / "upgrade_failure_dialog.png").is_file())

    def test_rehearsal_shows_its_report_and_changes_nothing(self):
        saved = self.own_addon_changed()[1]
        Upgrade = type(self.env["base.module.upgrade"])

        def upgrade_module(wizard):
            # Odoo's loader cannot run in the test's transaction: a stand-in with a schema change and writes.
            cr = wizard.env.cr
            cr.execute("ALTER TABLE res_partner ADD COLUMN x_mau_rehearsal varchar")
            cr.execute("UPDATE res_partner SET x_mau_rehearsal = 'rehearsed'")
            cr.execute("UPDATE ir_module_module SET state = 'installed' WHERE state = 'to upgrade'")

        with patch.object(Upgrade, "upgrade_module", autospec=True, side_effect=upgrade_module):
            self.start_tour(series.web_client_url(debug=True), "module_auto_update_rehearse", login="admin")
        self.env.invalidate_all()
        self.assertEqual(self.Module._get_saved_checksums(), saved)
        self.env.cr.execute("SELECT 1 FROM information_schema.columns WHERE column_name = 'x_mau_rehearsal'")
        self.assertFalse(self.env.cr.fetchall(), "the rehearsal's column was rolled back")
        self.assertFalse(self.Module.search([("state", "in", ("to upgrade", "to install"))]))
        self.assertTrue((screenshots_dir() / "wizard_rehearsal.png").is_file())

    def test_broken_data_file_is_shown_as_blocking_without_upgrade(self):
        # A copy of this addon with a broken view file, found in its place.
        copy = Path(self.enterContext(tempfile.TemporaryDirectory())) / "module_auto_update"
        shutil.copytree(addons.addon_path("module_auto_update"), copy)
        menus = copy / "views" / "menus.xml"
        menus.write_text(menus.read_text().replace("</odoo>", "<menuitem"))
        self.own_addon_changed()
        lookup = addons.addon_path
        with patch.object(addons, "addon_path", lambda name: str(copy) if name == copy.name else lookup(name)):
            self.start_tour(series.web_client_url(debug=True), "module_auto_update_blocked", login="admin")
        self.assertFalse(self.Module.search([("state", "in", ("to upgrade", "to install", "to remove"))]))
        self.assertTrue((screenshots_dir() / "wizard_blocked.png").is_file())

    def test_addon_without_code_is_listed(self):
        self.Module._save_installed_checksums()
        self.Module.create({"name": "studio_customization", "state": "installed"})
        self.start_tour(series.web_client_url(debug=True), "module_auto_update_missing_code", login="admin")
        self.assertTrue((screenshots_dir() / "wizard_missing_code.png").is_file())

    def test_first_run_records_the_current_state_on_request(self):
        self.env["module.auto.update.checksum"].sudo().search([]).unlink()
        self.env["ir.config_parameter"].sudo().search([("key", "=", "module_auto_update.installed_checksums")]).unlink()
        self.start_tour(series.web_client_url(debug=True), "module_auto_update_first_run", login="admin")
        installed = self.Module.search([("state", "=", "installed")])
        current = {name: fp.digest for name, fp in installed._current_fingerprints().items() if fp}
        self.assertEqual(self.Module._get_saved_checksums(), current)
        self.assertTrue((screenshots_dir() / "first_run_recorded.png").is_file())

    def test_history_fits_a_1280_pixel_screen(self):
        if series.SERIES not in HISTORY_FITS_SERIES:
            self.skipTest(f"Odoo {series.SERIES}'s list views overflow by their scrollbar's width (docs/series.rst)")
        # Chrome's --window-size (width,height), read from the class: 17.0's browser reads it there.
        self.enterContext(patch.object(type(self), "browser_size", "1280,800"))
        many = ", ".join(f"mau_addon_with_a_long_name_{i}" for i in range(40))
        start = datetime(2026, 11, 2, 8, 0)
        for trigger, result, upgraded, error in (
            ("command line", "done", many, None),
            ("menu", "failed", None, "The upgrade did not start: it would fail on these problems. " * 5),
            ("scheduled action", "nothing to do", None, None),
        ):
            stored.record_run(
                self.env.cr,
                trigger,
                start,
                start + timedelta(seconds=3),
                result,
                upgraded.split(", ") if upgraded else (),
                error,
                self.env.uid,
            )
        for hour in range(1, 24):
            later = start + timedelta(hours=hour)
            stored.record_run(self.env.cr, "scheduled action", later, later, "nothing to do", uid=self.env.uid)
        self.assertEqual(self.env["module.auto.update.run"].search_count([("trigger", "=", "scheduled action")]), 1)
        self.start_tour(
            series.web_client_url(debug=True, action="module_auto_update.action_module_auto_update_run"),
            "module_auto_update_history",
            login="admin",
        )
        self.assertTrue((screenshots_dir() / "history_1280.png").is_file())

    def test_menu_absent_without_developer_mode(self):
        self.start_tour(series.web_client_url(), "module_auto_update_no_debug", login="admin")

    def test_non_administrator_cannot_reach_it(self):
        user = new_test_user(self.env, login="mau_internal", groups="base.group_user")
        self.start_tour(series.web_client_url(debug=True), "module_auto_update_not_admin", login="mau_internal")
        action = self.env.ref("module_auto_update.action_upgrade_changed_checksum")
        with self.assertRaises(AccessError):
            action.with_user(user).run()
        with self.assertRaises(AccessError):
            self.env["module.auto.update.wizard"].with_user(user).create({})
        with self.assertRaises(AccessError):
            self.Module.with_user(user).upgrade_changed_checksum()
