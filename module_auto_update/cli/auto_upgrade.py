# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``odoo-bin auto-upgrade``: upgrade the changed addons of one database or a fleet.

Our options are parsed first (argparse, ``cli/command.py``); everything else
(``-c``, ``--addons-path``, ``--db_host``, ``--log-level``...) goes to Odoo's
own configuration parser, so a configuration file works as for the server.
"""

import configparser
import logging
import os
import sys
import time
from pathlib import Path

import psycopg2

from odoo.cli import Command
from odoo.tools import config

# Absolute: Odoo 19 loads this file by itself, as odoo.cli.auto_upgrade (series.COMMAND).
# pylint: disable=odoo-addons-relative-import
from odoo.addons.module_auto_update.cli import command, fleet, odoo_config
from odoo.addons.module_auto_update.upgrade import on_start, run, series

# pylint: enable=odoo-addons-relative-import

_logger = logging.getLogger(__name__)


def parse(args):
    """``(options, request)``; exits with EXIT_USAGE on bad options."""
    parser = command.build_parser(f"{Path(sys.argv[0]).name} {series.COMMAND}")
    opts, rest = parser.parse_known_args(args)
    command.validate(parser, opts)
    config.parser.prog = parser.prog
    config_file = config_given(rest)
    if config_file and not os.access(config_file, os.R_OK):
        # Before Odoo's parser, whose message suggests -s/--save: no use here.
        parser.error(f"the configuration file {config_file!r} does not exist or cannot be read: check -c/--config")
    try:
        series.parse_config(rest)
    except configparser.Error as exc:
        parser.error(
            f"the configuration file cannot be read ({exc}): fix its syntax, an [options] section of name = value"
        )
    # A folder of --addons-path that Odoo left out (19.0 warns and goes on) is refused, in 18.0's words:
    # a deploy that lost a folder must not be told that nothing changed.
    # (odoo-bin reads a leading one, before the command's name, unless the command's options give another.)
    leading = [arg for arg in sys.argv[1:2] if arg.startswith("--addons-path=")]
    for folder in series.skipped_addons_folders(addons_path_given(rest) or addons_path_given(leading)):
        if not os.path.isdir(folder):
            parser.error(f"option --addons-path: no such directory: {folder!r}")
        parser.error(f"option --addons-path: the path {folder!r} is not a valid addons directory")
    request = run.Request(
        update_all=opts.update_all,
        ignore=tuple(command.comma_list(opts.ignore_addons)),
        ignore_core=opts.ignore_core_addons,
        only=tuple(command.comma_list(opts.only)),
        watcher_max_seconds=opts.watcher_max_seconds,
        i18n_overwrite=opts.i18n_overwrite,
        lock_timeout=opts.lock_timeout,
        lock_wait=opts.lock_wait,
        attempts=opts.attempts,
        dry_run=opts.dry_run,
        rehearse=opts.rehearse,
        check=opts.check,
        init_hashes=opts.init_hashes,
        allow_unrun_migrations=opts.allow_unrun_migrations,
        strict=opts.strict,
        large_rows=opts.large_table,
    )
    return opts, request


def addons_path_given(args):
    """The ``--addons-path`` of Odoo's options ``args`` (the last one, as Odoo's parser), or None."""
    try:
        return odoo_config.parse_args(args)[0].get("addons_path")
    except odoo_config.Unsupported:
        return None  # malformed: Odoo's parser words it


def config_given(args):
    """The configuration file named by ``-c``/``--config`` in Odoo's options ``args``, or None."""
    try:
        return odoo_config.parse_args(args)[0].get("config")
    except odoo_config.Unsupported:
        return None  # malformed: Odoo's parser words it


def targets(opts):
    """The databases to run on, in order, and the missing ones among them."""
    existing = fleet.existing_databases()
    if opts.all_databases:
        candidates = command.server_databases(
            existing, opts, config["dbfilter"], series.config_text("db_name"), config["list_db"]
        )
        names = fleet.managed_databases(candidates)
    else:
        names = command.comma_list(opts.database) or command.comma_list([series.config_text("db_name")])
        if not names:
            raise command.UsageError("no database: give -d/--database, --all-databases, or db_name in the config file")
    names = command.select(names, opts)
    return names, [name for name in names if name not in existing]


def unknown_addons(names, opts):
    """UsageError when ``--only``/``--ignore-addons`` name addons that neither the addons path nor
    any of the databases ``names`` knows (a typo would otherwise upgrade nothing and say so)."""
    unknown = {
        option: fleet.unknown_addons(names, command.comma_list(given))
        for option, given in (("--only", opts.only), ("--ignore-addons", opts.ignore_addons))
    }
    if any(unknown.values()):
        raise command.UsageError(command.unknown_addons_error(unknown))


def odoo_databases(names):
    """The databases of ``names`` that Odoo created its tables in."""
    return [name for name in names if fleet.is_odoo(name)]


class AutoUpgrade(Command):
    """Upgrade the addons whose files changed, in one database or many"""

    name = series.COMMAND  # auto-upgrade; auto_upgrade on 19.0

    def run(self, args):
        sys.exit(main(args))


def main(args):
    opts, request = parse(args)
    # This process upgrades by itself: never the upgrade on start on top.
    on_start.disable()
    try:
        names, missing = targets(opts)
        present = odoo_databases([name for name in names if name not in missing])
        unknown_addons(present, opts)
    except command.UsageError as exc:
        return command.error(exc)
    except psycopg2.OperationalError as exc:
        return command.error(f"PostgreSQL is not reachable: {str(exc).strip()}")
    _logger.info("auto-upgrade of %d database(s)%s", len(names), " (dry run)" if request.dry_run else "")

    t0 = time.monotonic()
    report = command.Report(len(names), opts.format, _logger)
    for name in missing:
        report(command.missing_outcome(name, opts.if_exists))
    for name in names:
        if name not in missing and name not in present:
            report(command.not_odoo_outcome(name))
    if len(present) == 1:
        report(run.run_database(present[0], request))
    elif present:
        fleet.run_in_processes(present, request, opts.jobs, report)
    code = report.finish(opts.if_exists)
    _logger.info("auto-upgrade finished in %.2f s, exit code %d", time.monotonic() - t0, code)
    return code
