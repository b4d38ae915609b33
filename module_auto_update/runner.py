"""One auto-upgrade of one database, decided before any registry is loaded.

Shared by the ``auto-upgrade`` command and the upgrade on start. What changed
is read with plain SQL and the filesystem (``state``, ``plan_inputs``), so a
database where nothing changed costs no registry at all, and a database whose
new code Odoo cannot even load without an upgrade (a new column on
``res.partner``) is upgraded the way ``odoo-bin -u`` does it: the changed
addons go into ``config["update"]`` and ``Registry.new(update_module=True)``
marks them with ``button_upgrade`` (dependents, new dependencies), exactly
what the in-Odoo method calls.
"""

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

from . import plan_inputs, state
from .core import compare, lock, plan
from .models.ir_module_module import failing_addon
from .models.module_auto_update_run import record_run

_logger = logging.getLogger(__name__)

# The upgrade plan of a database, from a plain cursor (see core/plan.py).
gather_plan = plan_inputs.plan_for

NOTHING_TO_DO = "nothing to do"
DONE = "done"
FAILED = "failed"
BUSY = "busy"
MISSING = "missing"
DRY_RUN = "dry run"
HASHES_RECORDED = "hashes recorded"
NOT_MANAGED = "not managed"
# The outcomes the history model knows.
RECORDED_RESULTS = (NOTHING_TO_DO, DONE, FAILED)


class UpgradeFailedError(RuntimeError):
    """The upgrade failed or left addons pending; nothing was saved."""


@dataclass(frozen=True)
class Settings:
    update_all: bool = False
    ignore: tuple = ()
    ignore_core: bool = False
    i18n_overwrite: bool = False
    lock_timeout: float = 0.0
    dry_run: bool = False
    init_hashes: bool = False
    trigger: str = "command line"
    # Leave alone a database that never recorded fingerprints (on start: a
    # database of the server that does not use this addon).
    only_managed: bool = False


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def is_managed(cr):
    """Whether the database has our table or the legacy parameter."""
    if state.table_exists(cr, state.CHECKSUM_TABLE):
        return True
    return state.table_exists(cr, "ir_config_parameter") and bool(state.get_param(cr, state.PARAM_INSTALLED_CHECKSUMS))


def core_addon_dirs():
    """Odoo's own addons folders, derived from where Odoo is installed."""
    odoo_dir = os.path.dirname(os.path.realpath(odoo.__file__))
    return {os.path.join(odoo_dir, "addons"), os.path.join(os.path.dirname(odoo_dir), "addons")}


def core_addons(names):
    """The addons of ``names`` whose code comes from Odoo's own addons folders."""
    dirs = core_addon_dirs()
    return {
        name for name in names if (path := state.addon_path(name)) and os.path.dirname(os.path.realpath(path)) in dirs
    }


def upgradable(the_plan):
    """The addons the plan says to upgrade, for ``config["update"]``."""
    return [entry["module"] for entry in the_plan["changed"] if entry["reason"] != compare.FOLDER_MISSING]


def run(dbname, settings):
    """Auto-upgrade ``dbname``; never raises.

    Returns ``{"database", "result", "plan", "upgraded", "error", "duration"}``.
    """
    t0 = time.monotonic()
    outcome = {"database": dbname, "result": None, "plan": None, "upgraded": [], "error": None}
    try:
        outcome.update(_run(dbname, settings))
    except lock.LockBusyError as exc:
        _logger.warning("%s: busy: %s", dbname, exc)
        outcome.update(result=BUSY, error=str(exc))
    except Exception as exc:
        if not isinstance(exc, UpgradeFailedError):
            _logger.exception("%s: failed", dbname)
        outcome.update(result=FAILED, error=str(exc) or exc.__class__.__name__)
    outcome["duration"] = round(time.monotonic() - t0, 3)
    _logger.info("%s: %s in %.2f s", dbname, outcome["result"], outcome["duration"])
    return outcome


def _run(dbname, settings):
    cr = odoo.sql_db.db_connect(dbname).cursor()
    try:
        if settings.only_managed and not is_managed(cr):
            return {"result": NOT_MANAGED}
        if settings.dry_run:
            _logger.info("%s: planning", dbname)
            return {"result": DRY_RUN, "plan": _plan(cr, settings)}
        _logger.info("%s: taking the upgrade lock (timeout %g s)", dbname, settings.lock_timeout)
        lock.acquire(cr, dbname, settings.lock_timeout)
        # Odoo cursors are REPEATABLE READ: start a snapshot that sees what
        # the previous holder of the lock committed while we waited.
        cr.rollback()
        try:
            return _run_recorded(cr, dbname, settings)
        finally:
            cr.rollback()
            # Session-level lock (PostgreSQL drops it if the process dies);
            # the connection goes back to a pool, so release it explicitly.
            lock.release(cr, dbname)
            cr.commit()  # pylint: disable=invalid-commit
    finally:
        cr.close()


def _run_recorded(cr, dbname, settings):
    started = _utcnow()
    try:
        outcome = _run_locked(cr, dbname, settings)
    except Exception as exc:
        cr.rollback()
        _record(cr, settings, started, FAILED, error=str(exc) or exc.__class__.__name__)
        raise
    _record(cr, settings, started, outcome["result"], outcome.get("upgraded", ()))
    return outcome


def _scope(cr, settings):
    """``(installed, forced, ignore)`` of this run."""
    installed = state.modules_in_state(cr, ["installed"])
    ignore = set(settings.ignore) | (core_addons(installed) if settings.ignore_core else set())
    forced = installed if settings.update_all else ()
    return installed, forced, sorted(ignore)


