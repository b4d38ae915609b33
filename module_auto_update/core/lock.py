# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One upgrade at a time per database, across processes and hosts.

A PostgreSQL session-level advisory lock: it survives the commits an upgrade
makes and vanishes with the connection if the process dies. The key is the
one click-odoo-update takes, so that our runs and its runs exclude each other
too.
"""

import hashlib
import logging
import time
from contextlib import contextmanager

_logger = logging.getLogger(__name__)


class LockBusyError(RuntimeError):
    """Another run holds the upgrade lock of this database."""


def lock_key(dbname):
    return int(hashlib.sha1(f"click-odoo-update/{dbname}".encode()).hexdigest()[:14], 16)


def acquire(cr, dbname, timeout=0.0, poll=0.2):
    """Take the lock on ``cr``'s connection, waiting up to ``timeout`` seconds.

    Polls ``pg_try_advisory_lock`` rather than blocking in
    ``pg_advisory_lock`` so that the wait is bounded whatever the
    connection's ``lock_timeout`` is, and so that no transaction is held
    open while waiting.
    """
    deadline = time.monotonic() + max(timeout, 0.0)
    key = lock_key(dbname)
    while True:
        cr.execute("SELECT pg_try_advisory_lock(%s::bigint)", (key,))
        if cr.fetchone()[0]:
            return key
        if time.monotonic() >= deadline:
            raise LockBusyError(
                f"An upgrade of database {dbname!r} is already running (waited {timeout:g} s for it to finish)."
            )
        time.sleep(poll)


def release(cr, dbname):
    cr.execute("SELECT pg_advisory_unlock(%s::bigint)", (lock_key(dbname),))


@contextmanager
def held(cr, dbname, timeout=0.0):
    """The upgrade lock of ``dbname`` on ``cr``'s connection for the block.

    Raises LockBusyError before the block when another run holds it past
    ``timeout``. The block must leave ``cr``'s transaction usable (committed
    or rolled back), so that the lock can be released; when it raises and
    the release fails too (the connection is gone, and the lock with it),
    the block's exception is the one that propagates.
    """
    acquire(cr, dbname, timeout)
    try:
        yield
    except BaseException:
        try:
            release(cr, dbname)
        except Exception as exc:  # noqa: BLE001
            _logger.debug("Upgrade lock of %s not released (%s): it goes with the connection.", dbname, exc)
        raise
    release(cr, dbname)
