# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run odoo-bin under wall-clock timers: python3 tools/step_timers.py OUT.json /path/to/odoo-bin ARGS...

Wraps the functions of Odoo's loader (and of the run) that ``tools/bench_steps.py``
reports, in the main thread only, counting each outermost call; writes
``{"total", "seconds": {step: s}, "calls": {step: n}, "spans": {step: [start, end]}}``
to OUT.json at exit, times from this script's start; Python's garbage collections
are timed too (``garbage collection, generation N``), whichever step they interrupt. Not a test, not part of the
addon: a measuring instrument (each wrapper costs about a microsecond a call).
"""

import atexit
import collections
import functools
import gc
import json
import runpy
import sys
import threading
import time

STARTED = time.perf_counter()
OUT, ODOO_BIN = sys.argv[1], sys.argv[2]
SECONDS = collections.defaultdict(float)
CALLS = collections.Counter()
SPANS = {}  # step -> [start of its first call, end of its last call]
MAIN = threading.get_ident()


def _collected(phase, info, started=[0.0]):  # noqa: B006  (the start of the collection under way)
    """Python's garbage collections (all threads): their seconds, by generation."""
    if phase == "start":
        started[0] = time.perf_counter()
        return
    step = f"garbage collection, generation {info['generation']}"
    SECONDS[step] += time.perf_counter() - started[0]
    CALLS[step] += 1


gc.callbacks.append(_collected)


def timed(func, step):
    depth = [0]

    @functools.wraps(func)
    def timer(*args, **kwargs):
        if threading.get_ident() != MAIN:
            return func(*args, **kwargs)
        depth[0] += 1
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                end = time.perf_counter()
                SECONDS[step] += end - start
                CALLS[step] += 1
                span = SPANS.setdefault(step, [start - STARTED, 0.0])
                span[1] = end - STARTED

    return timer


def method(cls, name, step):
    original = cls.__dict__[name]
    if isinstance(original, (classmethod, staticmethod)):
        setattr(cls, name, type(original)(timed(original.__func__, step)))
    else:
        setattr(cls, name, timed(original, step))


def function(module, name, step, *also):
    wrapper = timed(getattr(module, name), step)
    for owner in (module, *also):
        setattr(owner, name, wrapper)


import odoo  # noqa: E402
import odoo.models  # noqa: E402
import odoo.modules  # noqa: E402
import odoo.modules.loading as loading  # noqa: E402
import odoo.modules.migration  # noqa: E402
import odoo.modules.module  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

function(loading, "load_modules", "load_modules", odoo.modules)
function(loading, "load_data", "data files of the upgraded addons")
function(loading, "load_openerp_module", "import of the addons' Python")
function(odoo.modules.module, "load_manifest", "of which Odoo's manifest parse")
method(Registry, "setup_models", "Registry.setup_models")
method(Registry, "init_models", "Registry.init_models")
method(Registry, "load", "Registry.load")
method(odoo.models.BaseModel, "_check_removed_columns", "removed columns (step 4)")

import odoo.addons.base.models.ir_module as ir_module  # noqa: E402
import odoo.addons.base.models.res_users as res_users  # noqa: E402

method(ir_module.Module, "update_list", "module list refresh")
for cls in vars(res_users).values():
    if isinstance(cls, type) and "_update_user_groups_view" in cls.__dict__:
        method(cls, "_update_user_groups_view", "groups view (step 6)")
_initialize_sys_path = odoo.modules.module.initialize_sys_path
_LATE = []  # the timers that need the addons path, once put in place


def initialize_sys_path():
    """Odoo's, then the timers that need the addons path: the run's steps, custom views."""
    _initialize_sys_path()
    if _LATE:
        return
    _LATE.append(True)
    try:
        import odoo.addons.base_import_module.models.ir_ui_view as imported  # noqa: PLC0415

        method(imported.IrUiView, "_validate_custom_views", "custom views (step 6)")
    except ImportError:
        import odoo.addons.base.models.ir_ui_view as ir_ui_view  # noqa: PLC0415

        method(ir_ui_view.View, "_validate_custom_views", "custom views (step 6)")
    try:
        import odoo.addons.module_auto_update.core.stored as stored  # noqa: PLC0415
        import odoo.addons.module_auto_update.upgrade.run as run  # noqa: PLC0415
    except ImportError:
        return
    function(run, "_inspect_scope", "ours: fingerprints")
    function(run, "_planned", "ours: plan")
    function(stored, "save_fingerprints", "ours: fingerprints saved")


for owner in (odoo.modules.module, odoo.modules, loading):
    owner.initialize_sys_path = initialize_sys_path


@atexit.register
def dump():
    with open(OUT, "w") as out:
        json.dump(
            {"total": time.perf_counter() - STARTED, "seconds": SECONDS, "calls": CALLS, "spans": SPANS}, out, indent=1
        )


sys.argv = [ODOO_BIN, *sys.argv[3:]]
runpy.run_path(ODOO_BIN, run_name="__main__")
