# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The core: fingerprints, comparison, planning, locking, the outcomes of a run.

Its rule: it imports nothing from Odoo and nothing of the command line
(``cli/`` holds the options, texts and exit codes). What it reads from the
database it reads with plain SQL on a DB-API cursor (``stored``,
``plan_readers``, ``lock``, ``watcher``, ``rehearsal``), so that the
quick start and the tests use it without Odoo.
"""
