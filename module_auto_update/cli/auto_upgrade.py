"""``odoo-bin auto-upgrade``: upgrade the changed addons of one database or a fleet.

Our options are parsed first (argparse); everything else (``-c``,
``--addons-path``, ``--db_host``, ``--log-level``...) goes to Odoo's own
configuration parser, so a configuration file works as for the server.
"""
# The plan, the summary and errors are the command's output, for a terminal
# or a pipeline: they are printed, not logged.
# pylint: disable=print-used

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path

import psycopg2

from odoo.cli import Command
from odoo.tools import config

from .. import runner, startup
from ..core import plan
from . import fleet

_logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_MISSING = 3
EXIT_BUSY = 4
EXIT_CODES = f"""exit codes:
  {EXIT_OK}  every database upgraded, had nothing to do, or was planned or recorded
  {EXIT_FAILED}  at least one database failed (the others still ran)
  {EXIT_USAGE}  usage or configuration error (nothing ran)
  {EXIT_MISSING}  a database does not exist (without --if-exists)
  {EXIT_BUSY}  a database was busy: another upgrade held its lock past --lock-timeout
The first that applies, in the order {EXIT_FAILED}, {EXIT_MISSING}, {EXIT_BUSY}."""
PLAN_KEYS = ("changed", "cascade", "to_install", "blocking", "migrations", "warnings", "summary")


class UsageError(Exception):
    pass


def comma_list(values):
    return [item.strip() for value in values or () for item in value.split(",") if item.strip()]


def build_parser():
    parser = argparse.ArgumentParser(
        prog=f"{Path(sys.argv[0]).name} auto-upgrade",
        description="Upgrade the installed addons whose files changed since their last upgrade. "
        "Any other option is an Odoo server option (-c, --addons-path, --db_host, --log-level...).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    target = parser.add_argument_group("databases")
    target.add_argument(
        "-d",
        "--database",
        action="append",
        metavar="NAME",
        help="database to upgrade; repeatable or comma-separated (default: db_name of the config)",
    )
    target.add_argument(
        "--all-databases", action="store_true", help="every database with this addon's table or the legacy parameter"
    )
    target.add_argument("--filter", metavar="REGEX", help="only the databases whose name matches REGEX (re.search)")
    target.add_argument("--if-exists", action="store_true", help="a missing database is not an error")
    what = parser.add_argument_group("what to do")
    what.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    what.add_argument(
        "--init-hashes",
        action="store_true",
        help="record the current fingerprints without upgrading (database known to be up to date)",
    )
    what.add_argument("--update-all", action="store_true", help="upgrade every installed addon")
    what.add_argument("--ignore-addons", action="append", metavar="A,B", help="never upgrade these addons for a change")
    what.add_argument(
        "--ignore-core-addons",
        action="store_true",
        help="leave Odoo's own addons (those of Odoo's addons folders) alone",
    )
    what.add_argument("--i18n-overwrite", action="store_true", help="overwrite existing translations when upgrading")
    how = parser.add_argument_group("how")
    how.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text, or json: one JSON object per line and database (plan keys and result)",
    )
    how.add_argument("--jobs", type=int, default=1, metavar="N", help="databases upgraded in parallel (default 1)")
    how.add_argument(
        "--lock-timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to SECONDS for another upgrade of the same database (default 0)",
    )
    return parser


def parse(args):
    """``(options, settings)``; exits with EXIT_USAGE on bad options."""
    parser = build_parser()
    opts, rest = parser.parse_known_args(args)
    try:
        if opts.dry_run and opts.init_hashes:
            raise UsageError("--dry-run and --init-hashes exclude each other")
        if opts.database and opts.all_databases:
            raise UsageError("use -d/--database or --all-databases, not both")
        if opts.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if opts.lock_timeout < 0:
            raise UsageError("--lock-timeout cannot be negative")
        opts.filter_re = re.compile(opts.filter) if opts.filter else None
    except (UsageError, re.error) as exc:
        parser.error(str(exc))
    config.parser.prog = parser.prog
    config.parse_config(rest, setup_logging=True)
    settings = runner.Settings(
        update_all=opts.update_all,
        ignore=tuple(comma_list(opts.ignore_addons)),
        ignore_core=opts.ignore_core_addons,
        i18n_overwrite=opts.i18n_overwrite,
        lock_timeout=opts.lock_timeout,
        dry_run=opts.dry_run,
        init_hashes=opts.init_hashes,
    )
    return opts, settings


