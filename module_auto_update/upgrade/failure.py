# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which addon, and which stage of its upgrade, an exception came from.

Odoo's loader does not say where an upgrade failed; its frames do. The
traceback (and the exceptions chained to it) is read for the innermost
frame of each stage: the addon being loaded (``load_module_graph``), the
data file (``load_data``), the migration script (``series.migration_script_frame``), the
import of the addon's code (``load_openerp_module``), an install hook.
"""

import os
import re
from dataclasses import dataclass

from . import series

# "while parsing /path/views.xml:12, somewhere inside" (odoo.tools.convert.ParseError)
PARSE_POSITION = re.compile(r"while parsing (?P<path>.+?):(?P<line>\d+)")


@dataclass(frozen=True)
class Failure:
    addon: str = None
    stage: str = None  # "data file views/views.xml, line 3", "post-migration script ...", ...
    detail: str = ""

    def __str__(self):
        where = f" in addon {self.addon}" if self.addon else ""
        stage = f" ({self.stage})" if self.stage else ""
        return f"Upgrade failed{where}{stage}: {self.detail}"


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _frames(exc):
    tb = exc.__traceback__
    while tb is not None:
        yield tb.tb_frame
        tb = tb.tb_next


def _line(exc, filename):
    """The line of data file ``filename`` that the chain of ``exc`` names, if any.

    lxml's syntax errors carry it (``lineno``); Odoo's ParseError says it.
    """
    name = os.path.basename(filename)
    for error in _chain(exc):
        if getattr(error, "lineno", None) and os.path.basename(getattr(error, "filename", None) or "") == name:
            return error.lineno
        match = PARSE_POSITION.search(str(error))
        if match and os.path.basename(match["path"]) == name:
            return int(match["line"])
    return None


def _detail(exc):
    """The exception's own words, the first line of the first that has some."""
    for error in _chain(exc):
        text = str(error).strip()
        if text:
            return text
    return exc.__class__.__name__


def _root_cause(exc):
    """The innermost exception that ``exc`` was explicitly raised from (``raise ... from``), or None."""
    cause, seen = exc.__cause__, {id(exc)}
    while cause is not None and cause.__cause__ is not None and id(cause) not in seen:
        seen.add(id(cause))
        cause = cause.__cause__
    return cause


def _with_root_cause(exc, detail):
    """``detail`` and, when it does not say it, the root cause of the exception that gave it: Odoo
    wraps what stops a migration script from loading ("Unable to load post-migration file ...")."""
    for error in _chain(exc):
        if str(error).strip():
            root = _root_cause(error)
            text = root is not None and str(root).strip()
            if text and text not in detail:
                return f"{detail}: {root.__class__.__name__}: {text}"
            return detail
    return detail


def describe(exc):
    """A ``Failure`` naming the addon and the stage ``exc`` was raised in; for a migration
    script, the error says its root cause."""
    addon = stage = None
    script = False
    for error in _chain(exc):
        frames = list(_frames(error))
        for index, frame in enumerate(frames):
            code, f_locals = frame.f_code.co_name, frame.f_locals
            if code == "load_module_graph" and f_locals.get("module_name"):
                addon, stage = f_locals["module_name"], None
                package = f_locals.get("package")
                callee = frames[index + 1].f_code.co_name if index + 1 < len(frames) else None
                info = series.package_manifest(package)
                for key in ("pre_init_hook", "post_init_hook"):
                    if callee and info.get(key) == callee:
                        stage = f"{key.replace('_', '-').replace('-hook', ' hook')} {callee}"
            elif code == "load_data" and f_locals.get("filename"):
                line = _line(exc, f_locals["filename"])
                stage = f"data file {f_locals['filename']}" + (f", line {line}" if line else "")
                addon = getattr(f_locals.get("package"), "name", addon)
            elif migration := series.migration_script_frame(frame):
                addon = migration[0] or addon
                stage = f"{migration[1]}-migration script {_relative(migration[2], addon)}"
                script = True
            elif code == "load_openerp_module" and f_locals.get("module_name"):
                addon, stage = f_locals["module_name"], "import of its Python code"
        if addon:
            break
    detail = _detail(exc)
    return Failure(addon, stage, _with_root_cause(exc, detail) if script else detail)


def _relative(path, addon):
    """``migrations/18.0.1.0.1/post-migrate.py`` rather than the whole path, when possible."""
    parts = os.path.normpath(path).split(os.sep)
    if addon in parts:
        return os.path.join(*parts[len(parts) - 1 - parts[::-1].index(addon) + 1 :])
    return path
