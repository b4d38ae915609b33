# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The ``auto-upgrade`` command's options, outcomes, output and exit codes.

Shared by ``odoo-bin auto-upgrade`` and the quick start
(``cli/odoo-auto-upgrade``), which must answer alike: same options, same
lines, same JSON, same exit codes. Pure: argparse and json.
"""
# The plan, the summary and errors are the command's output, for a terminal
# or a pipeline: they are printed, not logged.
# pylint: disable=print-used

import argparse
import json
import math
import re
import sys

from ..core import commas, plan, rehearsal, results, watcher
from ..core.results import (
    BLOCKED,
    BUSY,
    CODE_MISSING,
    DONE,
    DRY_RUN,
    FAILED,
    HASHES_RECORDED,
    INCOMPLETE,
    MISSING,
    NOT_ODOO,
    NOTHING_TO_DO,
    REHEARSED,
    UPGRADE_NEEDED,
    WARNED,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_MISSING = 3
EXIT_BUSY = 4
EXIT_BLOCKED = 5
EXIT_NO_CODE = 6
EXIT_UPGRADE_NEEDED = 7
EXIT_WARNED = 8
EXIT_CODES = f"""exit codes:
  {EXIT_OK}  every database upgraded, had nothing to do, or was planned, recorded or rehearsed
     successfully
  {EXIT_FAILED}  at least one database failed, was left incomplete or failed its rehearsal, and was
     left as it was (the others still ran); a run refused for blocking problems is {EXIT_BLOCKED}
  {EXIT_USAGE}  usage or configuration error (nothing ran)
  {EXIT_MISSING}  a database does not exist or none is left to upgrade (--all-databases, --filter; both
     without --if-exists), or a database is not an Odoo database
  {EXIT_BUSY}  a database was busy: another upgrade held its lock past --lock-timeout, or
     other sessions held locks the upgrade needed through all its --attempts
  {EXIT_BLOCKED}  a plan has blocking problems, so the upgrade did not start (or, with --dry-run, --check or
     --rehearse, would not)
  {EXIT_NO_CODE}  an installed addon has no code in the addons path (a WARNING names it): it is not
     upgraded, and the next start of Odoo fails or serves without it (the rest ran)
  {EXIT_UPGRADE_NEEDED}  --check: an upgrade is needed
  {EXIT_WARNED}  --strict: a plan has warnings, so the upgrade did not start (or, with --dry-run or --check,
     would not; --rehearse ran and rolled back)
