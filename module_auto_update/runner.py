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
import time
from dataclasses import dataclass

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

from . import plan_inputs, state
from .core import compare, lock, stored
from .core.command import BUSY, DONE, DRY_RUN, FAILED, HASHES_RECORDED, NOT_MANAGED, NOTHING_TO_DO
from .models.ir_module_module import failing_addon

_logger = logging.getLogger(__name__)

# The upgrade plan of a database, from a plain cursor (see core/plan.py).
gather_plan = plan_inputs.plan_for

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
        if settings.only_managed and not stored.is_managed(cr):
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
    started = stored.utcnow()
    try:
        outcome = _run_locked(cr, dbname, settings)
    except Exception as exc:
        cr.rollback()
        _record(cr, settings, started, FAILED, error=str(exc) or exc.__class__.__name__)
        raise
    _record(cr, settings, started, outcome["result"], outcome.get("upgraded", ()))
    return outcome


def _inspect(cr, settings):
    return state.inspect(cr, update_all=settings.update_all, ignore=settings.ignore, ignore_core=settings.ignore_core)


def _plan(cr, settings):
    found = _inspect(cr, settings)
    return gather_plan(cr, forced=found.forced, ignore=found.ignore, fingerprints=found.fingerprints)


def _run_locked(cr, dbname, settings):
    if settings.init_hashes:
        cr.rollback()
        _logger.info("%s: recording the current fingerprints", dbname)
        _save(Registry.new(dbname), {}, ())
        return {"result": HASHES_RECORDED}

    _logger.info("%s: comparing fingerprints", dbname)
    found = _inspect(cr, settings)
    if found.nothing_to_do:
        return {"result": NOTHING_TO_DO, "plan": found.plan()}

    fingerprints = found.fingerprints
    the_plan = gather_plan(cr, forced=found.forced, ignore=found.ignore, fingerprints=fingerprints)
    names = upgradable(the_plan)
    for entry in the_plan["changed"]:
        _logger.info("%s: addon %s: %s", dbname, entry["module"], entry["reason"])
    # End the read transaction: the upgrade alters the tables it read.
    cr.rollback()
    _logger.info("%s: upgrading %s", dbname, ", ".join(names + found.pending))
    registry = _upgrade(dbname, names, settings)
    upgraded = sorted(set(registry.updated_modules))
    # An addon left alone (ignored) keeps its recorded fingerprint, so that
    # its change is still seen when it stops being ignored.
    left_alone = (set(found.ignore) & set(fingerprints)) - set(upgraded)
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
        stored.record_run(cr, settings.trigger, started, stored.utcnow(), result, upgraded, error)
        cr.commit()  # pylint: disable=invalid-commit
    except Exception:
        cr.rollback()
        _logger.exception("%s: the run could not be recorded in the history.", cr.dbname)
