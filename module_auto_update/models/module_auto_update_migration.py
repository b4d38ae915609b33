# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..upgrade import series


@series.unique_constraints(
    ("module_path_unique", "UNIQUE(module, path)", "A migration script is recorded once per addon.")
)
class ModuleAutoUpdateMigration(models.Model):
    """A migration script that ran on this database, with the digest of its file then.

    Rows are written by ``core.stored.save_migrations`` (plain SQL), with the
    fingerprints, after a successful upgrade; a plan warns of a script whose
    file no longer has that digest (``migration-edited``).
    """

    _name = "module.auto.update.migration"
    _description = "Migration script that ran"
    _order = "ran_at desc, module, path"
    _rec_name = "path"

    module = fields.Char("Addon", required=True, index=True, readonly=True)
    version = fields.Char(required=True, readonly=True, help="The version folder, as named on disk.")
    stage = fields.Char(required=True, readonly=True, help="pre, post or end")
    path = fields.Char(
        required=True,
        readonly=True,
        help="Relative to the addon (migrations/, upgrades/), or absolute for the upgrade path.",
    )
    digest = fields.Char(required=True, readonly=True, help="SHA-1 of the script's file as it ran.")
    ran_at = fields.Datetime("Ran on", required=True, readonly=True)
