# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the upgrade planner reads from the database, with plain SQL: Odoo's own tables, and those ``stored`` writes.

Any DB-API cursor does: the planner runs from the Odoo layer, from
``odoo-bin auto-upgrade`` before any registry exists, and from tests
without Odoo. Nothing here writes. ``plan_facts`` and ``addon_facts``
read, each in one visit, what the planner needs before and after it reads
the disk.
"""

import json
from dataclasses import dataclass

from . import stored

# Columns every model has without declaring them.
MAGIC_FIELDS = ("id", "create_uid", "create_date", "write_uid", "write_date")


def installed_modules(cr):
    """``{addon: {"version", "depends", "demo"}}`` of installed addons, as recorded."""
    cr.execute(
        """SELECT m.name, m.latest_version, m.demo, array_remove(array_agg(d.name ORDER BY d.name), NULL)
             FROM ir_module_module m
        LEFT JOIN ir_module_module_dependency d ON d.module_id = m.id
            WHERE m.state = 'installed'
         GROUP BY m.id"""
    )
    return {
        name: {"version": version, "depends": list(deps), "demo": bool(demo)}
        for name, version, demo, deps in cr.fetchall()
    }


def recorded_xmlids(cr, modules, skipped_models=()):
    """The non-noupdate XML IDs of ``modules`` that point at a record, but for those of ``skipped_models``."""
    cr.execute(
        """SELECT d.module, d.name, d.model,
                  EXISTS(SELECT 1 FROM ir_model_data o WHERE o.model = d.model AND o.res_id = d.res_id AND o.id != d.id)
             FROM ir_model_data d
            WHERE d.module = ANY(%s) AND d.res_id IS NOT NULL AND NOT COALESCE(d.noupdate, false)
              AND d.model != ALL(%s)""",
        (list(modules), sorted(skipped_models)),
    )
    return [{"module": m, "name": n, "model": model, "shared": shared} for m, n, model, shared in cr.fetchall()]


def stored_fields(cr, modules):
    """Stored, column-backed fields with an XML ID of one of ``modules``, with all their XML IDs' addons."""
    cr.execute(
        """SELECT f.model, f.name, array_agg(DISTINCT d.module ORDER BY d.module)
             FROM ir_model_fields f
             JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
            WHERE f.store AND f.state = 'base' AND f.ttype NOT IN ('one2many', 'many2many')
              AND f.name != ALL(%s)
         GROUP BY f.model, f.name
           HAVING bool_or(d.module = ANY(%s))""",
        (list(MAGIC_FIELDS), list(modules)),
    )
    return [{"model": model, "name": name, "modules": list(mods)} for model, name, mods in cr.fetchall()]


def company_countries(cr):
    cr.execute(
        "SELECT DISTINCT c.code FROM res_company r JOIN res_partner p ON p.id = r.partner_id "
        "JOIN res_country c ON c.id = p.country_id"
    )
    return [code for (code,) in cr.fetchall()]


def model_fields(cr, models):
    """``{model: [field names]}`` the database knows, whatever addon declared them."""
    cr.execute(
        "SELECT model, array_agg(name) FROM ir_model_fields WHERE model = ANY(%s) GROUP BY model", (list(models),)
    )
    return {model: list(names) for model, names in cr.fetchall()}


def field_facts(cr, models, tables):
    """``{(model, field): {"required", "index", "column", "modules"}}`` of the fields of ``models``
    as the database records them: ``column`` the type (``pg_type.typname``) of its column in the model's
    table (``tables``: ``{model: table}``), None without one; ``modules`` the addons holding its XML IDs."""
    cr.execute(
        """SELECT f.model, f.name, COALESCE(f.required, false), COALESCE(f.index, false),
                  array_remove(array_agg(DISTINCT d.module), NULL)
             FROM ir_model_fields f
        LEFT JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
            WHERE f.model = ANY(%s)
         GROUP BY f.id""",
        (sorted(models),),
    )
    found = cr.fetchall()
    cr.execute(
        """SELECT c.relname, a.attname, t.typname
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s)
              AND a.attnum > 0 AND NOT a.attisdropped""",
        (sorted(set(tables.values())),),
    )
    columns = {(table, column): kind for table, column, kind in cr.fetchall()}
    return {
        (model, name): {
            "required": required,
            "index": index,
            "column": columns.get((tables[model], name)),
            "modules": list(modules),
        }
        for model, name, required, index, modules in found
    }


def table_sizes(cr, tables=None):
    """``{table: rows}`` of the existing ``tables`` (None: every table), as PostgreSQL's statistics
    estimate them: the planner's ``reltuples`` (ANALYZE, VACUUM) or the live rows the server counted
    since, the larger."""
    cr.execute(
        """SELECT c.relname, GREATEST(c.reltuples, COALESCE(s.n_live_tup, 0), 0)::bigint
             FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
              AND (%(tables)s::text[] IS NULL OR c.relname = ANY(%(tables)s))""",
        {"tables": None if tables is None else sorted(tables)},
    )
    return dict(cr.fetchall())


