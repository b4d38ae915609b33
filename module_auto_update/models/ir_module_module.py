# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

import psycopg2

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..core import compare, messages, plan, results, stored
from ..upgrade import addons, plan_inputs, run, series, transaction
from .module import FailedUpgradeError, IncompleteUpgradeError

_logger = logging.getLogger(__name__)

PARAM_LOCK_TIMEOUT = "module_auto_update.lock_timeout"
PARAM_LOCK_WAIT = "module_auto_update.lock_wait"
PARAM_ATTEMPTS = "module_auto_update.attempts"
PARAM_ALLOW_UNRUN = "module_auto_update.allow_unrun_migrations"


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    @api.model
    def _restrict_to_group(self, xmlid, group_xmlid):
        """Restrict the action ``xmlid`` to the group ``group_xmlid`` (called by the data files: the
        field's name differs between the series, ``series.GROUPS_FIELD``)."""
        group = self.env.ref(group_xmlid)
        self.env.ref(xmlid).write({series.GROUPS_FIELD: [(4, group.id)]})

    @api.model
    def _load_list_view(self, xmlid, model, arch):
        """Create or update the list view ``xmlid`` of ``model`` as a ``<record>`` would (called by
        the data files: the root tag of list views differs between the series, ``series.LIST_TAG``;
        ``arch`` is written ``<list>``)."""
        values = {"name": f"{model}.list", "model": model, "arch": series.list_view_arch(arch)}
        self.env["ir.ui.view"]._load_records([{"xml_id": xmlid, "values": values, "noupdate": False}], update=True)

    @api.model
    def _repeat_cron_forever(self, xmlid):
        """Make the scheduled action ``xmlid`` run for ever (called by the data files: 17.0 counts
        the runs left, ``series.CRON_FOREVER``)."""
        if series.CRON_FOREVER:
            self.env.ref(xmlid).write(series.CRON_FOREVER)

    # Fingerprints ---------------------------------------------------------

    def _current_fingerprints(self):
        """``{name: Fingerprint}`` of these addons (see upgrade.addons.current_fingerprints)."""
        return addons.current_fingerprints(self.mapped("name"), cr=self.env.cr)

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
        return stored.saved_digests(self.env.cr)

    @api.model
    def _save_checksums(self, checksums, file_checksums=None, upgraded=()):
        """Make ``{addon: checksum}`` the recorded state, replacing the previous one.

        The legacy parameter is rewritten to match, for the tools that read it.
        """
        self._write_stored(stored.save_digests, checksums, file_checksums, upgraded)

    @api.model
    def _save_installed_checksums(self):
        """Record the current fingerprints of installed addons, without upgrading."""
        installed = self.search([("state", "=", "installed")])
        self._write_stored(stored.save_fingerprints, installed._current_fingerprints())

    def _write_stored(self, writer, *args):
        """Run a writer of core.stored on this transaction, keeping the ORM's caches right."""
        self.env.flush_all()
        writer(self.env.cr, *args, uid=self.env.uid)
        self.env["module.auto.update.checksum"].invalidate_model()
        self.env["ir.config_parameter"].invalidate_model()
        series.clear_caches(self.env.registry)  # ir.config_parameter.get_param

    # What needs an upgrade ------------------------------------------------

    @api.model
    def _get_modules_partially_installed(self):
        return self.search([("state", "in", stored.PENDING_STATES)])

    @api.model
    def _changed_checksum_reasons(self, fingerprints=None):
        """``{addon: reason}`` for installed addons differing from their record, as the run decides.

        The run's own inspection (``upgrade.addons.inspect``): the addons of the
        ignore list are left out, and so are those recorded with the other
        exclude default and unchanged (taken over); an addon whose manifest
        says ``installable: False`` is ``not installable``, left alone.
        ``fingerprints``: ``{name: Fingerprint}`` taken already, else the
        installed addons' taken now.
        """
        self.env.flush_all()
        return addons.inspect(self.env.cr, fingerprints=fingerprints).reasons

    @api.model
    def _get_modules_with_changed_checksum(self):
        """The installed addons the run would upgrade for a change of their own (``_changed_checksum_reasons``)."""
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

        Reads only: no state change, no commit. Besides the planner's blocking
        entries, the changed addons whose Python code this process imported
        differs from the disk are blocking (``python-loaded``): this process
        would refuse to upgrade them (``_check_python_loaded``). The migration
        scripts that the versions keep from running block it, unless the system
        parameter ``module_auto_update.allow_unrun_migrations`` allows them.
        """
        self._check_upgrade_rights()
        self.env.flush_all()
        found = addons.inspect(self.env.cr, forced=forced, ignore=ignore)
        the_plan = plan_inputs.plan_for(self.env.cr, found, allow_unrun=self._allow_unrun_migrations())
        return plan.with_blocking(the_plan, self._python_loaded_problems(the_plan))

    @api.model
    def _allow_unrun_migrations(self):
        """The system parameter ``module_auto_update.allow_unrun_migrations``, true or false."""
        return run.flag(self.env["ir.config_parameter"].sudo().get_param(PARAM_ALLOW_UNRUN), PARAM_ALLOW_UNRUN)

    @api.model
    def _python_loaded_problems(self, the_plan):
        """Blocking entries for the changed addons of ``the_plan`` that ``_check_python_loaded`` would refuse."""
        names = compare.upgradable(plan.reasons(the_plan))
        return [
            messages.blocking(name, "python-loaded", f"{name}/{stale[0]}")
            for name in names
            if (stale := addons.python_changed_files(name))
        ]

    @api.model
    def get_upgrade_plan_text(self, forced=(), ignore=()):
        return plan.render_text(self.get_upgrade_plan(forced=forced, ignore=ignore))

    @api.model
    def upgrade_changed_checksum(self, overwrite_existing_translations=False, trigger=None):
        """Upgrade the installed addons whose files changed since their last upgrade.

        The whole upgrade commits once, at the end, or not at all: a failed
        or refused run raises (FailedUpgradeError, IncompleteUpgradeError,
        UserError when busy) and leaves the database as it was. The caller's
        pending work is committed first, as the OCA addon's method does,
        except where Odoo forbids commits (its test mode): there the run is a
        savepoint of the caller's transaction. Returns a notification action for the web client
        (``display_notification``; after an upgrade its ``next`` reloads the client, which shows the
        notification again). ``trigger`` (or the context key ``module_auto_update_trigger``) is what
        the history records; by default ``scheduled action`` when Odoo's cron runs it (or *Run
        Manually*), else ``shell``.
        """
        context = self.env.context
        default = results.SCHEDULED_ACTION if series.in_scheduled_action(context) else results.SHELL
        trigger = trigger or context.get("module_auto_update_trigger") or default
        result = self._auto_upgrade(overwrite_existing_translations, trigger=trigger)
        missing = result["missing"]
        if result["upgraded"]:
            message = _("Upgraded: %s", ", ".join(result["upgraded"]))
        elif missing:
            message = _("Nothing was upgraded.")
        elif result["plan"] and result["plan"]["missing"]:
            # Left alone quietly (existing only in the database, not installable): the plan says how many.
            message = plan.summary_text(result["plan"]["summary"]["parts"], series.translator(self.env))
        else:
            message = _("Nothing to upgrade: every installed addon matches its fingerprint.")
        if result["first_run"]:
            message = _("First run: no fingerprint was recorded before; they are recorded now.") + " " + message
        if missing:
            # Never let "nothing to upgrade" hide an installed addon without its code.
            message += " " + _(
                "Installed but their folder is missing, so not upgraded: %s. The next start of Odoo fails or "
                "serves without them: add their folders to the addons path, or uninstall them.",
                ", ".join(missing),
            )
        if result["after_commit"]:
            message += " " + _("The upgrade is committed, but %s.", "; ".join(result["after_commit"]))
        notification = {
            "title": _("Auto-Upgrade Modules"),
            "message": message,
            "type": "warning" if missing or result["after_commit"] else "success",
            "sticky": bool(missing),
        }
        action = {"type": "ir.actions.client", "tag": "display_notification", "params": dict(notification)}
        if result["upgraded"]:
            # Menus and views may have changed: the client must reload, and
            # shows the notification again once reloaded (static/src/js).
            action["params"]["next"] = {
                "type": "ir.actions.client",
                "tag": "module_auto_update.reload",
                "params": {"notification": notification},
            }
        else:
            # Opened from the plan wizard: nothing more to show there.
            action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action

    @api.model
    def _auto_upgrade(self, overwrite_existing_translations=False, trigger=results.SHELL):
        """One run of the run protocol (upgrade.run), recorded in the history.

        Returns the run's ``Result`` as a dict (``as_dict``), with
        ``{"reasons", "missing", "first_run"}`` besides:
        ``reasons`` maps each changed addon to why, ``missing`` lists the
        installed addons whose folder is missing (never upgraded; not those
        that exist only in the database), ``first_run`` whether nothing was
        recorded before, ``upgraded`` lists every addon Odoo
        upgraded or installed (changed ones, their dependents, new
        dependencies). Raises when the run failed, left addons pending, or
        found the lock taken.
        """
        self._check_upgrade_rights()
        outcome = self._run_upgrade(trigger, i18n_overwrite=overwrite_existing_translations)
        error = {
            results.FAILED: FailedUpgradeError,
            results.INCOMPLETE: IncompleteUpgradeError,
            results.BUSY: UserError,
        }.get(outcome.result)
        if error:
            raise error(outcome.error)
        the_plan = outcome.plan or {}
        return dict(
            outcome.as_dict(),
            reasons=plan.reasons(the_plan),
            missing=plan.without_code(the_plan),
            first_run=bool(the_plan.get("first_run") and the_plan.get("changed")),
        )

    @api.model
    def rehearse_upgrade(self, trigger=results.MENU):
        """The upgrade ``upgrade_changed_checksum`` would run, run and rolled back.

        Returns the run's ``Result``: its ``result`` (``rehearsed``,
        ``failed`` with its ``error``, ``blocked``, ``nothing to do``) and
        the ``rehearsal`` report. Only the history row is
        written. Raises UserError when another upgrade holds the lock, or
        when other sessions' locks stopped every attempt.
        """
        self._check_upgrade_rights()
        _logger.info("User %s rehearses the auto-upgrade.", self.env.user.login)
        outcome = self._run_upgrade(trigger, rehearse=True)
        if outcome.result == results.BUSY:
            raise UserError(outcome.error)
        return outcome

    def _run_upgrade(self, trigger, **request):
        """A run of the upgrade through this process's ORM, with the settings of the system parameters."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        request = run.Request(
            trigger=trigger,
            uid=self.env.uid,
            lock_timeout=run.number(get_param(PARAM_LOCK_TIMEOUT), 0.0, PARAM_LOCK_TIMEOUT),
            lock_wait=run.number(get_param(PARAM_LOCK_WAIT), run.DEFAULT_LOCK_WAIT, PARAM_LOCK_WAIT),
            attempts=int(run.number(get_param(PARAM_ATTEMPTS), run.DEFAULT_ATTEMPTS, PARAM_ATTEMPTS)),
            allow_unrun_migrations=self._allow_unrun_migrations(),
            caller_reports=True,  # raised to the caller, or shown by the wizard: logged as a WARNING
            **request,
        )
        return self._run(request, run.Loader(load=self._mark_and_load, check=self._check_before_upgrade))

    @api.model
    def record_current_state(self, trigger=results.MENU):
        """Record the installed addons' fingerprints as they are, upgrading nothing.

        For a database whose code and data already match (a first run, a
        copy restored from production): administrators only, under the
        upgrade lock, and written in the history.
        """
        self._check_upgrade_rights()
        _logger.info("User %s records the current fingerprints without upgrading.", self.env.user.login)
        outcome = self._run(run.Request(trigger=trigger, uid=self.env.uid, init_hashes=True))
        if outcome.result != results.HASHES_RECORDED:
            raise UserError(outcome.error)
        return outcome

    def _run(self, request, loader=None):
        """``upgrade.run.run`` on this environment's cursor; the history on a cursor of its own."""
        # Odoo's test mode forbids commits: the test owns the transaction.
        commit = not (series.testing() or series.in_test_mode(self.env.registry))
        self.env.flush_all()
        outcome = run.run(
            self.env.cr, request, loader or run.Loader(), commit=commit, history_cursor=self.env.registry.cursor
        )
        self.env.invalidate_all()
        return outcome

    # How this process upgrades: through the ORM, in the run's transaction ----

    def _check_before_upgrade(self, cr, names, fingerprints):
        """Refuse what a running Odoo cannot upgrade; see run.Loader."""
        Module = self.with_env(self.env(cr=cr))
        modules = Module.search([("name", "in", names)])
        Module._check_manifests(modules)
        Module._check_python_loaded(modules)
        Module._lock_scheduled_actions()

    def _mark_and_load(self, cr, names):
        """Mark with Odoo's ``button_upgrade`` (dependents, new dependencies),
        then ``base.module.upgrade.upgrade_module()``; see run.Loader."""
        env = self.env(cr=cr)
        changed = env["ir.module.module"].search([("name", "in", names), ("state", "=", "installed")])
        changed.button_upgrade()
        changed._ensure_state("to upgrade")
        marked = changed._get_modules_partially_installed().mapped("name")
        _logger.info("Upgrading %s.", ", ".join(marked))
        # The caller's environment shares the transaction: it sees the marks,
        # and what it writes meanwhile (tests simulate an upgrade so) counts.
        self.env.invalidate_all()
        env["base.module.upgrade"].upgrade_module()
        self.env.flush_all()
        return marked

    def _check_manifests(self, modules):
        """Read the manifests of the addons to upgrade from disk; refuse an invalid one by name.

        A running Odoo keeps the manifests it read when it started: forgetting
        them makes the upgrade load what is on disk now, as a new process would.
        """
        series.forget_manifests()
        for name in modules.mapped("name"):
            try:
                series.read_manifest(name)
            except Exception as exc:
                raise UserError(
                    _(
                        "The manifest of addon %(addon)s is invalid (%(error)s): nothing was upgraded or saved.",
                        addon=name,
                        error=exc,
                    )
                ) from exc

    def _check_python_loaded(self, modules):
        """Refuse to upgrade addons whose Python code this process imported differs from the disk now.

        A running Odoo never imports an addon's Python again: upgrading would
        run the old code and record the new fingerprint, so the change would
        never be applied. A new process (a restart, odoo-bin auto-upgrade)
        imports the code on disk; a file edited and restored counts as unchanged.
        """
        stale = [name for name in modules.mapped("name") if addons.python_changed(name)]
        if stale:
            raise FailedUpgradeError(
                _(
                    "The Python code of %(addons)s changed after this Odoo process imported it, and a running "
                    "Odoo cannot load it again: nothing was upgraded or saved. Restart Odoo (with the addon "
                    "loaded as a server-wide module to upgrade on start) or run odoo-bin auto-upgrade.",
                    addons=", ".join(stale),
                )
            )

    def _register_hook(self):
        super()._register_hook()
        # Every addon of this registry is imported now: what the guard compares with.
        addons.remember_imported()
        # The end of a load that upgraded addons for another tool: what it upgraded is up to date.
        updated = self.env.registry.updated_modules
        if updated and not transaction.in_run():
            try:
                with self.env.cr.savepoint():
                    run.record_outside_upgrade(self.env.cr, updated)
            except Exception:
                _logger.warning(
                    "%s: the fingerprints of the addons Odoo upgraded were not recorded: the next "
                    "auto-upgrade upgrades them again.",
                    self.env.cr.dbname,
                    exc_info=True,
                )

    def _lock_scheduled_actions(self):
        """Refuse to start while Odoo's cron runs a job, as Odoo does for immediate installs.

        A job running across an upgrade may see its models change under it.
        The rows stay locked until the run's transaction ends, and Odoo's cron
        runner skips locked jobs. A run started by the cron runner skips its
        own job's row, which that runner holds for the whole job.
        """
        try:
            with transaction.handled_contention():
                self.env.cr.execute(
                    "SELECT id FROM ir_cron WHERE id != %s FOR UPDATE NOWAIT",
                    (series.running_job(self.env),),
                    log_exceptions=False,
                )
        except psycopg2.OperationalError as exc:
            raise UserError(
                _(
                    "Odoo is running a scheduled action: the auto-upgrade did not start and "
                    "changed nothing. Run it again when the scheduled action is done."
                )
            ) from exc

    def _ensure_state(self, state):
        """Guard against button_upgrade returning without marking anything."""
        wrong = self.filtered(lambda module: module.state != state).mapped("name")
        if wrong:
            raise FailedUpgradeError(
                _(
                    "These addons should be %(state)s at this stage: %(names)s. Stopped for safety.",
                    state=state,
                    names=", ".join(wrong),
                )
            )
