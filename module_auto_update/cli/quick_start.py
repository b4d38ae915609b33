# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``odoo-auto-upgrade``: ``odoo-bin auto-upgrade`` that answers "nothing to do" without Odoo.

Every ``odoo-bin`` command pays for importing Odoo (most of a second) before
it runs. A deploy or a container start usually finds nothing changed, so
this entry point decides that first, with the pure core, psycopg2 and the
filesystem only: the same options, output, history rows and exit codes as
``odoo-bin auto-upgrade``. As soon as any database has something to do, or
the run needs what only Odoo can interpret (an option it does not know,
``--dry-run``, ``--init-hashes``, a missing database, a lock held by another
run), it hands the whole run over to ``odoo-bin auto-upgrade`` by replacing
its own process, so there is one run, one output and one exit code.

Started by the script ``cli/odoo-auto-upgrade`` (also installed by the wheel).
Imports nothing from Odoo: not even this package's Odoo layer, which the
package's ``__init__`` loads only under ``odoo.addons``.
"""

import ast
import importlib.util
import logging
import os
import sys
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psycopg2

from ..core import inspection, lock, results, stored
from . import command, odoo_config

ADDON_DIR = Path(__file__).resolve().parent.parent
# Named as under Odoo, so that log filters on Odoo's logger names apply.
_logger = logging.getLogger("odoo.addons.module_auto_update.cli.quick_start")
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s ? %(name)s: %(message)s"
RUNBOT = 25  # the level Odoo adds for --log-level=runbot


class Handover(Exception):
    """This run needs Odoo: ``odoo-bin auto-upgrade`` takes it over."""


@dataclass
class Site:
    """Where Odoo is and what its settings say, as far as read so far."""

    odoo_dir: str  # the odoo package's folder
    src: str  # ODOO_SRC, or None when odoo is importable
    sys_path: list
    options: dict = None  # Odoo's options, once read
    locate: object = None  # addon name -> folder, once the options are read


def series(odoo_dir):
    """The series of the Odoo in ``odoo_dir`` (its package folder), ``"18.0"``, read from its
    ``release.py`` without importing it (the manifest's version, ``1.0.0``, has none)."""
    path = os.path.join(odoo_dir, "release.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "version_info" for t in node.targets):
            major, minor = (ast.literal_eval(element) for element in node.value.elts[:2])
            return f"{major}.{minor}"
    raise SystemExit(f"odoo-auto-upgrade: {path} does not say Odoo's version (version_info).")


def find_odoo(environ):
    """``(odoo package folder, Python path entry to reach it)``, without importing it."""
    src = environ.get("ODOO_SRC")
    if src:
        if not os.path.isfile(os.path.join(src, "odoo", "__init__.py")):
            raise SystemExit(f"odoo-auto-upgrade: ODOO_SRC={src} is not an Odoo source checkout (no odoo/__init__.py).")
        return os.path.realpath(os.path.join(src, "odoo")), os.path.realpath(src)
    spec = importlib.util.find_spec("odoo")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "odoo-auto-upgrade: Odoo is not importable by this Python: install Odoo 18 for it, "
            "or set ODOO_SRC to an Odoo source checkout."
        )
    found = [loc for loc in spec.submodule_search_locations if os.path.isfile(os.path.join(loc, "release.py"))]
    if not found:
        # Only addons' odoo/ folders: Odoo itself sits behind setuptools' editable import hook, which they hide.
        raise SystemExit(
            "odoo-auto-upgrade: Python finds no Odoo but the odoo/ folder of installed addons, as when Odoo is "
            "installed editable behind an import hook: reinstall it with "
            "pip install -e /path/to/odoo --config-settings editable_mode=compat."
        )
    return os.path.realpath(found[0]), None


def setup_logging(options):
    handler = logging.FileHandler(options["logfile"]) if options["logfile"] else logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.getLogger().addHandler(handler)
    for name, level in odoo_config.logger_levels(options):
        logging.getLogger(name).setLevel(RUNBOT if level == "RUNBOT" else getattr(logging, level, logging.INFO))


def connect(options, dbname):
    return psycopg2.connect(**odoo_config.connection_params(options, dbname, os.environ, os.getpid()))


@contextmanager
def cursor(options, dbname):
    """A cursor on a connection of its own, closed on exit."""
    with closing(connect(options, dbname)) as conn, conn.cursor() as cr:
        yield cr


def databases(options, opts):
    """The target databases, as ``odoo-bin auto-upgrade`` picks them."""
    with cursor(options, "postgres") as cr:
        existing = stored.database_names(cr)
    if opts.all_databases:
        try:
            candidates = command.server_databases(
                existing, opts, options["dbfilter"], options["db_name"], options["list_db"]
            )
        except command.UsageError as exc:
            raise Handover(str(exc)) from exc
        names = stored.managed_databases(candidates, partial(cursor, options), psycopg2.OperationalError)
    else:
        names = command.comma_list(opts.database) or command.comma_list([options["db_name"] or ""])
        if not names:
            raise Handover("no database given")
    names = command.select(names, opts)
    if set(names) - set(existing):
        raise Handover("a database does not exist")
    return names


def compare(cr, dbname, options, opts, site):
    """``inspection.inspect`` of the database behind ``cr`` with the run's scope."""
    _logger.info("%s: comparing fingerprints", dbname)
    return inspection.inspect(
        cr,
        site.locate,
        options["data_dir"],
        series(site.odoo_dir),
        update_all=opts.update_all,
        ignore=command.comma_list(opts.ignore_addons),
        ignore_core=opts.ignore_core_addons,
        only=command.comma_list(opts.only),
    )


def answer_alone(options, dbname, opts, site):
    """Compare one database with the disk under its upgrade lock (``--check``: without it);
    its ``Result`` when nothing is to do, else Handover."""
    started, t0 = stored.utcnow(), time.monotonic()
    with cursor(options, dbname) as cr:
        if not stored.is_odoo(cr):
            raise Handover(f"{dbname}: not an Odoo database")
        if any(
            inspection.unknown_addons(cr, command.comma_list(given), site.locate)
            for given in (opts.only, opts.ignore_addons)
        ):
            raise Handover(f"{dbname}: --only or --ignore-addons names an addon it does not know")
        if opts.check:
            found = compare(cr, dbname, options, opts, site)
        else:
            _logger.info("%s: taking the upgrade lock (quick start: no wait)", dbname)
            try:
                with lock.held(cr, dbname, 0):
                    # A snapshot that sees what a previous holder of the lock committed.
                    cr.connection.rollback()
                    found = compare(cr, dbname, options, opts, site)
                    cr.connection.rollback()
            except lock.LockBusyError as exc:
                raise Handover(f"{dbname}: busy") from exc
    # An installed addon without code is never upgraded: it is warned about, not handed over.
    if not found.nothing_to_do or found.adopted:
        # (Fingerprints taken over from another tool's record are saved by Odoo's run.)
        raise Handover(f"{dbname}: {len(found.reasons)} addon(s) to look at, {len(found.pending)} pending")
    # As odoo-bin's: a check makes no attempt at an upgrade.
    attempts = 0 if opts.check else 1
    duration = round(time.monotonic() - t0, 3)
    return results.Result(dbname, results.NOTHING_TO_DO, found.plan(), attempts=attempts, duration=duration), started


def record(options, dbname, started, ended):
    """The history row ``odoo-bin auto-upgrade`` writes for a run with nothing to do."""
    try:
        with cursor(options, dbname) as cr:
            stored.record_run(cr, results.COMMAND_LINE, started, ended, results.NOTHING_TO_DO)
            cr.connection.commit()
    except psycopg2.Error:
        _logger.exception("%s: the run could not be recorded in the history.", dbname)


def quick_run(args, opts, site):
    """Exit code of the run when no database has anything to do; Handover otherwise."""
    try:
        cli_options, others = odoo_config.parse_args(args)
        options = odoo_config.load(cli_options, os.environ, site.odoo_dir)
    except odoo_config.Unsupported as exc:
        raise Handover(str(exc)) from exc
    site.options = options
    setup_logging(options)
    if others:
        raise Handover(f"{others[0]!r} is for Odoo to read")
    if opts.dry_run or opts.init_hashes or opts.rehearse:
        raise Handover("--dry-run, --rehearse and --init-hashes run in Odoo")
    site.locate = odoo_config.locator(
        odoo_config.addons_dirs(options, site.odoo_dir, site.sys_path, series(site.odoo_dir))
    )
    try:
        names = databases(options, opts)
        _logger.info("auto-upgrade of %d database(s)", len(names))
        t0 = time.monotonic()
        # Every database is compared before anything is printed or recorded:
        # a handover then starts from a clean slate.
        found = [(name, *answer_alone(options, name, opts, site)) for name in names]
    except psycopg2.Error as exc:
        # Unreachable, or a database this lookup cannot read: Odoo words the error.
        raise Handover(f"PostgreSQL: {str(exc).strip()}") from exc
    report = command.Report(len(names), opts.format, _logger)
    for name, outcome, started in found:
        if not opts.check:
            record(options, name, started, stored.utcnow())
        report(outcome)
    code = report.finish(opts.if_exists)
    _logger.info("auto-upgrade finished in %.2f s without loading Odoo, exit code %d", time.monotonic() - t0, code)
    return code


def odoo_argv(args, site):
    """``odoo-bin [--addons-path=...] auto-upgrade ARGS`` for this Python."""
    odoo_dir = site.odoo_dir
    odoo_bin = os.path.join(os.path.dirname(odoo_dir), "odoo-bin")
    argv = [sys.executable, odoo_bin] if os.path.isfile(odoo_bin) else [sys.executable, "-m", "odoo"]
    # odoo-bin finds the commands of the addons of a leading --addons-path
    # only; this addon's folder must be among them unless Odoo sees it anyway.
    options = site.options
    given = [arg.split("=", 1)[1] for arg in args if arg.startswith("--addons-path=")]
    paths = list(options["addons_path"]) if options else given[-1:]
    parent = str(ADDON_DIR.parent)
    if parent not in paths and parent not in odoo_config.namespace_dirs(odoo_dir, site.sys_path):
        paths.append(parent)
    lead = [f"--addons-path={','.join(dict.fromkeys(paths))}"] if paths else []
    return [*argv, *lead, "auto-upgrade", *args]


def main(args):
    site = Site(*find_odoo(os.environ), sys_path=list(sys.path))
    parser = command.build_parser("odoo-auto-upgrade")
    opts, rest = parser.parse_known_args(args)
    command.validate(parser, opts)
    try:
        return quick_run(rest, opts, site)
    except Handover as exc:
        _logger.info("handing over to odoo-bin auto-upgrade: %s", exc)
    logging.shutdown()
    env = dict(os.environ, TZ="UTC")  # as odoo-bin sets it
    if site.src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [site.src, env.get("PYTHONPATH")]))
    argv = odoo_argv(args, site)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)
    return None  # not reached
