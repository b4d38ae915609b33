# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Auto-Upgrade Modules wizard: the plan first, then the upgrade if confirmed, or its rehearsal.

The plan's sentences are rendered from their codes (``core.messages``) in the
user's language; a rehearsal's report (``core.rehearsal``) below the plan.
"""

from markupsafe import Markup

from odoo import _, api, fields, models

from ..core import messages, rehearsal, results, watcher
from ..core import plan as upgrade_plan
from ..upgrade import series


def _items(entries):
    if not entries:
        return Markup()
    return Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % entry for entry in entries)


def plan_html(plan, translate):
    """The plan as HTML: blocking problems, warnings and information in boxes, then the lists."""

    def say(code, **params):
        return messages.render(code, params, translate)

    def box(level, key, entries):
        if not entries:
            return Markup()
        title = Markup("<strong>%s</strong>") % say(f"heading-{key}")
        return Markup('<div class="alert alert-%s o_mau_%s" role="alert">%s%s</div>') % (
            level,
            key,
            title,
            _items(entries),
        )

    def section(key, entries):
        if not entries:
            return Markup()
        return Markup('<h5 class="o_mau_%s">%s</h5>') % (key, say(f"heading-{key}")) + _items(entries)

    html = box(
        "danger",
        "blocking",
        [Markup("<code>%s</code> %s") % upgrade_plan.blocking_line(p, translate) for p in plan["blocking"]],
    )
    html += box(
        "warning",
        "warnings",
        [Markup("<strong>%s</strong> %s") % (w["module"], say(w["code"], **w["params"])) for w in plan["warnings"]],
    )
    html += box("info", "info", [say(i["code"], **i["params"]) for i in plan.get("info", ())])

    changed = []
    for entry in plan["changed"]:
        line = Markup("<strong>%s</strong> (%s)") % (entry["module"], upgrade_plan.change_reason(entry, translate))
        paths = [Markup("<code>%s %s</code>") % marked for marked in upgrade_plan.marked_files(entry["files"])]
        changed.append(line + _items(paths))
    html += section("changed", changed)
    for key, entries in upgrade_plan.brought_in(plan, translate):
        html += section(key, [Markup("<strong>%s</strong> (%s)") % entry for entry in entries])
    migrations = []
    for entry in plan["migrations"]:
        line = Markup("<strong>%s</strong> %s → %s") % (entry["module"], entry["from"] or "-", entry["to"])
        scripts = [Markup("<code>%s %s %s</code>") % (s["stage"], s["version"], s["path"]) for s in entry["scripts"]]
        migrations.append(line + _items(scripts))
    html += section("migrations", migrations)
    return html


def _table(head, rows):
    cells = Markup().join(Markup("<th>%s</th>") % cell for cell in head)
    body = Markup().join(
        Markup("<tr>%s</tr>") % Markup().join(Markup("<td>%s</td>") % cell for cell in row) for row in rows
    )
    return Markup('<table class="table table-sm o_mau_table"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>') % (
        cells,
        body,
    )


def rehearsal_html(outcome, translate):
    """A rehearsal's ``Result`` (``as_dict()``, as the wizard keeps it) as HTML: how it ended, then what the
    upgrade did (``core.rehearsal.report``)."""
    _ = translate
    if outcome["result"] == results.REHEARSED:
        message = _(
            "Rehearsed: the upgrade succeeded in %(seconds).1f s and was rolled back. Nothing was saved.",
            seconds=outcome["duration"],
        )
        html = Markup('<div class="alert alert-success o_mau_rehearsal_result" role="alert">%s</div>') % message
    elif outcome["result"] == results.NOTHING_TO_DO:
        html = Markup('<div class="alert alert-info o_mau_rehearsal_result" role="alert">%s</div>') % _(
            "Rehearsed: there was nothing to upgrade."
        )
    else:
        message = _(
            "The rehearsal failed, so the upgrade would fail too. Nothing was saved. %(error)s",
            error=outcome["error"] or "",
        )
        html = Markup('<div class="alert alert-danger o_mau_rehearsal_result" role="alert">%s</div>') % message
    if outcome.get("restart_addons"):
        level = "warning" if outcome.get("restart_needed") else "info"
        text = upgrade_plan.restart_text(
            outcome["restart_addons"], outcome.get("restart_processes"), outcome["result"] == results.REHEARSED
        )
        html += Markup('<div class="alert alert-%s o_mau_restart">%s</div>') % (level, text)
    report = outcome.get("rehearsal")
    if not report:
        return html

    def section(title, content):
        return Markup("<h5>%s</h5>%s") % (title, content) if content else Markup()

    steps = [
        (
            addon["module"],
            f"{addon['seconds']:.2f}",
            _items(
                [f"{s['stage']}-migration {s['version']} {s['file']} ({s['seconds']:.2f} s)" for s in addon["scripts"]]
                + addon["hooks"]
            ),
        )
        for addon in report["addons"]
    ]
    html += section(
        _("Addons, in load order"), steps and _table((_("Addon"), _("Seconds"), _("Scripts and hooks")), steps)
    )
    html += section(_("Exclusive locks held"), outcome.get("locks") and watcher.held_text(outcome["locks"]))
    changes = [
        Markup("<code>%s</code> %s%s")
        % (
            change["change"],
            f"{change['table']}.{change['name']}" if change["name"] else change["table"],
            f" ({change['detail']})" if change["detail"] else "",
        )
        for change in report["schema"]
    ]
    html += section(_("Schema changes"), _items(changes) if changes else _("None"))
    data, own = rehearsal.split_rows(report["rows"])
    rows = [(row["table"], row["inserted"], row["updated"], row["deleted"]) for row in data]
    if own:
        label = _("Odoo's own records (%(tables)s tables: ir_*, module_auto_update_*)", tables=own["tables"])
        rows.append((label, own["inserted"], own["updated"], own["deleted"]))
    html += section(_("Rows written"), rows and _table((_("Table"), _("Inserted"), _("Updated"), _("Deleted")), rows))
    return html


class ModuleAutoUpdateWizard(models.TransientModel):
    _name = "module.auto.update.wizard"
    _description = "Auto-upgrade plan and confirmation"

    plan = fields.Json("Plan data", readonly=True)
    summary = fields.Char(compute="_compute_display", readonly=True)
    plan_html = fields.Html("Plan", compute="_compute_display", sanitize=False, readonly=True)
    is_empty = fields.Boolean(compute="_compute_display")
    has_warnings = fields.Boolean(compute="_compute_display")
    is_blocked = fields.Boolean(compute="_compute_display")
    first_run = fields.Boolean(compute="_compute_display")
    rehearsal = fields.Json("Rehearsal data", readonly=True)
    rehearsal_html = fields.Html("Rehearsal", compute="_compute_display", sanitize=False, readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "plan" in fields_list:
            values["plan"] = self.env["ir.module.module"].get_upgrade_plan()
        return values

    @api.depends("plan", "rehearsal")
    def _compute_display(self):
        translate = series.translator(self.env)
        for wizard in self:
            wizard.rehearsal_html = wizard.rehearsal and rehearsal_html(wizard.rehearsal, translate)
            plan = wizard.plan
            wizard.summary = plan and upgrade_plan.summary_text(plan["summary"]["parts"], translate)
            wizard.plan_html = plan and plan_html(plan, translate)
            wizard.is_empty = not plan or upgrade_plan.is_empty(plan)
            wizard.has_warnings = bool(plan and plan["warnings"])
            wizard.is_blocked = bool(plan and plan["blocking"])
            wizard.first_run = bool(plan and plan.get("first_run") and plan["changed"])

    @api.model
    def action_open(self):
        """The window action of a new wizard, its plan computed now."""
        return self.create({})._action_show()

    def _action_show(self):
        """The window action that shows this wizard."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Auto-Upgrade Modules"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("module_auto_update.module_auto_update_wizard_view_form").id, "form")],
            "target": "new",
        }

    def action_upgrade(self):
        self.ensure_one()
        return self.env["ir.module.module"].upgrade_changed_checksum(trigger=results.MENU)

    def action_rehearse(self):
        """Run the upgrade and roll it back; show the wizard again, with the report."""
        self.ensure_one()
        outcome = self.env["ir.module.module"].rehearse_upgrade(trigger=results.MENU)
        self.rehearsal = dict(outcome.as_dict(), plan=None)  # the plan is the wizard's own
        return self._action_show()

    def action_record_current_state(self):
        """First run: take the code on disk as what the database already has."""
        self.ensure_one()
        self.env["ir.module.module"].record_current_state(trigger=results.MENU)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Auto-Upgrade Modules"),
                "message": _("The current fingerprints are recorded: only later changes will be upgraded."),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