def _plan(cr, settings):
    _installed, forced, ignore = _scope(cr, settings)
    return gather_plan(cr, forced=forced, ignore=ignore)


def _run_locked(cr, dbname, settings):
    if settings.init_hashes:
        cr.rollback()
        _logger.info("%s: recording the current fingerprints", dbname)
        _save(Registry.new(dbname), {}, ())
        return {"result": HASHES_RECORDED}

    _logger.info("%s: comparing fingerprints", dbname)
    installed, forced, ignore = _scope(cr, settings)
    # Hashed before the upgrade and saved after it, like the in-Odoo method:
    # an edit made while upgrading is seen as a change next time.
    fingerprints = state.current_fingerprints(installed, state.fingerprint_settings(cr))
    saved = state.saved_checksums(cr)
    reasons = plan.changed_reasons(state.digests(fingerprints), saved, forced, ignore)
    pending = state.modules_in_state(cr, state.PENDING_STATES)
    if not compare.upgradable(reasons) and not pending:
        # The full plan reads every manifest on disk; with nothing to upgrade
        # its scope is empty, so the plan of the reasons alone is the same.
        the_plan = plan.build_plan(
            installed={}, current=state.digests(fingerprints), saved=saved, manifests={}, forced=forced, ignore=ignore
        )
        return {"result": NOTHING_TO_DO, "plan": the_plan}

    the_plan = gather_plan(cr, forced=forced, ignore=ignore, fingerprints=fingerprints)
    names = upgradable(the_plan)
    for entry in the_plan["changed"]:
        _logger.info("%s: addon %s: %s", dbname, entry["module"], entry["reason"])
    # End the read transaction: the upgrade alters the tables it read.
    cr.rollback()
    _logger.info("%s: upgrading %s", dbname, ", ".join(names + pending))
    registry = _upgrade(dbname, names, settings)
    upgraded = sorted(set(registry.updated_modules))
    # An addon left alone (ignored) keeps its recorded fingerprint, so that
    # its change is still seen when it stops being ignored.
    left_alone = (set(ignore) & set(fingerprints)) - set(upgraded)
    fingerprints.update(dict.fromkeys(left_alone, False))
    upgraded = _save(registry, fingerprints, upgraded)
    _logger.info("%s: fingerprints saved; upgraded %s", dbname, ", ".join(upgraded))
    return {"result": DONE, "plan": the_plan, "upgraded": upgraded}


def _upgrade(dbname, names, settings):
    """``odoo-bin -u names`` on ``dbname``; raise UpgradeFailedError and reset states on failure."""
    previous = config["overwrite_existing_translations"]
    config["update"] = dict.fromkeys(names, 1)
    config["overwrite_existing_translations"] = settings.i18n_overwrite
    try:
        registry = Registry.new(dbname, update_module=True)
    except Exception as exc:
        # Registry.new resets the states when loading fails; again here for
        # failures around the load (signaling, connection).
        odoo.modules.reset_modules_state(dbname)
        addon = failing_addon(exc)
        detail = str(exc) or exc.__class__.__name__
        message = f"Upgrade failed in addon {addon}: {detail}" if addon else f"Upgrade failed: {detail}"
        _logger.error("%s: %s No fingerprint was saved.", dbname, message, exc_info=True)
        raise UpgradeFailedError(message) from exc
    finally:
        config["update"] = {}
        config["overwrite_existing_translations"] = previous
    with registry.cursor() as cr:
        pending = state.modules_in_state(cr, state.PENDING_STATES)
    if pending:
        odoo.modules.reset_modules_state(dbname)
        message = (
            f"The upgrade ran but these addons are still pending: {', '.join(pending)}. "
            "Their state was reset and no fingerprint was saved; they will be retried at the next run."
        )
        _logger.error("%s: %s", dbname, message)
        raise UpgradeFailedError(message)
    return registry


def _save(registry, fingerprints, upgraded):
    """Save like the in-Odoo method; returns the upgraded addons still installed."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Module = env["ir.module.module"]
        if hasattr(Module, "_save_upgraded_fingerprints"):
            return Module._save_upgraded_fingerprints(fingerprints, upgraded)
        # module_auto_update is not installed there (a database kept by
        # click-odoo-update): keep up the value other tools read.
        installed = state.modules_in_state(cr, ["installed"])
        fingerprints = {n: fp for n, fp in fingerprints.items() if n in installed}
        fresh = state.current_fingerprints(
            [n for n in installed if n not in fingerprints], state.fingerprint_settings(cr)
        )
        saved = state.saved_checksums(cr)
        checksums = {n: fp.digest if fp else saved.get(n) for n, fp in {**fingerprints, **fresh}.items()}
        env["ir.config_parameter"].set_param(
            state.PARAM_INSTALLED_CHECKSUMS, json.dumps({n: c for n, c in checksums.items() if c}, sort_keys=True)
        )
        return sorted(set(upgraded) & set(installed))


def _record(cr, settings, started, result, upgraded=(), error=None):
    """One history row per run; a failure to record never hides the run's outcome."""
    if result not in RECORDED_RESULTS:
        return
    try:
        record_run(cr, settings.trigger, started, _utcnow(), result, upgraded, error)
        cr.commit()  # pylint: disable=invalid-commit
    except Exception:
        cr.rollback()
        _logger.exception("%s: the run could not be recorded in the history.", cr.dbname)