The first that applies, in the order {EXIT_FAILED}, {EXIT_MISSING}, {EXIT_BUSY}, {EXIT_BLOCKED}, {EXIT_WARNED}, \
{EXIT_NO_CODE}, {EXIT_UPGRADE_NEEDED}."""
# Each exit code and the result words a database's line says with it (text and JSON): the one table that
# --help and docs/usage.rst show. In the order in which the first that applies is the run's exit code.
EXIT_WORDS = (
    (EXIT_FAILED, (FAILED, INCOMPLETE)),
    (EXIT_MISSING, (MISSING, NOT_ODOO)),
    (EXIT_BUSY, (BUSY,)),
    (EXIT_BLOCKED, (BLOCKED,)),
    (EXIT_WARNED, (WARNED,)),
    (EXIT_NO_CODE, (CODE_MISSING,)),
    (EXIT_UPGRADE_NEEDED, (UPGRADE_NEEDED,)),
    # A missing database is no error with --if-exists.
    (EXIT_OK, (DONE, NOTHING_TO_DO, DRY_RUN, HASHES_RECORDED, REHEARSED, MISSING)),
)


def exit_words(code):
    """The result words of exit ``code`` (``EXIT_WORDS``), as --help and docs/usage.rst list them."""
    words = dict(EXIT_WORDS).get(code, ())
    return ", ".join(f"{word} (--if-exists)" if (code, word) == (EXIT_OK, MISSING) else word for word in words)


EXIT_CODES += "\nEach database's line says the result word of its exit code:\n" + "\n".join(
    f"    {code}: {exit_words(code)}" for code, _words in sorted(EXIT_WORDS)
)
# The run's advice beside the plan's first-run information, with the command's own option.
FIRST_RUN = (
    "First run: no fingerprint was recorded in this database, so every installed addon counts as changed. "
    "If the database already matches the code, record the current state instead: --init-hashes."
)
PLAN_KEYS = (
    "first_run",
    "changed",
    "cascade",
    "to_install",
    "pending",
    "partially_updated",
    "missing",
    "blocking",
    "migrations",
    "warnings",
    "info",
    "summary",
)


class UsageError(Exception):
    pass


def comma_list(values):
    return [item for value in values or () for item in commas.split(value)]


def build_parser(prog):
    parser = argparse.ArgumentParser(
        prog=prog,
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
    target.add_argument(
        "--if-exists", action="store_true", help="a missing database, or none left to upgrade, is not an error"
    )
    what = parser.add_argument_group("what to do")
    # click-odoo-update's names are accepted too: a deploy script switches by its command name only.
    what.add_argument("--dry-run", "--list-only", action="store_true", help="print the plan, change nothing")
    what.add_argument(
        "--rehearse",
        action="store_true",
        help="run the real upgrade, then roll it back, and report what it did (time per addon, migration "
        "scripts, schema changes, rows written, locks held); saves nothing but the history row",
    )
    what.add_argument(
        "--init-hashes",
        "--only-compute-hashes",
        dest="init_hashes",
        action="store_true",
        help="record the current fingerprints without upgrading (database known to be up to date)",
    )
    what.add_argument(
        "--check",
        action="store_true",
        help=f"exit {EXIT_OK} when nothing is to be upgraded, {EXIT_UPGRADE_NEEDED} when an upgrade is needed, "
        f"{EXIT_BLOCKED} when it would not start; writes nothing, takes no lock, leaves no history row",
    )
    what.add_argument("--update-all", action="store_true", help="upgrade every installed addon")
    what.add_argument("--ignore-addons", action="append", metavar="A,B", help="never upgrade these addons for a change")
    what.add_argument(
        "--ignore-core-addons",
        action="store_true",
        help="leave Odoo's own addons (Community and Enterprise, manifestoo-core's lists) alone",
    )
    what.add_argument(
        "--only",
        action="append",
        metavar="A,B",
        help="upgrade only these addons' changes (and what Odoo upgrades with them); the others keep their record",
    )
    what.add_argument("--i18n-overwrite", action="store_true", help="overwrite existing translations when upgrading")
    what.add_argument(
        "--allow-unrun-migrations",
        action="store_true",
        help="migration scripts that the versions keep from running (above the manifest's version, new in a "
        "folder not above the installed one) are warned of and left unrun, instead of blocking the upgrade",
    )
    what.add_argument(
        "--strict",
        action="store_true",
        help=f"a plan with warnings (data dropped, a large table rewritten, a migration script left unrun...) "
        f"does not start: exit {EXIT_WARNED}; with --check, --dry-run or --rehearse, exit {EXIT_WARNED} too",
    )
    what.add_argument(
        "--large-table",
        type=int,
        metavar="ROWS",
        help="tables of at least ROWS rows, as PostgreSQL's statistics estimate them, are large: the plan warns "
        "when the upgrade rewrites, fills, recomputes or indexes them (default: the system parameter "
        "module_auto_update.large_table_rows, else 100000)",
    )
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
    how.add_argument(
        "--lock-wait",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="inside the upgrade, wait up to SECONDS for a table or row that another session holds, "
        "then roll back and try again later rather than queue everyone behind the upgrade (default 2; 0: no limit)",
    )
    how.add_argument(
        "--attempts",
        type=int,
        default=10,
        metavar="N",
        help="run the upgrade's transaction at most N times when it meets other sessions' locks (default 10)",
    )
    how.add_argument(
        "--watcher-max-seconds",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="abort the upgrade when it waits on a database lock longer than SECONDS (default 0: never)",
    )
    return parser


def validate(parser, opts):
    """Check what argparse cannot; exits with EXIT_USAGE like argparse does."""
    try:
        if sum((opts.dry_run, opts.init_hashes, opts.rehearse, opts.check)) > 1:
            raise UsageError("--dry-run, --check, --rehearse and --init-hashes exclude each other")
        if opts.database and opts.all_databases:
            raise UsageError("use -d/--database or --all-databases, not both")
        if opts.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        for option in ("--lock-timeout", "--lock-wait", "--watcher-max-seconds"):
            value = getattr(opts, option[2:].replace("-", "_"))
            if not (math.isfinite(value) and value >= 0):
                raise UsageError(f"{option} must be a number of seconds, 0 or more (not {value:g})")
        if opts.attempts < 1:
            raise UsageError("--attempts must be at least 1")
        if opts.large_table is not None and opts.large_table < 1:
            raise UsageError("--large-table must be a number of rows, 1 or more")
        if opts.only and (opts.update_all or opts.ignore_addons):
            raise UsageError("--only excludes --update-all and --ignore-addons")
        if opts.only is not None and not comma_list(opts.only):
            raise UsageError("--only names no addon: give the addons to upgrade, A,B")
        opts.filter_re = re.compile(opts.filter) if opts.filter else None
    except (UsageError, re.error) as exc:
        parser.error(str(exc))


def server_databases(existing, opts, dbfilter="", db_name="", list_db=True):
    """The candidates of ``--all-databases``, decided before connecting to any of them.

    Odoo's rules first, as its database selector applies them: ``dbfilter``
    (one without ``%h``/``%d``, which need a web request's host), else the
    ``db_name`` list; with ``list_db = False`` only databases so named. Then
    ``--filter``. Only these are opened, to see whether they use this addon.
    """
    names = [name for name in existing if name != "postgres"]
    named = comma_list([db_name or ""])
    static_filter = dbfilter if dbfilter and "%h" not in dbfilter and "%d" not in dbfilter else ""
    if static_filter:
        names = [name for name in names if re.match(static_filter, name)]
    elif named:
        names = [name for name in names if name in named]
    elif not list_db:
        raise UsageError("list_db = False forbids listing the server's databases: name them with -d/--database")
    return select(names, opts)


def select(names, opts):
    """``names`` once each, in order, kept by --filter."""
    names = list(dict.fromkeys(names))
    return [name for name in names if opts.filter_re.search(name)] if opts.filter_re else names


def missing_outcome(name, if_exists):
    error = f"Database {name!r} does not exist: check the name, or pass --if-exists to make it a no-op."
    return results.Result(name, MISSING, error=None if if_exists else error)


def not_odoo_outcome(name):
    error = f"Database {name!r} is not an Odoo database (it has no module list): check the name."
    return results.Result(name, NOT_ODOO, error=error)


def unknown_addons_error(unknown):
    """The usage error of ``--only``/``--ignore-addons`` naming addons that no target database nor the
    addons path knows: ``{option: [addons]}``."""
    named = "; ".join(f"{option} {', '.join(names)}" for option, names in unknown.items() if names)
    return (
        f"unknown addons: {named} (neither in the addons path nor in the module list of the databases): "
        "check the names and the addons path"
    )


NO_DATABASE_LEFT = (
    "no database to upgrade: no database of the server that uses this addon is left after dbfilter, "
    "db_name and --filter. Check them, or pass --if-exists when none is expected."
)


def error(message):
    print(f"auto-upgrade: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def exit_code(outcomes, if_exists):
    """The exit code of ``outcomes``: the first that applies (``EXIT_CODES``). No outcome at all (no
    database left to upgrade) counts as a missing database."""
    if not outcomes:
        return EXIT_OK if if_exists else EXIT_MISSING
    codes = {outcome_code(outcome, if_exists) for outcome in outcomes}
    return next(code for code, _words in EXIT_WORDS if code in codes)


def outcome_code(outcome, if_exists):
    """The exit code of one database's ``outcome`` (``EXIT_WORDS``)."""
    result, the_plan = outcome.result, outcome.plan or {}
    # A run refused for its plan's blocking problems did not start: blocked, not failed.
    if result == INCOMPLETE or (result == FAILED and not refused(the_plan)):
        return EXIT_FAILED
    if result == NOT_ODOO or (result == MISSING and not if_exists):
        return EXIT_MISSING
    if result == BUSY:
        return EXIT_BUSY
    if the_plan.get("blocking"):
        return EXIT_BLOCKED
    if result == WARNED:
        return EXIT_WARNED
    if plan.without_code(the_plan):
        return EXIT_NO_CODE
    if result == UPGRADE_NEEDED:
        return EXIT_UPGRADE_NEEDED
    return EXIT_OK


def result_word(outcome):
    """The word a database's line says (text and JSON ``result``): the one of its exit code
    (``EXIT_WORDS``), its ``result`` when that is one of them. ``nothing to do`` or ``done`` beside an
    installed addon without code is ``code missing``, a dry run or check with blocking problems
    ``blocked``; the history keeps what the run did."""
    words = dict(EXIT_WORDS)[outcome_code(outcome, if_exists=False)]
    return outcome.result if outcome.result in words else words[0]


def refused(the_plan):
    """Whether a failed run with ``the_plan`` was refused for its blocking problems (it never started)."""
    return bool((the_plan or {}).get("blocking"))


def as_json(outcome):
    """One line of JSON: the plan's keys (null without a plan), then the ``Result``'s fields."""
    data = dict(outcome.as_dict(), result=result_word(outcome))
    the_plan = data.pop("plan") or {}
    return json.dumps({**{key: the_plan.get(key) for key in PLAN_KEYS}, **data}, sort_keys=True, default=str)


def as_text(outcome):
    line = f"{outcome.database}: {result_word(outcome)}"
    if outcome.upgraded:
        verb = "upgraded, then rolled back:" if outcome.rehearsal else "upgraded"
        line += f" ({verb} {', '.join(outcome.upgraded)})"
    if outcome.error:
        line += f": {outcome.error}"
    lines = [line]
    the_plan = outcome.plan
    if the_plan and the_plan.get("first_run") and the_plan.get("changed"):
        lines.append(f"    {FIRST_RUN}")
    if outcome.attempts > 1 and outcome.result == results.DONE:
        lines.append(
            f"    done at attempt {outcome.attempts}: earlier ones met other sessions' locks and were rolled back"
        )
    if outcome.locks:
        lines.append(f"    exclusive locks held: {watcher.held_text(outcome.locks)}")
    if outcome.restart_addons:
        text = plan.restart_text(outcome.restart_addons, outcome.restart_processes, rehearsed(outcome))
        lines.append(f"    {text}")
    lines.extend(f"    WARNING: the upgrade is committed, but {text}" for text in outcome.after_commit)
    if outcome.rehearsal:
        lines.append("    the database was left as it was: nothing was saved but the history row")
        lines.extend(f"    {text}" for text in rehearsal.report_lines(outcome.rehearsal))
    if the_plan and outcome.result in (results.DRY_RUN, results.DONE, results.REHEARSED, UPGRADE_NEEDED, WARNED):
        lines.extend(f"    {text}" for text in plan.render_text(the_plan).splitlines())
    elif the_plan:
        # Nothing to do still warns of installed addons without code, and names those it leaves alone.
        lines.extend(f"    WARNING: {warning['detail']}" for warning in the_plan.get("warnings", ()))
        lines.extend(f"    {info['detail']}" for info in the_plan.get("info", ()))
    return "\n".join(lines)


def rehearsed(outcome):
    """Whether ``outcome`` is a rehearsal's: ``rehearsed``, or ``warned`` with its report (``--strict``)."""
    return outcome.result == REHEARSED or outcome.rehearsal is not None


def summary_table(outcomes):
    rows = [("DATABASE", "RESULT", "ADDONS UPGRADED", "DURATION")]
    rows += [(o.database, result_word(o), ", ".join(o.upgraded) or "-", f"{o.duration:.2f} s") for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3] for row in rows)


class Report:
    """Prints each database's outcome as it arrives, then the summary."""

    def __init__(self, total, output_format, logger):
        self.total, self.format, self.logger = total, output_format, logger
        self.outcomes = []

    def __call__(self, outcome):
        self.outcomes.append(outcome)
        self.logger.info(
            "[%d/%d] %s: %s in %.2f s",
            len(self.outcomes),
            self.total,
            outcome.database,
            result_word(outcome),
            outcome.duration,
        )
        print(as_json(outcome) if self.format == "json" else as_text(outcome), flush=True)

    def finish(self, if_exists):
        """Print the summary table (several databases, text); return the exit code.

        No database at all (``--all-databases`` or ``--filter`` left none) is
        said: a typo in a filter must not pass for a deploy with nothing to do.
        """
        if not self.outcomes:
            print(f"auto-upgrade: {NO_DATABASE_LEFT}", file=sys.stderr)
        elif self.format == "text" and self.total > 1:
            print(f"\n{summary_table(self.outcomes)}")
        return exit_code(self.outcomes, if_exists)