def targets(opts):
    """The databases to run on, in order, and the missing ones among them."""
    existing = fleet.existing_databases()
    if opts.all_databases:
        names = fleet.managed_databases(existing)
    else:
        names = comma_list(opts.database) or comma_list([config["db_name"] or ""])
        if not names:
            raise UsageError("no database: give -d/--database, --all-databases, or db_name in the config file")
    names = list(dict.fromkeys(names))
    if opts.filter_re:
        names = [name for name in names if opts.filter_re.search(name)]
    return names, [name for name in names if name not in existing]


def exit_code(outcomes, if_exists):
    results = {outcome["result"] for outcome in outcomes}
    if runner.FAILED in results:
        return EXIT_FAILED
    if runner.MISSING in results and not if_exists:
        return EXIT_MISSING
    if runner.BUSY in results:
        return EXIT_BUSY
    return EXIT_OK


def as_json(outcome):
    the_plan = outcome.get("plan") or {}
    data = {key: the_plan.get(key) for key in PLAN_KEYS}
    data.update((key, value) for key, value in outcome.items() if key != "plan")
    return json.dumps(data, sort_keys=True, default=str)


def as_text(outcome):
    line = f"{outcome['database']}: {outcome['result']}"
    if outcome["upgraded"]:
        line += f" (upgraded {', '.join(outcome['upgraded'])})"
    if outcome["error"]:
        line += f": {outcome['error']}"
    lines = [line]
    if outcome["plan"] and outcome["result"] in (runner.DRY_RUN, runner.DONE):
        lines.extend(f"    {text}" for text in plan.render_text(outcome["plan"]).splitlines())
    return "\n".join(lines)


def summary_table(outcomes):
    rows = [("DATABASE", "RESULT", "ADDONS UPGRADED", "DURATION")]
    rows += [(o["database"], o["result"], ", ".join(o["upgraded"]) or "-", f"{o['duration']:.2f} s") for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3] for row in rows)


class AutoUpgrade(Command):
    """Upgrade the addons whose files changed, in one database or many"""

    name = "auto-upgrade"

    def run(self, args):
        sys.exit(main(args))


def main(args):
    opts, settings = parse(args)
    # This process upgrades by itself: never the upgrade on start on top.
    startup.disable()
    try:
        names, missing = targets(opts)
    except UsageError as exc:
        print(f"auto-upgrade: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except psycopg2.OperationalError as exc:
        print(f"auto-upgrade: error: PostgreSQL is not reachable: {str(exc).strip()}", file=sys.stderr)
        return EXIT_USAGE
    _logger.info("auto-upgrade of %d database(s)%s", len(names), " (dry run)" if settings.dry_run else "")

    t0 = time.monotonic()
    outcomes = []

    def report(outcome):
        outcomes.append(outcome)
        _logger.info(
            "[%d/%d] %s: %s in %.2f s",
            len(outcomes),
            len(names),
            outcome["database"],
            outcome["result"],
            outcome["duration"],
        )
        print(as_json(outcome) if opts.format == "json" else as_text(outcome), flush=True)

    for name in missing:
        error = None if opts.if_exists else f"Database {name!r} does not exist."
        report(
            {"database": name, "result": runner.MISSING, "plan": None, "upgraded": [], "error": error, "duration": 0.0}
        )
    present = [name for name in names if name not in missing]
    if len(present) == 1:
        report(runner.run(present[0], settings))
    elif present:
        fleet.run_in_processes(present, settings, opts.jobs, report)
    if opts.format == "text" and len(names) > 1:
        print(f"\n{summary_table(outcomes)}")
    code = exit_code(outcomes, opts.if_exists)
    _logger.info("auto-upgrade finished in %.2f s, exit code %d", time.monotonic() - t0, code)
    return code
