/** @odoo-module **/
/* Copyright 2026 module_auto_update developers
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
/**
 * The notification of an upgrade, shown again after the reload that follows it.
 *
 * After an upgrade the web client reloads (menus and views may have changed),
 * which removes every notification on the page. The client action
 * ``module_auto_update.reload`` keeps the notification of its params in this
 * tab's session storage, then reloads; when the web client starts again, the
 * service below shows it once and forgets it.
 */
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";

export const STORAGE_KEY = "module_auto_update.notification";

function reloadWithNotification(env, action) {
    const notification = action.params && action.params.notification;
    if (notification) {
        browser.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(notification));
    }
    return { type: "ir.actions.client", tag: "reload" };
}

registry.category("actions").add("module_auto_update.reload", reloadWithNotification);

export const upgradeNotificationService = {
    dependencies: ["notification"],
    start(env, { notification }) {
        const kept = browser.sessionStorage.getItem(STORAGE_KEY);
        if (!kept) {
            return;
        }
        browser.sessionStorage.removeItem(STORAGE_KEY);
        let params;
        try {
            params = JSON.parse(kept);
        } catch {
            return;
        }
        const { message, title, type, sticky } = params;
        notification.add(message, { title, type: type || "info", sticky: Boolean(sticky) });
    },
};

registry.category("services").add("module_auto_update_notification", upgradeNotificationService);
