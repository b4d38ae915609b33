import json
import logging
import os
import sys
import time

import psycopg2

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.modules import module as odoo_module

from .. import plan_inputs, state
from ..core import compare, lock, plan, stored
from .module import PARAM_INSTALLED_CHECKSUMS, FailedUpgradeError, IncompleteUpgradeError

_logger = logging.getLogger(__name__)

PARAM_LOCK_TIMEOUT = "module_auto_update.lock_timeout"
# Odoo imports the installed addons' Python code when a process loads its
# first registry, about when this file is imported, and never again.
PYTHON_LOADED_AT = time.time()


def failing_addon(exc):
    """Name of the addon Odoo was loading when ``exc`` was raised, if any.

    Odoo's loader does not say which addon failed; the innermost
    ``load_module_graph`` frame of the traceback holds it.
    """
    name = None
    while exc is not None and name is None:
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_name == "load_module_graph":
                name = tb.tb_frame.f_locals.get("module_name") or name
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__
    return name


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    # Fingerprints ---------------------------------------------------------

    def _current_fingerprints(self):
        """``{name: Fingerprint}`` of these addons (see state.current_fingerprints)."""
        return state.current_fingerprints(self.mapped("name"), state.fingerprint_settings(self.env.cr))

    def _get_checksum_dir(self):
        """This addon's current fingerprint, ``False`` when its folder is missing."""
        self.ensure_one()
        fp = self._current_fingerprints()[self.name]
        if fp is None:
            raise UserError(_("A file of addon %s cannot be read; see the server log.", self.name))
        return fp and fp.digest

    # Stored fingerprints --------------------------------------------------

    @api.model
    def _get_saved_checksums(self):
        """``{addon: checksum}`` recorded at the last successful upgrade."""
        self.env["module.auto.update.checksum"].flush_model()
        return state.saved_checksums(self.env.cr)

    @api.model
    def _save_checksums(self, checksums, file_checksums=None, upgraded=()):
        """Make ``{addon: checksum}`` the recorded state, replacing the previous one.

        The legacy parameter is rewritten to match, for the tools that read it.
        """
        file_checksums = file_checksums or {}
        checksums = {name: value for name, value in checksums.items() if value}
        now = fields.Datetime.now()
        Checksum = self.env["module.auto.update.checksum"].sudo()
        existing = {r.name: r for r in Checksum.search([])}
        (Checksum.browse(r.id for n, r in existing.items() if n not in checksums)).unlink()
        for name, checksum in checksums.items():
            values = {"checksum": checksum}
            if name in file_checksums:
                values["file_checksums"] = file_checksums[name]
            if name in upgraded:
                values["upgraded_at"] = now
            record = existing.get(name)
            if record is None:
                Checksum.create(dict(values, name=name, computed_at=now))
            elif record.checksum != checksum or set(values) - {"checksum"}:
                record.write(dict(values, computed_at=now))
        self.env["ir.config_parameter"].sudo().set_param(
            PARAM_INSTALLED_CHECKSUMS, json.dumps(checksums, sort_keys=True)
        )

    @api.model
    def _save_fingerprints(self, fingerprints, upgraded=()):
        saved = self._get_saved_checksums()
        checksums, files = {}, {}
        for name, fp in fingerprints.items():
            if fp:
                checksums[name], files[name] = fp.digest, state.storable_files(fp.files)
            elif fp is False and saved.get(name):
                # Folder missing: nothing was upgraded, remember what last was.
                checksums[name] = saved[name]
        self._save_checksums(checksums, files, upgraded)

    @api.model
    def _save_upgraded_fingerprints(self, fingerprints, upgraded):
        """After an upgrade: save ``fingerprints`` (hashed before it) of the
        addons still installed, plus those of the addons it installed.

        Returns the addons of ``upgraded`` that are installed now. Shared by
        the in-Odoo method and the command line.
        """
        installed = self.search([("state", "=", "installed")])
        names = set(installed.mapped("name"))
        fingerprints = {n: fp for n, fp in fingerprints.items() if n in names}
        fingerprints.update(installed.filtered(lambda m: m.name not in fingerprints)._current_fingerprints())
        upgraded = sorted(set(upgraded) & names)
        self._save_fingerprints(fingerprints, upgraded=upgraded)
        return upgraded

    @api.model
    def _save_installed_checksums(self):
        """Record the current fingerprints of installed addons, without upgrading."""
        installed = self.search([("state", "=", "installed")])
        self._save_fingerprints(installed._current_fingerprints())

    # What needs an upgrade ------------------------------------------------

    @api.model
    def _get_modules_partially_installed(self):
        return self.search([("state", "in", state.PENDING_STATES)])

    @api.model
    def _changed_checksum_reasons(self, fingerprints=None):
        """``{addon: reason}`` for installed addons differing from their record."""
        if fingerprints is None:
            fingerprints = self.search([("state", "=", "installed")])._current_fingerprints()
        return compare.changed_addons(state.digests(fingerprints), self._get_saved_checksums())

    @api.model
    def _get_modules_with_changed_checksum(self):
        names = compare.upgradable(self._changed_checksum_reasons())
        return self.search([("name", "in", names), ("state", "=", "installed")])

    # The run --------------------------------------------------------------

    def _check_upgrade_rights(self):
        if self.env.is_superuser() or self.env.user.has_group("base.group_system"):
            return
        _logger.warning(
            "Auto-upgrade refused to user %s (id %s): administrators only.",
            self.env.user.login,
            self.env.uid,
        )
        raise AccessError(_("Only administrators can run the auto-upgrade of modules."))

    @api.model
    def get_upgrade_plan(self, forced=(), ignore=()):
        """What the next auto-upgrade will do, why, and what may be lost (see core.plan).

        Reads only: no state change, no commit.
        """
        self._check_upgrade_rights()
        self.env.flush_all()
        return plan_inputs.plan_for(self.env.cr, forced=forced, ignore=ignore)

    @api.model
    def get_upgrade_plan_text(self, forced=(), ignore=()):
        return plan.render_text(self.get_upgrade_plan(forced=forced, ignore=ignore))

    @api.model
    def upgrade_changed_checksum(self, overwrite_existing_translations=False, trigger=None):
        """Upgrade the installed addons whose files changed since their last upgrade.

        Commits at each step: not meant to run inside a larger transaction.
        Returns a notification action for the web client. ``trigger`` (or the
        context key ``module_auto_update_trigger``) is what the history records.
        """
        trigger = trigger or self.env.context.get("module_auto_update_trigger") or "shell"
        result = self._auto_upgrade(overwrite_existing_translations, trigger=trigger)
        missing = [name for name, reason in sorted(result["reasons"].items()) if reason == compare.FOLDER_MISSING]
        if result["upgraded"]:
            message = _("Upgraded: %s", ", ".join(result["upgraded"]))
        elif missing:
            message = _("Nothing was upgraded.")
        else:
            message = _("Nothing to upgrade: every installed addon matches its fingerprint.")
        if missing:
            # Never let "nothing to upgrade" hide an installed addon without its code.
            message += " " + _("Installed but their folder is missing, so not upgraded: %s.", ", ".join(missing))
        action = {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Auto-Upgrade Modules"),
                "message": message,
                "type": "warning" if missing else "success",
                "sticky": bool(missing),
            },
        }
        if result["upgraded"]:
            # Menus and views may have changed: the client must reload.
            action["params"]["next"] = {"type": "ir.actions.client", "tag": "reload"}
        else:
            # Opened from the plan wizard: nothing more to show there.
            action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action

    @api.model
    def _auto_upgrade(self, overwrite_existing_translations=False, trigger="shell"):
        """Run one auto-upgrade under the database's upgrade lock, and record it in the history.

        Returns ``{"result", "reasons", "upgraded"}``: ``reasons`` maps each
        changed addon to why, ``upgraded`` lists every addon Odoo upgraded or
        installed (changed ones, their dependents, new dependencies).
        """
        self._check_upgrade_rights()
        started = stored.utcnow()
        try:
            result = self._auto_upgrade_under_lock(overwrite_existing_translations)
        except Exception as exc:
            outcome = "incomplete" if isinstance(exc, IncompleteUpgradeError) else "failed"
            self._record_run(trigger, started, outcome, getattr(exc, "upgraded", ()), str(exc) or repr(exc))
            raise
        self._record_run(trigger, started, result["result"], result["upgraded"])
        return result

    def _record_run(self, trigger, started, result, upgraded, error=None):
        # A cursor of its own: the record outlives the upgrade's rollback. A
        # failure to record is logged, never raised over the run's outcome.
        try:
            with self.env.registry.cursor() as cr:
                stored.record_run(cr, trigger, started, stored.utcnow(), result, upgraded, error, self.env.uid)
        except Exception:
            _logger.exception("The auto-upgrade run could not be recorded in the history.")

    @api.model
    def _auto_upgrade_under_lock(self, overwrite_existing_translations):
        cr = self.env.cr
        timeout = float(self.env["ir.config_parameter"].sudo().get_param(PARAM_LOCK_TIMEOUT, 0) or 0)
        try:
            lock.acquire(cr, cr.dbname, timeout)
        except lock.LockBusyError as exc:
            raise UserError(str(exc)) from exc
        try:
            # The polls for the lock ran in a transaction whose snapshot may
            # predate the run we waited for: start afresh to see what it saved.
            cr.commit()  # pylint: disable=invalid-commit
            self.env.invalidate_all()
            return self._auto_upgrade_locked(overwrite_existing_translations)
        except BaseException:
            # Leave the transaction usable so that the lock can be released.
            cr.rollback()
            raise
        finally:
            # The lock belongs to the connection, which goes back to a pool
            # rather than closing: release it explicitly.
            lock.release(cr, cr.dbname)

    def _auto_upgrade_locked(self, overwrite_existing_translations):
        cr = self.env.cr
        tools.config["overwrite_existing_translations"] = overwrite_existing_translations
        installed = self.search([("state", "=", "installed")])
        # Computed once per run and saved after the upgrade: saving what was
        # hashed before loading means an edit made during the upgrade is
        # seen as a change next time instead of being recorded unloaded.
        fingerprints = installed._current_fingerprints()
        reasons = self._changed_checksum_reasons(fingerprints)
        for name, reason in reasons.items():
            log = _logger.warning if reason == compare.FOLDER_MISSING else _logger.info
            log("Addon %s: %s.", name, reason)
        changed = self.search([("name", "in", compare.upgradable(reasons)), ("state", "=", "installed")])
        if not changed and not self._get_modules_partially_installed():
            _logger.info("No installed addon changed and none is pending: nothing to do.")
            return {"result": "nothing to do", "reasons": reasons, "upgraded": []}

        self._check_manifests(changed)
        self._check_python_loaded(changed, fingerprints)
        self._lock_scheduled_actions()
        try:
            changed.button_upgrade()
        except Exception:
            cr.rollback()
            raise
        cr.commit()  # pylint: disable=invalid-commit
        self._ensure_state(changed, "to upgrade")
        marked = self._get_modules_partially_installed().mapped("name")
        _logger.info("Upgrading %s.", ", ".join(marked))

        try:
            self.env["base.module.upgrade"].upgrade_module()
        except Exception as exc:
            cr.rollback()
            self._reset_pending_states()
            addon = failing_addon(exc)
            detail = str(exc) or exc.__class__.__name__
            message = (
                _("Upgrade failed in addon %(addon)s: %(error)s", addon=addon, error=detail)
                if addon
                else _("Upgrade failed: %s", detail)
            )
            _logger.error("%s No fingerprint was saved.", message)
            raise FailedUpgradeError(
                message + "\n" + _("No fingerprint was saved; fix the error and run again.")
            ) from exc
        cr.commit()  # pylint: disable=invalid-commit

        # The upgrade built a new registry: continue on it.
        env = api.Environment(cr, self.env.uid, self.env.context)
        Module = env["ir.module.module"]
        upgraded = Module._save_upgraded_fingerprints(fingerprints, marked)
        cr.commit()  # pylint: disable=invalid-commit
        _logger.info("Upgrade done, fingerprints saved: %s.", ", ".join(upgraded))

        pending = Module._get_modules_partially_installed()
        if pending:
            names = ", ".join(pending.mapped("name"))
            Module._reset_pending_states()
            error = IncompleteUpgradeError(
                _(
                    "The upgrade ran but these addons are still pending: %s. "
                    "Their state was reset; they will be retried at the next run.",
                    names,
                )
            )
            error.upgraded = upgraded
            raise error
        return {"result": "done", "reasons": reasons, "upgraded": upgraded}

    def _check_manifests(self, modules):
        """Read the manifests of the addons to upgrade from disk; refuse an invalid one by name.

        A running Odoo keeps the manifests it read when it started: forgetting
        them makes the upgrade load what is on disk now, as a new process would.
        """
        odoo_module._get_manifest_cached.cache_clear()
        for name in modules.mapped("name"):
            try:
                odoo_module.load_manifest(name)
            except Exception as exc:
                raise UserError(
                    _(
                        "The manifest of addon %(addon)s is invalid (%(error)s): nothing was upgraded or saved.",
                        addon=name,
                        error=exc,
                    )
                ) from exc

    def _check_python_loaded(self, modules, fingerprints):
        """Refuse to upgrade addons whose Python code changed after this process imported it.

        A running Odoo never imports an addon's Python again: upgrading would
        run the old code and record the new fingerprint, so the change would
        never be applied. A new process (a restart, odoo-bin auto-upgrade)
        imports the code on disk.
        """
        stale = []
        for module in modules:
            path, fp = state.addon_path(module.name), fingerprints.get(module.name)
            if not (path and fp and f"odoo.addons.{module.name}" in sys.modules):
                continue
            for relpath in fp.files:
                if relpath.endswith(".py") and os.stat(os.path.join(path, relpath)).st_mtime > PYTHON_LOADED_AT:
                    stale.append(module.name)
                    break
        if stale:
            raise FailedUpgradeError(
                _(
                    "The Python code of %(addons)s changed after this Odoo process started, and a running "
                    "Odoo cannot load it again: nothing was upgraded or saved. Restart Odoo (with the addon "
                    "loaded as a server-wide module to upgrade on start) or run odoo-bin auto-upgrade.",
                    addons=", ".join(stale),
                )
            )

    def _lock_scheduled_actions(self):
        """Refuse to start while Odoo's cron runs a job, as Odoo does for immediate installs.

        A job running across an upgrade may see its models change under it.
        The rows stay locked until the commit that marks the addons; from then
        on the cron runner skips the database until the states are back to
        normal. A run started by the cron runner skips its own job's row,
        which that runner holds for the whole job.
        """
        try:
            self.env.cr.execute(
                "SELECT id FROM ir_cron WHERE id != %s FOR UPDATE NOWAIT",
                (self.env.context.get("cron_id") or 0,),
                log_exceptions=False,
            )
        except psycopg2.OperationalError as exc:
            self.env.cr.rollback()
            raise UserError(
                _(
                    "Odoo is running a scheduled action: the auto-upgrade did not start and "
                    "changed nothing. Run it again when the scheduled action is done."
                )
            ) from exc

    def _ensure_state(self, modules, state):
        """Guard against button_upgrade returning without marking anything."""
        if not modules:
            return
        self.env.cr.execute(
            "SELECT name FROM ir_module_module WHERE id = ANY(%s) AND state != %s",
            (modules.ids, state),
        )
        wrong = [name for (name,) in self.env.cr.fetchall()]
        if wrong:
            self._reset_pending_states()
            raise FailedUpgradeError(
                _(
                    "These addons should be %(state)s at this stage: %(names)s. "
                    "Stopped for safety; nothing was upgraded or saved.",
                    state=state,
                    names=", ".join(wrong),
                )
            )

    @api.model
    def _reset_pending_states(self):
        """Put transient states back as Odoo does after a failed load, and commit."""
        cr = self.env.cr
        cr.execute("UPDATE ir_module_module SET state = 'installed' WHERE state IN ('to upgrade', 'to remove')")
        cr.execute("UPDATE ir_module_module SET state = 'uninstalled' WHERE state = 'to install'")
        cr.commit()  # pylint: disable=invalid-commit
        self.env.invalidate_all()
