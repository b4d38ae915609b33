# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The plan of edited addons tells the truth, in the words an administrator reads.

Blocking problems named with file and line, refused before anything runs;
installed addons without code warned about, never hidden; the first run's
choice; the plan in French; the exclude parameter and the stat cache as the
fingerprints read them. Only what needs no real upgrade (a real one builds
a new registry, which a test's transaction cannot hold: the end-to-end
suite upgrades).
"""

import json
import os
import shutil
import time

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..core import cache, stored
from ..models.module import PARAM_INSTALLED_CHECKSUMS, FailedUpgradeError
from ..upgrade import addons, series
from .common import VERSION, edit, installed_samples

RUN_LOGGER = "odoo.addons.module_auto_update.upgrade.run"
NEXT = f"{series.SERIES}.1.0.1"  # the samples' next version


def broken_xml(c):
    edit(c / "views" / "views.xml", "    </record>", "    </recod>")
    return "xml-invalid", "mau_sample_c/views/views.xml", 11


def missing_data_file(c):
    (c / "views" / "views.xml").unlink()
    return "file-missing", "mau_sample_c/__manifest__.py", 8


def record_of_unknown_model(c):
    edit(c / "views" / "views.xml", 'model="ir.ui.view"', 'model="mau.no.such.model"')
    return "model-unknown", "mau_sample_c/views/views.xml", 3


def unreadable_csv(c):
    (c / "security" / "ir.model.access.csv").write_bytes(b"id,name\naccess,caf\xe9\n")
    return "csv-invalid", "mau_sample_c/security/ir.model.access.csv", 2


@tagged("post_install", "-at_install")
class TestPlanOfEditedAddons(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Module = cls.env["ir.module.module"]
        cls.Wizard = cls.env["module.auto.update.wizard"]
        cls.ICP = cls.env["ir.config_parameter"].sudo()

    def setUp(self):
        super().setUp()
        self.addons = installed_samples(self)
        self.Module._save_installed_checksums()

    def addon(self, name):
        return self.addons / name

    def state(self):
        """Everything a refused run may change: module states and versions, records, the legacy parameter."""
        self.env.invalidate_all()
        self.env.cr.execute("SELECT name, state, latest_version FROM ir_module_module ORDER BY name")
        modules = self.env.cr.fetchall()
        self.env.cr.execute("SELECT name, checksum, upgraded_at FROM module_auto_update_checksum ORDER BY name")
        return modules, self.env.cr.fetchall(), self.ICP.get_param(PARAM_INSTALLED_CHECKSUMS)

    def history(self):
        """``[(id, trigger, result, upgraded)]`` of the runs, read on a cursor of its own (they are committed so)."""
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT id, trigger, result, upgraded FROM module_auto_update_run ORDER BY id")
            return cr.fetchall()

    def runs_since(self, before):
        last = before[-1][0] if before else 0
        return [row[1:] for row in self.history() if row[0] > last]

    def plan_wizard_upgrade(self):
        """The plan, the wizard and the upgrade, as the menu and the shell see them."""
        out = {"plan": self.Module.get_upgrade_plan()}
        wizard = self.Wizard.create({})
        out["wizard"] = {
            name: wizard[name] for name in ("is_empty", "is_blocked", "has_warnings", "first_run", "summary")
        }
        out["html"] = str(wizard.plan_html)
        try:
            out["upgrade"] = self.Module.upgrade_changed_checksum()["params"]["message"]
        except FailedUpgradeError as exc:
            out["error"] = [type(exc).__name__, str(exc), exc.context.get("exception_class")]
        return out

    # Blocking problems ----------------------------------------------------

    def test_blocking_problem_is_named_with_file_and_line_before_anything_runs(self):
        # (From the command line, with two breakages only a new process meets: tests/e2e/test_truthful_plan.py.)
        c = self.addon("mau_sample_c")
        pristine = {path: path.read_bytes() for path in c.rglob("*") if path.is_file()}
        for breakage in (broken_xml, missing_data_file, record_of_unknown_model, unreadable_csv):
            with self.subTest(breakage.__name__):
                for path, content in pristine.items():
                    path.write_bytes(content)
                before, runs = self.state(), self.history()
                code, file, line = breakage(c)
                with self.assertLogs(RUN_LOGGER, "WARNING"):
                    out = self.plan_wizard_upgrade()
                self.assertEqual(
                    [(p["code"], p["file"], p["line"]) for p in out["plan"]["blocking"]], [(code, file, line)]
                )
                # Nothing derived from a file that could not be read: no deletion announced.
                self.assertEqual([w for w in out["plan"]["warnings"] if w["module"] == "mau_sample_c"], [])
                self.assertTrue(out["wizard"]["is_blocked"], out)
                self.assertIn("alert-danger", out["html"])
                self.assertIn(file, out["html"])
                kind, message, dialog = out["error"]
                self.assertEqual((kind, dialog), ("FailedUpgradeError", "odoo.exceptions.UserError"))
                self.assertIn(f"{file}:{line}", message)
                self.assertIn("did not start", message)
                self.assertEqual(self.state(), before)
                self.assertEqual({result for _trigger, result, _up in self.runs_since(runs)}, {"failed"})

    def test_base_change_and_missing_external_dependency(self):
        # base is recorded with another fingerprint: to the auto-upgrade, base changed.
        self.Module._save_checksums(dict(self.Module._get_saved_checksums(), base="0" * 40))
        missing = '"external_dependencies": {"python": ["mau_no_such_package"], "bin": ["mau-no-such-program"]},'
        edit(self.addon("mau_sample_c") / "__manifest__.py", '"installable": True,', '"installable": True, ' + missing)
        saved = self.Module._get_saved_checksums()
        plan = dict(self.Module.get_upgrade_plan(), text=self.Module.get_upgrade_plan_text())
        self.assertIn("base [base-upgrade]", plan["text"])
        self.assertIn(
            "mau_sample_c/__manifest__.py:9: mau_sample_c needs Python package mau_no_such_package", plan["text"]
        )
        installed = set(self.Module.search([("state", "=", "installed")]).mapped("name"))
        changed = {c["module"] for c in plan["changed"]}
        self.assertLessEqual({"base", "mau_sample_c"}, changed)
        self.assertEqual({c["module"] for c in plan["cascade"]}, installed - changed)
        self.assertTrue(all("base" in c["because_of"] for c in plan["cascade"]))
        self.assertEqual([(w["kind"], w["module"]) for w in plan["warnings"]], [("base-upgrade", "base")])
        self.assertEqual(
            [(b["code"], b["module"]) for b in plan["blocking"]], [("external-dependency-missing", "mau_sample_c")] * 2
        )
        details = json.dumps(plan["blocking"])
        self.assertIn("mau_no_such_package", details)
        self.assertIn("mau-no-such-program", details)
        # ... and the upgrade does not start, saving nothing.
        with self.assertRaises(FailedUpgradeError) as caught, self.assertLogs(RUN_LOGGER, "WARNING"):
            self.Module.upgrade_changed_checksum()
        self.assertIn("mau_no_such_package", str(caught.exception))
        self.assertIn("did not start", str(caught.exception))
        self.assertEqual(self.Module._get_saved_checksums(), saved)
        self.assertFalse(self.Module._get_modules_partially_installed())

    # Installed addons without code ------------------------------------------

    def test_installed_addon_without_code_is_warned_about_never_hidden(self):
        # (What odoo-bin auto-upgrade and the quick start say of it: tests/e2e/test_truthful_plan.py,
        # tests/e2e/test_deploy_gate.py.)
        shutil.rmtree(self.addon("mau_sample_c"))
        # Studio's studio_customization exists only in the database.
        studio = {"name": "studio_customization", "state": "installed", "latest_version": f"{series.SERIES}.1.0"}
        self.Module.create(studio)
        before = self.state()

        out = self.plan_wizard_upgrade()
        plan = out["plan"]
        self.assertEqual(plan["changed"], [])
        self.assertEqual(
            plan["missing"],
            [
                {"module": "mau_sample_c", "reason": "folder missing"},
                {"module": "studio_customization", "reason": "folder missing"},
            ],
        )
        # The missing folder is a warning; Studio's addon, which exists only in the database, information.
        self.assertEqual([(w["kind"], w["module"]) for w in plan["warnings"]], [("code-missing", "mau_sample_c")])
        self.assertEqual([(i["code"], i["module"]) for i in plan["info"]], [("database-only", "studio_customization")])
        wizard = out["wizard"]
        self.assertTrue(wizard["is_empty"] and wizard["has_warnings"] and not wizard["is_blocked"], out)
        self.assertIn("alert-warning", out["html"])
        self.assertIn("mau_sample_c is installed but its folder is not in the addons path", out["html"])
        self.assertIn("studio_customization is installed but has no code in the addons path", out["html"])
        self.assertTrue(
            wizard["summary"].endswith("2 left as they are (no code, or not installable); warnings: 1"), wizard
        )
        # The method's notification names it, never "nothing to upgrade"; it leaves Studio's addon out.
        message = out["upgrade"]
        self.assertIn("Nothing was upgraded", message)
        self.assertNotIn("Nothing to upgrade", message)
        self.assertIn("folder is missing", message)
        self.assertIn("mau_sample_c", message)
        self.assertNotIn("studio_customization", message)
        self.assertEqual(self.state(), before, "still installed, its record kept")

    # The first run ----------------------------------------------------------

    def test_first_run_offers_to_record_the_current_state(self):
        self.env["module.auto.update.checksum"].search([]).unlink()
        self.ICP.search([("key", "=", PARAM_INSTALLED_CHECKSUMS)]).unlink()
        self.assertEqual(self.Module._get_saved_checksums(), {})
        runs = self.history()
        wizard = self.Wizard.create({})
        self.assertTrue(wizard.first_run)
        self.assertIn("No fingerprint is recorded yet", wizard.plan_html)
        self.assertIn("base</strong> (no fingerprint recorded yet)", wizard.plan_html)
        wizard.action_record_current_state()
        current = {
            n: fp.digest for n, fp in self.Module.search([("state", "=", "installed")])._current_fingerprints().items()
        }
        self.assertEqual(self.Module._get_saved_checksums(), current)
        self.assertTrue(self.Wizard.create({}).is_empty)
        clerk = new_test_user(self.env, login="mau_clerk", groups="base.group_user")
        with self.assertRaises(AccessError), self.assertLogs("odoo.addons.module_auto_update", "WARNING"):
            self.Module.with_user(clerk).record_current_state()
        self.assertEqual(self.runs_since(runs), [("menu", "hashes recorded", None)])
        self.assertFalse(self.env["module.auto.update.checksum"].search([("upgraded_at", "!=", False)]))

    # Migration scripts ------------------------------------------------------

    def test_scripts_the_version_does_not_let_run_block_unless_allowed(self):
        # (That Odoo indeed runs neither, a real upgrade: tests/e2e/test_migration_checks.py.)
        c = self.addon("mau_sample_c")
        for script in (f"migrations/{NEXT}/post-beyond.py", "migrations/1.0.0/pre-installed.py"):
            # the version was not bumped; the version already installed
            (c / script).parent.mkdir(parents=True)
            (c / script).write_text("def migrate(cr, version):\n    pass\n")
        expected = [
            ("migration-not-reached", f"mau_sample_c/migrations/{NEXT}/post-beyond.py"),
            ("migration-not-reached-installed", "mau_sample_c/migrations/1.0.0/pre-installed.py"),
        ]
        beyond_detail = (
            f"mau_sample_c/migrations/{NEXT}/post-beyond.py is for version {NEXT}, above the version in "
            f"__manifest__.py ({VERSION}): it will not run. Bump the version in __manifest__.py to {NEXT}."
        )

        # Blocking, in red, with the version to set; the upgrade is refused and changes nothing.
        before, runs = self.state(), self.history()
        with self.assertLogs(RUN_LOGGER, "WARNING"):
            out = self.plan_wizard_upgrade()
        blocking = out["plan"]["blocking"]
        self.assertEqual(sorted((b["code"], b["file"]) for b in blocking), expected)
        self.assertEqual({b["detail"] for b in blocking if b["code"] == "migration-not-reached"}, {beyond_detail})
        self.assertNotIn("migration-not-reached", {w["kind"] for w in out["plan"]["warnings"]})
        self.assertIn("migrations-unrun-allowed", [i["code"] for i in out["plan"]["info"]])
        self.assertTrue(out["wizard"]["is_blocked"], out)
        self.assertIn("alert-danger", out["html"])
        self.assertIn(beyond_detail, out["html"])
        self.assertIn("module_auto_update.allow_unrun_migrations", out["html"])
        kind, message, _dialog = out["error"]
        self.assertEqual(kind, "FailedUpgradeError")
        self.assertIn("did not start", message)
        self.assertIn(f"Bump the version in __manifest__.py to {NEXT}", message)
        self.assertEqual(self.state(), before)
        self.assertEqual({result for _trigger, result, _up in self.runs_since(runs)}, {"failed"})

        # Allowed by the system parameter: warnings, everywhere.
        self.ICP.set_param("module_auto_update.allow_unrun_migrations", "True")
        plan = self.Module.get_upgrade_plan()
        text = self.Module.get_upgrade_plan_text()
        wizard = self.Wizard.browse(self.Wizard.action_open()["res_id"])
        html = str(wizard.plan_html)
        warnings = plan["warnings"]
        self.assertEqual(plan["blocking"], [])
        self.assertFalse(wizard.is_blocked)
        self.assertEqual(
            sorted(
                (w["code"], w["file"]) for w in warnings if w["kind"] in ("migration-not-reached", "migration-edited")
            ),
            expected,
        )
        self.assertEqual({w["kind"] for w in warnings if w["module"] == "mau_sample_c"}, {"migration-not-reached"})
        details = {w["file"]: w["detail"] for w in warnings}
        self.assertEqual(details[f"mau_sample_c/migrations/{NEXT}/post-beyond.py"], beyond_detail)
        installed = details["mau_sample_c/migrations/1.0.0/pre-installed.py"]
        self.assertIn(f"not above the installed version ({VERSION})", installed)
        self.assertIn(f"Move it to a migrations folder of version {NEXT}", installed)
        # The text, the wizard (from the codes) and the plan's JSON say the same.
        self.assertIn(f"mau_sample_c [migration-not-reached] {beyond_detail}", text)
        self.assertIn(beyond_detail, html)
        self.assertIn("alert-warning", html)
        self.assertEqual(plan["migrations"], [])

    # In French --------------------------------------------------------------

    def test_the_plan_speaks_french(self):
        # An active language is part of the fingerprints: recorded with French on.
        self.env["res.lang"]._activate_lang("fr_FR")
        self.Module._save_installed_checksums()
        self.env["module.auto.update.checksum"].search([("name", "=", "mau_sample_c")]).unlink()
        (self.addon("mau_sample_e") / "README.rst").write_text("changed\n")
        wizard = self.Wizard.with_context(lang="fr_FR").create({})
        self.assertEqual(wizard.summary, "Modules à mettre à jour : 2; dépendants mis à jour avec eux : 2")
        html = str(wizard.plan_html)
        self.assertIn("<strong>mau_sample_c</strong> (aucune empreinte enregistrée)", html)
        self.assertIn("<strong>mau_sample_g</strong> (à cause de mau_sample_e)", html)
        self.assertIn("Mis à jour comme dépendants", html)

    # What the fingerprints read ---------------------------------------------

    def test_exclude_parameter_values(self):
        (self.addon("mau_sample_c") / "x.pyc").write_bytes(b"compiled")
        default = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*,tests/*"
        values = ["", ",,,", " " + default.replace(",", " , ") + " ", default + ",[", default + ",mau[x"]
        reasons = {}
        for value in values:
            self.env.cr.execute("DELETE FROM ir_config_parameter WHERE key = 'module_auto_update.exclude_patterns'")
            self.env.cr.execute(
                "INSERT INTO ir_config_parameter (key, value) VALUES ('module_auto_update.exclude_patterns', %s)",
                (value,),
            )
            reasons[value] = sorted(self.Module._changed_checksum_reasons())
        # empty or only commas: nothing is excluded, as the OCA addon and
        # click-odoo-update read it; so the .pyc file counts
        self.assertIn("mau_sample_c", reasons[""])
        self.assertEqual(reasons[""], reasons[",,,"])
        # blanks around patterns are ignored; an unbalanced "[" is a literal character
        self.assertEqual(reasons[values[2]], [])
        self.assertEqual(reasons[values[3]], [])
        self.assertEqual(reasons[values[4]], [])

    def test_stat_cache_system_parameter_turns_it_off(self):
        # Files written a moment ago are not trusted by the cache (racy-edit guard), and their
        # ctime cannot be set back: let them age past its margin.
        time.sleep(cache.RACY_MARGIN_NS / 1e9 + 0.2)

        def cache_state():
            settings = addons.read_fingerprint_settings(self.env.cr)
            patterns, langs, cache_dir = settings
            entry = cache_dir and cache.entry_path(cache_dir, addons.addon_path("mau_sample_c"), patterns, langs)
            return settings.cache_dir, bool(entry and os.path.exists(entry))

        self.env.cr.execute(
            "INSERT INTO ir_config_parameter (key, value) VALUES (%s, 'False')", (stored.PARAM_STAT_CACHE,)
        )
        self.Module._save_installed_checksums()
        cache_dir, recorded = cache_state()
        self.assertIsNone(cache_dir)
        self.assertFalse(recorded)
        self.env.cr.execute("UPDATE ir_config_parameter SET value = '1' WHERE key = %s", (stored.PARAM_STAT_CACHE,))
        self.Module._save_installed_checksums()
        self.assertTrue(cache_state()[1], "the stat cache records the addon once turned on")
