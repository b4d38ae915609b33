/** @odoo-module **/
import { registry } from "@web/core/registry";
import { session } from "@web/session";

// A JSON-RPC call of the web client's routes, the same on every series (17.0 has no @web/core/network/rpc).
async function rpc(route, params) {
    const response = await fetch(route, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", id: Date.now(), params }),
    });
    const answer = await response.json();
    if (answer.error) {
        throw new Error(JSON.stringify(answer.error));
    }
    return answer.result;
}

// The one difference of tour runners the tours meet: 17.0's clicks the trigger of a step that has
// no ``run`` (18.0's only waits for it), and looks for triggers inside the open dialog only, unless
// ``in_modal`` is false (18.0's looks in the whole page, and refuses keys its step schema lacks).
const CLICKS_AND_SCOPES_TO_DIALOGS = session.server_version_info[0] < 18;

// Registers a tour whose steps are written for 18.0's runner.
function tour(name, steps) {
    const adapted = (step) => (CLICKS_AND_SCOPES_TO_DIALOGS ? { run: () => {}, in_modal: false, ...step } : step);
    registry.category("web_tour.tours").add(name, { steps: () => steps().map(adapted) });
}

// The notification of a success that says ``text``: a coloured bar on 18.0 and later, a border on 17.0.
function success(text) {
    return (
        `.o_notification:has(.o_notification_bar.bg-success):contains(${text}), ` +
        `.o_notification.border-success:contains(${text})`
    );
}

const MENU = "[data-menu-xmlid='module_auto_update.menu_upgrade_changed_checksum']";
const APPS = "[data-menu-xmlid='base.menu_management']";
const DIALOG = ".modal .o_form_view";
const UPGRADE = ".modal .modal-footer button[name=action_upgrade]";

// test_ui.py saves a screenshot of the page when a step logs this.
function screenshot(name) {
    return {
        content: `screenshot ${name}`,
        trigger: "body",
        run: async () => {
            console.log(`mau-screenshot:${name}`);
            // Leave the page as it is while the browser captures it.
            await new Promise((resolve) => setTimeout(resolve, 1000));
        },
    };
}

function openApps() {
    return [
        { content: "open the apps menu", trigger: ".o_navbar_apps_menu button", run: "click" },
        { content: "open Apps", trigger: `.o_app${APPS}`, run: "click" },
        { content: "Apps is loaded", trigger: ".o_main_navbar [data-menu-xmlid='base.menu_apps']" },
    ];
}

tour("module_auto_update_upgrade", () => [
    ...openApps(),
    { content: "open Auto-Upgrade Modules", trigger: `.o_main_navbar ${MENU}`, run: "click" },
    {
        content: "the plan names the changed addon and why",
        trigger: `${DIALOG} .o_field_widget[name=plan_html]:contains(module_auto_update):contains(changed)`,
    },
    { content: "the plan has its summary", trigger: `${DIALOG} .o_field_widget[name=summary]` },
    screenshot("wizard_plan"),
    {
        // An upgrade cannot run inside the test's transaction (Odoo
        // commits and builds a new registry), so the change is recorded
        // meanwhile, as click-odoo-update would do it in the legacy
        // parameter: Upgrade then takes the real "nothing changed" path.
        content: "another tool records the change while the plan is shown",
        trigger: UPGRADE,
        run: async () => {
            const kwargs = { context: {} };
            const call = (method, args) =>
                rpc(`/web/dataset/call_kw/ir.config_parameter/${method}`, {
                    model: "ir.config_parameter",
                    method,
                    args,
                    kwargs,
                });
            const upToDate = await call("get_param", ["module_auto_update.test_ui_up_to_date"]);
            await call("set_param", ["module_auto_update.installed_checksums", upToDate]);
        },
    },
    { content: "click Upgrade", trigger: UPGRADE, run: "click" },
    {
        content: "the success notification says what was done",
        trigger: success("Nothing to upgrade"),
    },
    screenshot("upgrade_notification"),
]);

tour("module_auto_update_no_debug", () => [
    ...openApps(),
    {
        content: "without developer mode the menu is absent",
        trigger: `.o_main_navbar:not(:has(${MENU}))`,
    },
]);

