# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The per-database upgrade lock, on a real PostgreSQL and a real Odoo run."""

import time

import odoo_env
import pytest

from module_auto_update.core import lock


def test_second_holder_waits_then_is_refused(template_db):
    first, second = odoo_env.pg_connect(template_db), odoo_env.pg_connect(template_db)
    try:
        with first.cursor() as a, second.cursor() as b:
            lock.acquire(a, template_db)
            start = time.monotonic()
            with pytest.raises(lock.LockBusyError, match="already running"):
                lock.acquire(b, template_db, timeout=0.6, poll=0.1)
            assert time.monotonic() - start >= 0.6
            # another database's lock is independent
            lock.acquire(b, template_db + "_other")
            lock.release(a, template_db)
            lock.acquire(b, template_db)
            lock.release(b, template_db)
    finally:
        first.close()
        second.close()


def test_run_reports_busy_while_another_holds_the_lock(db):
    db.shell('env["ir.module.module"]._save_installed_checksums(); env.cr.commit()')
    (db.addon("mau_sample_c") / "README.rst").write_text("changed\n")
    holder = odoo_env.pg_connect(db.name)
    try:
        with holder.cursor() as cr:
            lock.acquire(cr, db.name)
            out = db.shell(
                "try:\n"
                '    env["ir.module.module"].upgrade_changed_checksum()\n'
                '    result("ran")\n'
                "except Exception as exc:\n"
                "    result(str(exc))\n"
            )
            assert "already running" in out
            assert not db.sql("SELECT 1 FROM module_auto_update_checksum WHERE upgraded_at IS NOT NULL")
    finally:
        holder.close()
    out = db.shell('result(env["ir.module.module"].upgrade_changed_checksum()["params"]["message"])')
    assert "mau_sample_c" in out
