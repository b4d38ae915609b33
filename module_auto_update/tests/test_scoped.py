# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's whole-database loading steps narrowed (``upgrade.scoped``), step by step, in one transaction.

Each narrowed step must do what Odoo's full step does: refresh the rows that
differ from the manifests (and those only), drop the NOT NULL of a column no
field stores any more, refuse an invalid custom view. Outside the block, and
in other threads, Odoo's functions run; they are put back when it ends.
Whole upgrades, narrowed against ``odoo-bin -u``, are the end-to-end suite's
(``tests/e2e/test_scoped_steps.py``, ``test_same_database.py``).
"""

import sys
import threading
from unittest import mock

import odoo.models
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..upgrade import scoped, series

# base's classes of ir.module.module and ir.ui.view (named per series: scoped.SERIES_STEPS).
Module, View = scoped.base_classes()


@tagged("post_install", "-at_install")
class TestScopedSteps(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Module = cls.env["ir.module.module"].with_context(lang=None)

    def narrowed(self, step, cls=Module):
        """Skip the test unless ``step`` is narrowed on this Odoo (see ``test_known_sources``)."""
        if not scoped._mirrored(step, cls):
            self.skipTest(f"Odoo {series.SERIES} runs its full {step} step (narrowed: {sorted(scoped.SERIES_STEPS)})")

    def steps(self):
        steps = [(scoped.MODULE_LIST, Module), (scoped.REMOVED_COLUMNS, Module), (scoped.CUSTOM_VIEWS, View)]
        imported = sys.modules.get(scoped.IMPORTED_VIEWS_MODULE)
        if imported is not None:
            steps.append((scoped.IMPORTED_VIEWS, imported.IrUiView))
        return steps

    def listing(self):
        """The function (or static method) whose answer update_list iterates over, as it stands now."""
        owner, name = scoped.addons_listing_owner()
        return owner.__dict__[name]

    def test_known_sources(self):
        """The functions each step mirrors are the ones it was written from: when Odoo changes them,
        the step runs in full (safe, slower) until its reasoning is checked again and KNOWN updated."""
        if series.SERIES not in scoped.SERIES_STEPS:
            self.skipTest(f"the narrowed steps are {sorted(scoped.SERIES_STEPS)}'s (test_full_steps_on_other_sources)")
        for step, cls in self.steps():
            with self.subTest(step=step):
                digest = scoped._source_digest(scoped._mirrored_functions(step, cls))
                self.assertEqual(digest, scoped.KNOWN[step])
                self.assertTrue(scoped._mirrored(step, cls))

    def test_full_steps_on_other_sources(self):
        """Where Odoo's sources are not those a step was written from (another release or series),
        Odoo's own function runs inside the block: nothing is narrowed."""
        other = dict.fromkeys(scoped.KNOWN or (step for step, _cls in self.steps()), "0" * 40)
        with mock.patch.dict(scoped.KNOWN, other), mock.patch.dict(scoped._checked, clear=True):
            for step, cls in self.steps():
                with self.subTest(step=step):
                    self.assertFalse(scoped._mirrored(step, cls))
            originals = {
                "listing": self.listing(),
                "_check_removed_columns": odoo.models.BaseModel.__dict__["_check_removed_columns"],
                "_validate_custom_views": View.__dict__["_validate_custom_views"],
            }
            with scoped.whole_database_steps():
                self.assertIs(self.listing(), originals["listing"])
                self.assertIs(
                    odoo.models.BaseModel.__dict__["_check_removed_columns"], originals["_check_removed_columns"]
                )
                self.assertIs(View.__dict__["_validate_custom_views"], originals["_validate_custom_views"])
                self.assertEqual(scoped.addons_listing(), scoped.addons_listing(), "every addon, every time")

    def test_odoo_functions_outside_and_in_other_threads(self):
        self.narrowed(scoped.MODULE_LIST)
        originals = {
            "update_list": Module.__dict__["update_list"],
            "listing": self.listing(),
            "_check_removed_columns": odoo.models.BaseModel.__dict__["_check_removed_columns"],
            "_validate_custom_views": View.__dict__["_validate_custom_views"],
        }
        everything = [scoped._entry(entry)[0] for entry in scoped.addons_listing()]

        def names():
            return [scoped._entry(entry)[0] for entry in scoped.addons_listing()]

        with scoped.whole_database_steps():
            self.assertIsNot(Module.__dict__["update_list"], originals["update_list"])
            self.assertIsNot(self.listing(), originals["listing"])
            scope = scoped._current()
            scope.narrow = lambda entries: entries[:1]
            seen = {}
            thread = threading.Thread(target=lambda: seen.update(other=names()))
            thread.start()
            thread.join()
            self.assertEqual(seen["other"], everything, "another thread lists every addon")
            self.assertEqual(names(), everything[:1], "this thread's next listing is narrowed")
            self.assertEqual(names(), everything, "once")
        self.assertIs(Module.__dict__["update_list"], originals["update_list"])
        self.assertIs(self.listing(), originals["listing"])
        self.assertIs(odoo.models.BaseModel.__dict__["_check_removed_columns"], originals["_check_removed_columns"])
        self.assertIs(View.__dict__["_validate_custom_views"], originals["_validate_custom_views"])
        self.assertIsNone(scoped._current())

    def test_module_list_refreshed_where_it_differs(self):
        self.narrowed(scoped.MODULE_LIST)
        countries = scoped.STEPS.countries
        self.Module.update_list()  # Odoo's full refresh: every row as the manifests say
        names = [scoped._entry(entry)[0] for entry in scoped.addons_listing()]
        found, category_ids, _updatable = scoped.differing(self.Module, names)
        self.assertEqual(found, [], "after Odoo's refresh, no row differs but for categories renamed by data")
        # Odoo writes again the category of every addon whose category was renamed (base's data renames some).
        renamed = {mod.name for mod, _category in category_ids}
        uninstalled = self.Module.search([("state", "=", "uninstalled"), ("name", "in", names)], order="name")
        summary, depends, flag, country, category, state = uninstalled.filtered(
            lambda m: m.name not in renamed and m.dependencies_id and not (countries and m.country_ids)
        )[:6]
        cr = self.env.cr
        cr.execute('UPDATE ir_module_module SET summary = \'{"en_US": "old"}\' WHERE id = %s', [summary.id])
        cr.execute("DELETE FROM ir_module_module_dependency WHERE module_id = %s", [depends.id])
        cr.execute(
            "UPDATE ir_module_module_dependency SET auto_install_required = NOT auto_install_required "
            "WHERE module_id = %s",
            [flag.id],
        )
        if countries:  # (17.0's addons have no countries)
            cr.execute(
                "INSERT INTO module_country (module_id, country_id) VALUES (%s, %s)",
                [country.id, self.env.ref("base.be").id],
            )
        other = self.env["ir.module.category"].create({"name": "MAU elsewhere"})
        cr.execute("UPDATE ir_module_module SET category_id = %s WHERE id = %s", [other.id, category.id])
        cr.execute("UPDATE ir_module_module SET state = 'uninstallable' WHERE id = %s", [state.id])
        self.env.invalidate_all()
        found, category_ids, _updatable = scoped.differing(self.Module, [*names, "mau_no_row_yet"])
        expected = sorted(
            [
                summary.name,
                depends.name,
                flag.name,
                *([country.name] if countries else []),
                state.name,
                "mau_no_row_yet",
            ]
        )
        self.assertEqual(sorted(found), expected)
        self.assertIn(category.name, {mod.name for mod, _category in category_ids})

        with scoped.whole_database_steps():
            self.Module.update_list()
            self.env.flush_all()
            cr.execute('UPDATE ir_module_module SET summary = \'{"en_US": "again"}\' WHERE id = %s', [summary.id])
            self.env.invalidate_all()
            self.assertEqual(self.Module.update_list(), [0, 0], "refreshed once per run")
        self.env.invalidate_all()
        found, _category_ids, _updatable = scoped.differing(self.Module, names)
        self.assertEqual(found, [summary.name], "every row refreshed; the second refresh skipped")
        self.assertEqual(summary.summary, "again")
        self.assertTrue(depends.dependencies_id)
        self.assertNotEqual(category.category_id, other)
        self.assertEqual(state.state, "uninstalled")
        if countries:
            self.assertFalse(country.country_ids)

    def test_removed_columns_checked_where_a_column_has_no_field(self):
        self.narrowed(scoped.REMOVED_COLUMNS)
        cr = self.env.cr
        cr.execute("ALTER TABLE res_partner ADD COLUMN mau_gone integer NOT NULL DEFAULT 0")
        with scoped.whole_database_steps():
            self.env["res.partner"]._check_removed_columns(log=True)
            with self.assertQueryCount(0):
                self.env["module.auto.update.run"]._check_removed_columns(log=True)
        cr.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'res_partner'::regclass AND attname = 'mau_gone'"
        )
        self.assertEqual(cr.fetchone(), (False,), "the NOT NULL of a column without field is dropped, as Odoo does")

    def test_custom_views_validated_where_there_are_some(self):
        self.narrowed(scoped.CUSTOM_VIEWS, View)
        self.env.cr.execute(
            "INSERT INTO ir_ui_view (name, model, type, arch_db, active, mode, priority) "
            "VALUES ('mau broken', 'res.partner', 'form', %s, true, 'primary', 16)",
            ['{"en_US": "<form><field name=\\"mau_no_such_field\\"/></form>"}'],
        )
        views = self.env["ir.ui.view"]
        with scoped.whole_database_steps():
            with self.assertRaises(ValidationError):
                views._validate_custom_views("res.partner")
            with self.assertQueryCount(0):
                views._validate_custom_views("module.auto.update.run")

    def test_full_refresh_when_an_addon_overrides_its_parts(self):
        self.narrowed(scoped.MODULE_LIST)
        registry_class = type(self.Module)
        self.assertEqual(scoped._overridden(registry_class), [])
        with mock.patch.object(registry_class, "_update_category", lambda self, category="Uncategorized": None):
            self.assertEqual(scoped._overridden(registry_class), ["_update_category"])
