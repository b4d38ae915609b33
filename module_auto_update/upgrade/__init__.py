# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The upgrade run, below the ORM: what every entry point shares.

Imports Odoo's machinery (the addon lookup, ``Registry``, cursors) but never
this addon's models, so it works before any registry of the database exists:
``odoo-bin auto-upgrade`` and the upgrade on start decide and upgrade from
here, and the Odoo layer (``models/``) calls the same run.

- ``run``: the run protocol, written once (lock, decide, upgrade, verify,
  save fingerprints, history).
- ``transaction``: the whole upgrade in one PostgreSQL transaction.
- ``failure``: which addon and stage an upgrade failed in.
- ``addons``: the pure core bound to Odoo's addon lookup and data_dir.
- ``plan_inputs``: what the planner reads from the disk through Odoo.
- ``on_start``: the upgrade on server start.
- ``signaling``: one signal per upgrade, one registry reload per signal and process.
- ``series``: what differs between Odoo 17.0, 18.0 and 19.0, in one place.
- ``scoped``: Odoo's whole-database loading steps (module list, removed columns, custom
  views), done only where they can change something.
"""
