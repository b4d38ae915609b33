# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What Odoo's loader did during a run, addon by addon: for a rehearsal's report.

``observing()`` watches the running thread only, for the block:

- each addon the loader upgraded or installed, in load order, with its
  seconds, from the loader's own ``Module X loaded in N s`` record
  (``odoo/modules/loading.py`` logs it at INFO for every addon it updates);
- each migration script that ran (``series.migration_scripts``):
  stage, version, file, seconds;
- the hooks of the addons it installed (Odoo runs ``pre_init_hook`` and
  ``post_init_hook`` on install only).

Other threads and processes are left alone, and the log says what it said.
"""

import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from odoo.modules.module import get_manifest

from . import series

LOADING_LOGGER = "odoo.modules.loading"
LOADED = "Module %s loaded in"


class LoadReport:
    """The addons, scripts and seconds seen so far; ``addons(installed_before)`` reports them."""

    def __init__(self):
        self.seconds = {}  # addon -> seconds, in load order
        self.scripts = {}  # addon -> [script]

    def addons(self, installed_before):
        """``[{"module", "seconds", "scripts", "hooks"}]`` in load order; hooks of the addons
        not in ``installed_before`` (installed by the run)."""
        names = list(dict.fromkeys([*self.seconds, *self.scripts]))
        return [
            {
                "module": name,
                "seconds": round(self.seconds.get(name, 0.0), 3),
                "scripts": self.scripts.get(name, []),
                "hooks": [] if name in installed_before else _install_hooks(name),
            }
            for name in names
        ]


def _install_hooks(name):
    manifest = get_manifest(name) or {}
    return [f"{key} {manifest[key]}" for key in ("pre_init_hook", "post_init_hook") if manifest.get(key)]


class _Loaded(logging.Filter):
    """Takes each addon's seconds from the loader's record; lets through what the log level shows."""

    def __init__(self, report, ident, shown_level):
        super().__init__()
        self.report, self.ident, self.shown_level = report, ident, shown_level

    def filter(self, record):
        if record.thread == self.ident and isinstance(record.msg, str) and record.msg.startswith(LOADED):
            name, seconds = record.args[0], float(record.args[1])
            self.report.seconds[name] = self.report.seconds.get(name, 0.0) + seconds
        return record.levelno >= self.shown_level


@contextmanager
def observing():
    """Yield a ``LoadReport`` filled while the block runs, in this thread."""
    report, ident = LoadReport(), threading.get_ident()
    logger = logging.getLogger(LOADING_LOGGER)
    shown_level, level = logger.getEffectiveLevel(), logger.level
    loaded = _Loaded(report, ident, shown_level)

    def timed(script, addon, stage, version, pyfile):
        if threading.get_ident() != ident or not pyfile.lower().endswith(".py"):  # Odoo skips other files
            return script()
        t0 = time.monotonic()
        try:
            return script()
        finally:
            report.scripts.setdefault(addon, []).append(
                {
                    "stage": stage,
                    "version": (version or "").strip("[]>$"),
                    "file": "/".join(Path(pyfile).parts[-3:]),
                    "seconds": round(time.monotonic() - t0, 3),
                }
            )

    with series.migration_scripts(timed):
        logger.addFilter(loaded)
        if shown_level > logging.INFO:
            logger.setLevel(logging.INFO)  # the record is made; the filter drops it from the log
        try:
            yield report
        finally:
            logger.setLevel(level)
            logger.removeFilter(loaded)
