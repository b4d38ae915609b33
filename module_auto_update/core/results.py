# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How one auto-upgrade run of one database ended (``Result``), and the words for it.

Every entry point (the Apps button and the wizard, ``upgrade_changed_checksum()``,
the scheduled action, ``odoo-bin auto-upgrade``, the quick start, the upgrade
on start) reports a ``Result`` with these words, and the run history stores
them with what started the run (``TRIGGERS``).
"""

import dataclasses
from dataclasses import dataclass, field

# What started a run, as the history stores it.
MENU = "menu"
SHELL = "shell"
SCHEDULED_ACTION = "scheduled action"
COMMAND_LINE = "command line"
SERVER_START = "server start"
TRIGGERS = (MENU, SHELL, SCHEDULED_ACTION, COMMAND_LINE, SERVER_START)

# How it ended.

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
# --strict: the plan has warnings, so the upgrade did not start (a check, a dry run: would not; a
# rehearsal ran, and says so with its report).
WARNED = "warned"
NOT_MANAGED = "not managed"
# --check: something is to be upgraded (nothing was changed).
UPGRADE_NEEDED = "upgrade needed"
# The command line's word for a run that left an installed addon without code alone (exit code 6):
# what it did otherwise (done, nothing to do) is in its other fields. Never in the history.
CODE_MISSING = "code missing"

# The outcomes a run leaves in the history (the others change nothing worth a row).
RECORDED = (NOTHING_TO_DO, DONE, INCOMPLETE, FAILED, BUSY, HASHES_RECORDED, REHEARSED, BLOCKED, WARNED)
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
    WARNED,
)


@dataclass
class Result:
    """One run of one database, as every entry point reports it and the history records it.

    ``result`` is one of the words above; ``plan`` the plan the run made
    (``core.plan``), if any; ``upgraded`` the addons Odoo upgraded or
    installed; ``error`` what went wrong, in words; ``attempts`` how many
    times the upgrade's transaction ran; ``locks`` the tables the run held
    locked against writers (``core.watcher``); ``restart_addons`` the
    upgraded addons whose Python code changed, ``restart_processes`` the Odoo
    processes connected to the database after the run (``stored.odoo_processes``:
    ``pid``, ``application``, ``host``, ``connections``), and
    ``restart_needed`` whether there are both, so that running Odoo processes
    still run old Python code (a rehearsal: would); ``restart_processes`` is None
    when they were not read; ``rehearsal`` a rehearsal's report
    (``core.rehearsal``); ``after_commit`` what did not happen after the upgrade
    committed (post-commit work, the signal to other processes, the history
    row), in words: the result stays ``done``. Its ``as_dict()`` is the JSON
    of the command line.
    """

    database: str
    result: str = None
    plan: dict = None
    upgraded: list = field(default_factory=list)
    error: str = None
    duration: float = 0.0
    attempts: int = 0
    locks: list = field(default_factory=list)
    restart_needed: bool = False
    restart_addons: list = field(default_factory=list)
    restart_processes: list = None
    rehearsal: dict = None
    after_commit: list = field(default_factory=list)

    def update(self, values=None, **more):
        """Set the fields named in ``values`` (a dict) and ``more``, as a step of the run learns them."""
        for name, value in {**(values or {}), **more}.items():
            if name not in _FIELDS:
                raise TypeError(f"a Result has no field {name!r}")
            setattr(self, name, value)

    def as_dict(self):
        return dataclasses.asdict(self)


_FIELDS = {item.name for item in dataclasses.fields(Result)}
