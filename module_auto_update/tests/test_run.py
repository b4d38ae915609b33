# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The run inside a caller's transaction, the way tests written for the OCA addon drive it.

They patch ``cr.commit`` and ``base.module.upgrade.upgrade_module`` (a real
upgrade cannot run inside a test's transaction) and simulate what Odoo's
loader does by writing module states. The run must call the upgrade once
with the changed addons and their dependents marked, never commit or roll
back the test's cursor, save fingerprints only after a complete upgrade,
and leave the transaction as it was after a failed or incomplete one.
"""

import logging
from unittest import mock

from odoo.tests import TransactionCase, tagged

from ..models.module import FailedUpgradeError, IncompleteUpgradeError
from ..upgrade.series import SERIES

RUN_LOGGER = "odoo.addons.module_auto_update.upgrade.run"


@tagged("post_install", "-at_install")
class TestRunInCallersTransaction(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Module = cls.env["ir.module.module"]
        cls.Upgrade = type(cls.env["base.module.upgrade"])
        cls.base = cls.Module.search([("name", "=", "base")])
        cls.own = cls.Module.search([("name", "=", "module_auto_update")])
        cls.installed = cls.Module.search([("state", "=", "installed")])

    def setUp(self):
        super().setUp()
        self.Module._save_installed_checksums()

    def forget_base(self):
        saved = self.Module._get_saved_checksums()
        saved["base"] = False
        self.Module._save_checksums(saved)
        self.assertEqual(self.Module._get_modules_with_changed_checksum(), self.base)

    def upgrade(self, side_effect):
        """``upgrade_changed_checksum()`` with Odoo's upgrade replaced by ``side_effect``; the mock."""
        with (
            mock.patch.object(self.Upgrade, "upgrade_module", autospec=True, side_effect=side_effect) as upgrade,
            mock.patch.object(self.env.cr, "commit"),
        ):
            try:
                self.Module.upgrade_changed_checksum()
            finally:
                self.calls = upgrade.call_count
        return upgrade

    def test_changed_base_marks_every_installed_addon_and_saves_after_the_upgrade(self):
        self.forget_base()

        def upgrade_module(wizard):
            # base changed: Odoo's button_upgrade marked every addon depending on it.
            self.assertEqual(self.base.state, "to upgrade")
            self.assertEqual(self.own.state, "to upgrade")
            self.assertNotIn("base", self.Module._get_saved_checksums(), "saved before the upgrade")
            self.installed.write({"state": "installed"})

        self.upgrade(upgrade_module)
        self.assertEqual(self.calls, 1)
        self.assertEqual(set(self.installed.mapped("state")), {"installed"})
        self.assertEqual(self.Module._get_saved_checksums()["base"], self.base._get_checksum_dir())
        self.assertFalse(self.Module._get_modules_with_changed_checksum())

    def test_addon_left_pending_raises_incomplete_and_changes_nothing(self):
        self.forget_base()
        saved = self.Module._get_saved_checksums()

        def upgrade_module(wizard):
            self.installed.write({"state": "installed"})
            self.own.write({"state": "to upgrade", "latest_version": f"{SERIES}.9.9.9"})

        with self.assertRaises(IncompleteUpgradeError) as caught, self.assertLogs(RUN_LOGGER, "WARNING") as logs:
            self.upgrade(upgrade_module)
        self.assertReportedOnce(logs)
        self.assertEqual(self.calls, 1)
        self.assertIn("module_auto_update", str(caught.exception))
        self.assertIn("left as it was", str(caught.exception))
        # Rolled back to where the run started: states, versions, fingerprints.
        self.assertEqual(set(self.installed.mapped("state")), {"installed"})
        self.assertNotEqual(self.own.latest_version, f"{SERIES}.9.9.9")
        self.assertEqual(self.Module._get_saved_checksums(), saved)

    def test_failed_upgrade_leaves_the_transaction_as_it_was(self):
        self.forget_base()
        saved = self.Module._get_saved_checksums()
        partners = self.env["res.partner"].search_count([])

        def upgrade_module(wizard):
            self.env["res.partner"].create({"name": "Written by a failing upgrade"})
            self.env.flush_all()
            raise ValueError("the probe refuses")

        with self.assertRaises(FailedUpgradeError) as caught, self.assertLogs(RUN_LOGGER, "WARNING") as logs:
            self.upgrade(upgrade_module)
        self.assertReportedOnce(logs)
        self.assertIn("Traceback", "\n".join(logs.output), "the traceback goes to the log")
        self.assertIn("the probe refuses", str(caught.exception))
        self.assertIn("left as it was", str(caught.exception))
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertEqual(set(self.installed.mapped("state")), {"installed"})
        self.assertEqual(self.Module._get_saved_checksums(), saved)

    def assertReportedOnce(self, logs):
        """Raised to the caller, the failure is a WARNING in the log, not an ERROR too (the history keeps it)."""
        self.assertEqual([r.getMessage() for r in logs.records if r.levelno >= logging.ERROR], [])

    def test_pending_addon_without_change_is_upgraded(self):
        self.base.write({"state": "to upgrade"})

        def upgrade_module(wizard):
            self.assertEqual(self.base.state, "to upgrade")
            self.assertEqual(self.own.state, "installed", "nothing changed: only the pending addon")
            self.base.write({"state": "installed"})

        self.upgrade(upgrade_module)
        self.assertEqual(self.calls, 1)

    def test_nothing_to_upgrade_calls_no_upgrade(self):
        self.upgrade(lambda wizard: self.fail("nothing changed: no upgrade"))
        self.assertEqual(self.calls, 0)

    def history(self):
        # Written on a connection of its own, so that it outlives the rollback:
        # another connection sees it, the test's snapshot does not.
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT result, error FROM module_auto_update_run ORDER BY id DESC")
            return cr.fetchall()

    def test_run_history_says_what_happened(self):
        self.forget_base()
        count = len(self.history())

        def upgrade_module(wizard):
            self.installed.write({"state": "installed"})
            self.own.write({"state": "to upgrade"})

        with self.assertRaises(IncompleteUpgradeError), self.assertLogs(RUN_LOGGER, "WARNING") as logs:
            self.upgrade(upgrade_module)
        self.assertReportedOnce(logs)
        runs = self.history()
        self.assertEqual(len(runs), count + 1)
        self.assertEqual(runs[0][0], "incomplete")
        self.assertIn("left as it was", runs[0][1])