def languages(cr):
    """``[(code, name, active)]`` of the database's languages, the last written first (an activation
    or a deactivation writes its language): which language made translation files count or not."""
    cr.execute("SELECT code, name, COALESCE(active, false) FROM res_lang ORDER BY write_date DESC NULLS LAST, id DESC")
    return [tuple(row) for row in cr.fetchall()]


def model_names(cr):
    """Every model the database knows."""
    cr.execute("SELECT model FROM ir_model")
    return {model for (model,) in cr.fetchall()}


def pending_modules(cr, states):
    """``[(addon, state)]`` of the addons in one of ``states``."""
    cr.execute("SELECT name, state FROM ir_module_module WHERE state = ANY(%s) ORDER BY name", (list(states),))
    return cr.fetchall()


def saved_file_digests(cr, saved):
    """``{addon: {relpath: digest}}`` recorded beside the addon digests that still hold.

    ``saved``: ``stored.saved_digests(cr)``. An addon whose digest another tool
    recorded since has no per-file record: the files it changed are not known.
    """
    if not stored.table_exists(cr, stored.CHECKSUM_TABLE):
        return {}
    cr.execute(
        "SELECT name, checksum, file_checksums FROM module_auto_update_checksum WHERE file_checksums IS NOT NULL"
    )
    return {
        name: files if isinstance(files, dict) else json.loads(files)
        for name, digest, files in cr.fetchall()
        if saved.get(name) == digest
    }


def saved_versions(cr, saved):
    """``{addon: installed version}`` when the fingerprints that still hold were recorded (``saved``:
    ``stored.saved_digests(cr)``); unknown (left out) before the addon's upgrade to the column."""
    if not stored.column_exists(cr, stored.CHECKSUM_TABLE, "installed_version"):
        return {}
    cr.execute(
        "SELECT name, checksum, installed_version FROM module_auto_update_checksum WHERE installed_version IS NOT NULL"
    )
    return {name: version for name, digest, version in cr.fetchall() if saved.get(name) == digest}


def ran_migrations(cr, modules):
    """``{addon: {path: {"version", "stage", "digest", "ran_at"}}}``: the migration scripts
    of ``modules`` recorded as run on this database (``stored.save_migrations``).

    Nothing is recorded before the addon is upgraded to the version that has
    the table (``module.auto.update.migration``).
    """
    if not stored.table_exists(cr, stored.MIGRATION_TABLE):
        return {}
    cr.execute(
        f"SELECT module, path, version, stage, digest, ran_at FROM {stored.MIGRATION_TABLE} WHERE module = ANY(%s)",
        (sorted(modules),),
    )
    found = {}
    for module, path, version, stage, digest, ran_at in cr.fetchall():
        found.setdefault(module, {})[path] = {
            "version": version,
            "stage": stage,
            "digest": digest,
            "ran_at": ran_at and ran_at.isoformat(sep=" ", timespec="seconds"),
        }
    return found


@dataclass(frozen=True)
class PlanFacts:
    """What the planner reads from the database before the disk (``plan_facts``)."""

    installed: dict  # installed_modules
    countries: list  # company_countries
    models: set  # model_names
    pending: list  # pending_modules of stored.PENDING_STATES
    saved_files: dict  # saved_file_digests
    saved_versions: dict  # saved_versions
    languages: list = ()  # languages


def plan_facts(cr, saved):
    """``PlanFacts`` of the database behind ``cr``; ``saved``: ``stored.saved_digests(cr)``."""
    return PlanFacts(
        installed=installed_modules(cr),
        countries=company_countries(cr),
        models=model_names(cr),
        pending=pending_modules(cr, stored.PENDING_STATES),
        saved_files=saved_file_digests(cr, saved),
        saved_versions=saved_versions(cr, saved),
        languages=languages(cr),
    )


@dataclass(frozen=True)
class AddonFacts:
    """What the planner reads from the database of the addons it upgrades (``addon_facts``)."""

    records: list  # recorded_xmlids, but for skipped_models
    stored_fields: list  # stored_fields
    parent_fields: dict  # model_fields of the models they inherit
    recorded_scripts: dict  # ran_migrations


def addon_facts(cr, modules, parent_models, skipped_models=()):
    """``AddonFacts`` of ``modules``; ``parent_models``: the models whose fields are read."""
    return AddonFacts(
        records=recorded_xmlids(cr, modules, skipped_models),
        stored_fields=stored_fields(cr, modules),
        parent_fields=model_fields(cr, parent_models),
        recorded_scripts=ran_migrations(cr, modules),
    )