tour("module_auto_update_not_admin", () => [
    { content: "the apps menu is loaded", trigger: ".o_navbar_apps_menu button", run: "click" },
    {
        content: "a non-administrator has no Apps, so no Auto-Upgrade Modules",
        trigger: `.o-dropdown--menu:not(:has(${APPS}))`,
    },
    { content: "nor the menu anywhere", trigger: `body:not(:has(${MENU}))` },
]);

// test_ui.py makes Odoo's upgrade fail: the error is Odoo's warning dialog.
tour("module_auto_update_failure", () => [
    ...openApps(),
    { content: "open Auto-Upgrade Modules", trigger: `.o_main_navbar ${MENU}`, run: "click" },
    { content: "click Upgrade", trigger: UPGRADE, run: "click" },
    {
        content: "a warning dialog names the addon, the stage and what became of the database",
        trigger:
            ".modal:has(.modal-title:contains(Odoo Warning))" +
            ":contains(the tour upgrade fails):contains(left as it was)",
    },
    { content: "never the crash dialog", trigger: "body:not(:has(.modal:contains(Oops)))" },
    screenshot("upgrade_failure_dialog"),
]);

const NO_CRASH = { content: "never the crash dialog", trigger: "body:not(:has(.modal:contains(Oops)))" };

function openWizard() {
    return [
        ...openApps(),
        { content: "open Auto-Upgrade Modules", trigger: `.o_main_navbar ${MENU}`, run: "click" },
        { content: "the plan is shown", trigger: `${DIALOG} .o_field_widget[name=summary]` },
    ];
}

// test_ui.py breaks a data file of a changed addon: named in red, no Upgrade.
tour("module_auto_update_blocked", () => [
    ...openWizard(),
    {
        content: "the blocking problem names the file and the line",
        trigger: `${DIALOG} .alert-danger.o_mau_blocking:contains(views/menus.xml:):contains(Not well-formed XML)`,
    },
    { content: "no Upgrade button", trigger: `.modal .modal-footer:not(:has(button[name=action_upgrade]:visible))` },
    NO_CRASH,
    screenshot("wizard_blocked"),
]);

// test_ui.py installs an addon that exists only in the database (as Studio's does).
tour("module_auto_update_missing_code", () => [
    ...openWizard(),
    {
        content: "the addon without code is listed as information",
        trigger: `${DIALOG} .alert-info.o_mau_info:contains(studio_customization is installed but has no code)`,
    },
    { content: "the summary says it is left alone", trigger: `${DIALOG}:contains(1 left as they are)` },
    NO_CRASH,
    screenshot("wizard_missing_code"),
]);

// test_ui.py forgets every fingerprint: the first run offers both choices.
tour("module_auto_update_first_run", () => [
    ...openWizard(),
    {
        content: "the wizard says nothing is recorded yet",
        trigger: `${DIALOG} .o_mau_info:contains(No fingerprint is recorded yet)`,
    },
    { content: "Upgrade everything is offered", trigger: ".modal-footer button:contains(Upgrade everything)" },
    screenshot("wizard_first_run"),
    { content: "record the current state", trigger: ".modal-footer button:contains(Record the current state)", run: "click" },
    { content: "confirm", trigger: ".modal:contains(Nothing is upgraded now) .modal-footer .btn-primary", run: "click" },
    {
        content: "the notification says what was done",
        trigger: success("current fingerprints are recorded"),
    },
    NO_CRASH,
    screenshot("first_run_recorded"),
]);

// test_ui.py lets the upgrade run without loading anything (a real load
// cannot run in the test's transaction): the client reloads, then says what
// was upgraded.
tour("module_auto_update_upgraded", () => [
    ...openWizard(),
    {
        content: "the plan names the changed addon",
        trigger: `${DIALOG} .o_field_widget[name=plan_html]:contains(module_auto_update):contains(changed)`,
    },
    { content: "click Upgrade: the client reloads", trigger: UPGRADE, run: "click", expectUnloadPage: true },
    {
        content: "after the reload, the notification says what was upgraded",
        trigger: success("Upgraded: module_auto_update"),
    },
    { content: "the dialog is gone", trigger: "body:not(:has(.modal .o_form_view))" },
    NO_CRASH,
    screenshot("upgraded_notification_after_reload"),
]);

