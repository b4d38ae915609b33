# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How one auto-upgrade run of one database ended: one word per outcome.

Every entry point (the Apps button and the wizard, ``upgrade_changed_checksum()``,
the scheduled action, ``odoo-bin auto-upgrade``, the quick start, the upgrade
on start) reports with these words, and the run history stores them.
"""

NOTHING_TO_DO = "nothing to do"
DONE = "done"
# The upgrade ran but left addons pending: rolled back like a failure.
INCOMPLETE = "incomplete"
FAILED = "failed"
# Another run held the database's upgrade lock: this one did not start.
BUSY = "busy"
MISSING = "missing"
# The database exists but Odoo never created its tables in it: nothing was read or run.
NOT_ODOO = "not an Odoo database"
DRY_RUN = "dry run"
# A rehearsal (--rehearse): the upgrade ran to its end and was rolled back.
REHEARSED = "rehearsed"
# A rehearsal whose plan has blocking problems: it did not start.
BLOCKED = "blocked"
HASHES_RECORDED = "hashes recorded"
NOT_MANAGED = "not managed"
# --check: something is to be upgraded (nothing was changed).
UPGRADE_NEEDED = "upgrade needed"

# The outcomes a run leaves in the history (the others change nothing worth a row).
RECORDED = (NOTHING_TO_DO, DONE, INCOMPLETE, FAILED, BUSY, HASHES_RECORDED, REHEARSED, BLOCKED)
# The outcomes that leave the database exactly as it was before the run.
UNCHANGED = (
    NOTHING_TO_DO,
    INCOMPLETE,
    FAILED,
    BUSY,
    MISSING,
    NOT_ODOO,
    DRY_RUN,
    NOT_MANAGED,
    UPGRADE_NEEDED,
    REHEARSED,
    BLOCKED,
)
