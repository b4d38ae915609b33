# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may run the auto-upgrade: administrators only, over every door, and it shows.

A real server (loopback only) on a database where sample C changed: an
internal user and a portal user call every public method of the addon over
XML-RPC and JSON-RPC; each call is refused, nothing changes, and the server
log names the user. Then the administrator does the same call and upgrades,
so that the refusals are proven to be refusals. (Which menus each user sees:
module_auto_update/tests/test_checksums.py.)
"""

import xmlrpc.client

import odoo_env
import pytest

XMLRPC_ACCESS_ERROR = 4  # the fault code /xmlrpc/2 gives an AccessError (odoo/addons/base/controllers/rpc.py)
SETUP = """
Users = env["res.users"].with_context(no_reset_password=True)
for login, group in (("clerk", "base.group_user"), ("visitor", "base.group_portal")):
    Users.create({"name": login, "login": login, "password": login + "-pw", "groups_id": [(6, 0, [env.ref(group).id])]})
env.cr.commit()
Model = type(env["ir.module.module"])
ours = [c for c in Model.__mro__ if c.__module__.startswith("odoo.addons.module_auto_update.")]
methods = sorted({n for c in ours for n, v in vars(c).items() if callable(v) and not n.startswith("_")})
result({"methods": methods})
"""


@pytest.fixture
def changed_db(recorded_db):
    (recorded_db.addon("mau_sample_c") / "README.rst").write_text("changed\n")
    return recorded_db


def state(db):
    return (
        db.saved(),
        db.pending(),
        db.sql("SELECT name FROM module_auto_update_checksum WHERE upgraded_at IS NOT NULL"),
    )


def test_only_administrators_run_it(changed_db, tmp_path):
    db = changed_db
    setup = db.shell(SETUP)
    assert "upgrade_changed_checksum" in setup["methods"], setup

    before = state(db)
    log = tmp_path / "server.log"
    with odoo_env.serve(db.odoo, db.name, log, addons=[db.addons_dir]) as url:
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        objects = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
        for login in ("clerk", "visitor"):
            password = login + "-pw"
            uid = common.login(db.name, login, password)
            assert uid, login
            for method in setup["methods"]:
                call = (db.name, uid, password, "ir.module.module", method, [])
                with pytest.raises(xmlrpc.client.Fault) as refused:
                    objects.execute_kw(*call)
                assert refused.value.faultCode == XMLRPC_ACCESS_ERROR, refused.value
                answer = odoo_env.jsonrpc(url, "object", "execute_kw", *call)
                assert answer.get("error", {}).get("data", {}).get("name") == "odoo.exceptions.AccessError", answer
            # the doors Odoo itself keeps: the server action behind the menu, the scheduled action
            for model, xmlid, method in (
                ("ir.actions.server", "action_upgrade_changed_checksum", "run"),
                ("ir.cron", "cron_upgrade_changed_checksum", "method_direct_trigger"),
            ):
                (res_id,) = db.sql(
                    "SELECT res_id FROM ir_model_data WHERE module = 'module_auto_update' AND name = %s", (xmlid,)
                )[0]
                answer = odoo_env.jsonrpc(
                    url, "object", "execute_kw", db.name, uid, password, model, method, [[res_id]]
                )
                assert answer.get("error", {}).get("data", {}).get("name") == "odoo.exceptions.AccessError", answer
        assert state(db) == before, "a refused call changed something"

        # the administrator, through the same door, upgrades the changed addon
        admin = common.login(db.name, "admin", "admin")
        answer = odoo_env.jsonrpc(
            url, "object", "execute_kw", db.name, admin, "admin", "ir.module.module", "upgrade_changed_checksum", []
        )
        assert answer["result"]["params"]["message"] == "Upgraded: mau_sample_c", answer
    text = log.read_text()
    for login in ("clerk", "visitor"):
        lines = [
            line for line in text.splitlines() if " WARNING " in line and "refused" in line and f"user {login}" in line
        ]
        assert len(lines) == 2 * len(setup["methods"]), (login, lines)  # one per call, each protocol
    assert state(db) != before