// test_ui.py makes this process's imported Python of a changed addon differ
// from the disk: the plan says the upgrade would be refused, and what to do.
tour("module_auto_update_python_changed", () => [
    ...openWizard(),
    {
        content: "the plan names the file and says why the upgrade would be refused",
        trigger:
            `${DIALOG} .alert-danger.o_mau_blocking:contains(module_auto_update/models/ir_module_module.py)` +
            ":contains(changed after this Odoo process imported it)",
    },
    { content: "and what to do instead", trigger: `${DIALOG} .o_mau_blocking:contains(Restart Odoo):contains(odoo-bin auto-upgrade)` },
    { content: "no Upgrade button", trigger: `.modal .modal-footer:not(:has(button[name=action_upgrade]:visible))` },
    NO_CRASH,
    screenshot("wizard_python_changed"),
]);

// test_ui.py fills the history and opens it at 1280 px: every column fits.
tour("module_auto_update_history", () => [
    { content: "the history is listed", trigger: ".o_list_view .o_data_row:contains(Scheduled action)" },
    {
        content: "folded runs show their count",
        trigger: ".o_list_view .o_data_row:contains(Scheduled action) td[name=run_count]:contains(24)",
    },
    {
        content: "a failed run shows its error, on one line and shortened",
        trigger:
            ".o_list_view .o_data_row:contains(Failed) td[name=error_summary]" +
            ":contains(The upgrade did not start: it would fail on these problems.):contains(…)",
    },
    {
        content: "a run that did not fail has no error",
        trigger: ".o_list_view .o_data_row:contains(Done) td[name=error_summary]",
        run: () => {
            const cell = document.querySelector(".o_list_view .o_data_row td[name=error_summary]");
            const done = [...document.querySelectorAll(".o_list_view .o_data_row")].find((row) =>
                row.textContent.includes("Done")
            );
            const text = done.querySelector("td[name=error_summary]").textContent.trim();
            if (!cell || text) {
                throw new Error(`a done run shows an error: "${text}"`);
            }
        },
    },
    {
        content: "the table fits the window: no column cut",
        trigger: ".o_list_view .o_list_table",
        run: () => {
            const table = document.querySelector(".o_list_view .o_list_table");
            const renderer = document.querySelector(".o_list_renderer");
            if (table.scrollWidth > renderer.clientWidth + 1 || window.innerWidth > 1300) {
                throw new Error(`table ${table.scrollWidth}px in ${renderer.clientWidth}px, window ${window.innerWidth}px`);
            }
            for (const cell of document.querySelectorAll("td[name=trigger], td[name=result]")) {
                if (cell.scrollWidth > cell.clientWidth) {
                    throw new Error(`"${cell.textContent}" is cut`);
                }
            }
        },
    },
    NO_CRASH,
    screenshot("history_1280"),
]);

// test_ui.py stands in for Odoo's loader with one that adds a column to
// res_partner and updates partners: the rehearsal reports both, then rolls back.
tour("module_auto_update_rehearse", () => [
    ...openWizard(),
    { content: "click Rehearse", trigger: ".modal .modal-footer button[name=action_rehearse]", run: "click" },
    {
        content: "before it starts: it holds the same locks as the upgrade",
        trigger: ".modal:has(.modal-body:contains(holds the same locks)) .modal-footer .btn-primary",
        run: "click",
    },
    {
        content: "the rehearsal succeeded and was rolled back",
        trigger: `${DIALOG} .o_mau_rehearsal_result.alert-success:contains(rolled back)`,
    },
    {
        content: "the report names the new column and the rows written",
        trigger:
            `${DIALOG} .o_field_widget[name=rehearsal_html]` +
            ":contains(column added):contains(res_partner.x_mau_rehearsal)",
    },
    { content: "the rows of res_partner", trigger: `${DIALOG} .o_mau_table td:contains(res_partner)` },
    NO_CRASH,
    screenshot("wizard_rehearsal"),
]);
