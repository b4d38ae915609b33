# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Auto-Upgrade Modules wizard: the plan first, then the upgrade if confirmed."""

from markupsafe import Markup

from odoo import api, fields, models

from ..core import plan as upgrade_plan

FILE_MARKS = (("added", "+"), ("removed", "−"), ("modified", "~"))


def _items(entries):
    return Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % entry for entry in entries)


def _section(title, entries):
    if not entries:
        return Markup()
    return Markup("<h5>%s</h5>") % title + _items(entries)


def plan_html(plan):
    """The plan as HTML: warnings in an alert box, then changed, cascade, to install, migrations."""
    alerts = [Markup("<strong>%s</strong>") % sentence for sentence in plan["blocking"]]
    alerts += [Markup("<strong>%s</strong> [%s] %s") % (w["module"], w["kind"], w["detail"]) for w in plan["warnings"]]
    html = Markup()
    if alerts:
        level = "danger" if plan["blocking"] else "warning"
        html += Markup('<div class="alert alert-%s" role="alert">%s</div>') % (level, _items(alerts))

    changed = []
    for entry in plan["changed"]:
        line = Markup("<strong>%s</strong> (%s)") % (entry["module"], entry["reason"])
        files = entry["files"]
        if files:
            paths = [Markup("<code>%s %s</code>") % (mark, path) for kind, mark in FILE_MARKS for path in files[kind]]
            line += _items(paths) if paths else Markup()
        changed.append(line)
    html += _section("Changed", changed)
    html += _section(
        "Upgraded as dependents",
        [
            Markup("<strong>%s</strong> (because of %s)") % (e["module"], ", ".join(e["because_of"]))
            for e in plan["cascade"]
        ],
    )
    html += _section(
        "To install",
        [
            Markup("<strong>%s</strong> (required by %s)") % (e["module"], ", ".join(e["required_by"]))
            for e in plan["to_install"]
        ],
    )
    migrations = []
    for entry in plan["migrations"]:
        line = Markup("<strong>%s</strong> %s → %s") % (entry["module"], entry["from"] or "-", entry["to"])
        scripts = [Markup("<code>%s %s %s</code>") % (s["stage"], s["version"], s["path"]) for s in entry["scripts"]]
        migrations.append(line + (_items(scripts) if scripts else Markup()))
    html += _section("Migrations", migrations)
    return html


class ModuleAutoUpdateWizard(models.TransientModel):
    _name = "module.auto.update.wizard"
    _description = "Auto-upgrade plan and confirmation"

    plan = fields.Json("Plan data", readonly=True)
    summary = fields.Char(compute="_compute_display", readonly=True)
    plan_html = fields.Html("Plan", compute="_compute_display", sanitize=False, readonly=True)
    is_empty = fields.Boolean(compute="_compute_display")
    has_warnings = fields.Boolean(compute="_compute_display")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "plan" in fields_list:
            values["plan"] = self.env["ir.module.module"].get_upgrade_plan()
        return values

    @api.depends("plan")
    def _compute_display(self):
        for wizard in self:
            plan = wizard.plan
            wizard.summary = plan and plan["summary"]["text"]
            wizard.plan_html = plan and plan_html(plan)
            wizard.is_empty = not plan or upgrade_plan.is_empty(plan)
            wizard.has_warnings = bool(plan and (plan["warnings"] or plan["blocking"]))

    @api.model
    def action_open(self):
        """The window action of a new wizard, its plan computed now."""
        wizard = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": "Auto-Upgrade Modules",
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(self.env.ref("module_auto_update.module_auto_update_wizard_view_form").id, "form")],
            "target": "new",
        }

    def action_upgrade(self):
        self.ensure_one()
        return self.env["ir.module.module"].upgrade_changed_checksum(trigger="menu")
