import json
import logging

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from .. import state
from ..core import compare, lock
from .module import PARAM_INSTALLED_CHECKSUMS, FailedUpgradeError, IncompleteUpgradeError

_logger = logging.getLogger(__name__)

PARAM_LOCK_TIMEOUT = "module_auto_update.lock_timeout"


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
            raise UserError(
                _("A file of addon %s cannot be read; see the server log.", self.name)
            )
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
                checksums[name], files[name] = fp.digest, fp.files
            elif fp is False and saved.get(name):
                # Folder missing: nothing was upgraded, remember what last was.
                checksums[name] = saved[name]
        self._save_checksums(checksums, files, upgraded)

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
    def upgrade_changed_checksum(self, overwrite_existing_translations=False):
        """Upgrade the installed addons whose files changed since their last upgrade.

        Commits at each step: not meant to run inside a larger transaction.
        Returns a notification action for the web client.
        """
        result = self._auto_upgrade(overwrite_existing_translations)
        if not result["upgraded"]:
            message = _("Nothing to upgrade: every installed addon matches its fingerprint.")
        else:
            message = _("Upgraded: %s", ", ".join(result["upgraded"]))
        action = {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Auto-Upgrade Modules"),
                "message": message,
                "type": "success",
                "sticky": False,
            },
        }
        if result["upgraded"]:
            # Menus and views may have changed: the client must reload.
            action["params"]["next"] = {"type": "ir.actions.client", "tag": "reload"}
        return action

    @api.model
    def _auto_upgrade(self, overwrite_existing_translations=False):
        """Run one auto-upgrade under the database's upgrade lock.

        Returns ``{"result", "reasons", "upgraded"}``: ``reasons`` maps each
        changed addon to why, ``upgraded`` lists every addon Odoo upgraded or
        installed (changed ones, their dependents, new dependencies).
        """
        self._check_upgrade_rights()
        cr = self.env.cr
        timeout = float(
            self.env["ir.config_parameter"].sudo().get_param(PARAM_LOCK_TIMEOUT, 0) or 0
        )
        try:
            lock.acquire(cr, cr.dbname, timeout)
        except lock.LockBusyError as exc:
            raise UserError(str(exc)) from exc
        try:
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
        now_installed = Module.search([("state", "=", "installed")])
        fingerprints = {n: fp for n, fp in fingerprints.items() if n in now_installed.mapped("name")}
        new = now_installed.filtered(lambda m: m.name not in fingerprints)
        fingerprints.update(new._current_fingerprints())
        upgraded = sorted(set(marked) & set(now_installed.mapped("name")))
        Module._save_fingerprints(fingerprints, upgraded=upgraded)
        cr.commit()  # pylint: disable=invalid-commit
        _logger.info("Upgrade done, fingerprints saved: %s.", ", ".join(upgraded))

        pending = Module._get_modules_partially_installed()
        if pending:
            names = ", ".join(pending.mapped("name"))
            Module._reset_pending_states()
            raise IncompleteUpgradeError(
                _(
                    "The upgrade ran but these addons are still pending: %s. "
                    "Their state was reset; they will be retried at the next run.",
                    names,
                )
            )
        return {"result": "done", "reasons": reasons, "upgraded": upgraded}

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
