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
import unittest
from pathlib import Path
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import common, new_test_user, tagged

SCREENSHOT_MARK = "mau-screenshot:"
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

        self.start_tour("/odoo?debug=1", "module_auto_update_upgrade", login="admin")

        self.assertEqual(self.Module._get_saved_checksums(), digests)
        self.assertEqual(self.env["module.auto.update.run"].sudo().search_count([]), runs + 1)
        for name in ("wizard_plan", "upgrade_notification"):
            self.assertTrue((screenshots_dir() / f"{name}.png").is_file(), f"no screenshot {name}.png")

    def test_failed_upgrade_shows_a_warning_dialog_and_changes_nothing(self):
        self.Module._save_installed_checksums()
        saved = dict(self.Module._get_saved_checksums(), module_auto_update="0" * 40)
        self.Module._save_checksums(saved)
        Upgrade = type(self.env["base.module.upgrade"])

        def upgrade_module(wizard):
            self.env["res.partner"].create({"name": "Written by a failing upgrade"})
            raise ValueError("the tour upgrade fails")

        with (
            patch.object(Upgrade, "upgrade_module", autospec=True, side_effect=upgrade_module),
            self.assertLogs("odoo.addons.module_auto_update.upgrade.run", "ERROR") as logs,
        ):
            self.start_tour("/odoo?debug=1", "module_auto_update_failure", login="admin")
        # The traceback goes to the log, the dialog has the sentence.
        self.assertIn("Traceback", "\n".join(logs.output))
        self.env.invalidate_all()
        self.assertEqual(self.Module._get_saved_checksums(), saved)
        self.assertFalse(self.Module.search([("state", "in", ("to upgrade", "to install"))]))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Written by a failing upgrade")]))
        # (The history row goes with the request's rollback in test mode, where
        # every cursor is the test's; the end-to-end suite checks it.)
        self.assertTrue((screenshots_dir() / "upgrade_failure_dialog.png").is_file())

    def test_menu_absent_without_developer_mode(self):
        self.start_tour("/odoo", "module_auto_update_no_debug", login="admin")

    def test_non_administrator_cannot_reach_it(self):
        user = new_test_user(self.env, login="mau_internal", groups="base.group_user")
        self.start_tour("/odoo?debug=1", "module_auto_update_not_admin", login="mau_internal")
        action = self.env.ref("module_auto_update.action_upgrade_changed_checksum")
        with self.assertRaises(AccessError):
            action.with_user(user).run()
        with self.assertRaises(AccessError):
            self.env["module.auto.update.wizard"].with_user(user).create({})
        with self.assertRaises(AccessError):
            self.Module.with_user(user).upgrade_changed_checksum()
