# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every sentence the plan shows, by code: English templates with named parameters.

The pure core puts ``code`` and ``params`` in the plan, and the English
sentence (``detail``) for the command line and JSON readers; the Odoo layer
renders the same codes in the user's language with ``env._``. ``_lt`` marks
the templates for Odoo's translation export (its ``_lt`` keyword) and
returns them unchanged: the core imports nothing from Odoo.
"""


def _lt(template):
    return template


MESSAGES = {
    # Why an addon is in the plan (core.compare's reasons are the codes).
    "changed": _lt("changed"),
    "never recorded": _lt("no fingerprint recorded yet"),
    "forced": _lt("upgrade asked for"),
    "unreadable": _lt("a file cannot be read: counted as changed"),
    # Why a changed addon changed, when a language did it (plan.language_reasons): its translation files
    # count in its fingerprint while a language of theirs is active.
    "language-activated": _lt("%(languages)s activated: %(files)s now counts in its fingerprint"),
    "language-activated-many": _lt("%(languages)s activated: %(files)s now count in its fingerprint"),
    "language-deactivated": _lt("%(languages)s deactivated: %(files)s no longer counts in its fingerprint"),
    "language-deactivated-many": _lt("%(languages)s deactivated: %(files)s no longer count in its fingerprint"),
    # Blocking problems: the upgrade would fail, so it does not start.
    "dependency-unavailable": _lt(
        "%(module)s depends on %(dependency)s, which is not in the addons path or not installable."
    ),
    "external-dependency-missing": _lt("%(module)s needs %(problem)s."),
    "manifest-invalid": _lt("The manifest of %(module)s cannot be read: %(error)s"),
    "file-missing": _lt("%(module)s lists %(missing)s in its manifest, but the file does not exist."),
    "xml-invalid": _lt("Not well-formed XML: %(error)s"),
    "csv-invalid": _lt("Cannot be read as CSV: %(error)s"),
    "model-unknown": _lt("A record of model %(model)s, which neither the database nor the addons to load define."),
    "python-invalid": _lt("Not valid Python: %(error)s"),
    "migration-import-missing": _lt(
        "A migration script of %(module)s imports %(package)s, which the Python running Odoo cannot import: "
        "the script would fail to load. Install the package that provides it, and declare it in the "
        "external_dependencies of %(module)s."
    ),
    # Found by a running Odoo only (the wizard, the shell): it would refuse this upgrade.
    "python-loaded": _lt(
        "The Python code of %(module)s changed after this Odoo process imported it, and a running Odoo "
        "cannot load it again: an upgrade from here would be refused. Restart Odoo (with the upgrade on "
        "start, it upgrades then) or run odoo-bin auto-upgrade, which starts a new process."
    ),
    # Warnings: what the upgrade will do that may lose data.
    "base-upgrade": _lt("base changed: every installed addon will be upgraded."),
    "records-deleted": _lt(
        "Records of %(model)s will be deleted (%(count)s): their XML IDs (%(xmlids)s) are no longer "
        "defined by any data file."
    ),
    "columns-dropped": _lt(
        "Fields %(fields)s of %(model)s are no longer declared in the code of %(module)s: their columns "
        "and data will be dropped (%(table)s: about %(rows)s rows). Detected statically from the Python code; "
        "fields created dynamically can be missed."
    ),
    # Risks (core.risk): what hurts a live database while the upgrade runs, with the size that makes it hurt.
    "column-rewrite": _lt(
        "%(model)s.%(field)s changes type (%(old)s to %(new)s): PostgreSQL rewrites %(table)s (about %(rows)s "
        "rows) under an exclusive lock, which holds until the upgrade commits."
    ),
    "not-null-column": _lt(
        "%(model)s.%(field)s is required and its column is new or not yet NOT NULL: Odoo writes each of about "
        "%(rows)s rows of %(table)s, then checks them all under an exclusive lock."
    ),
    "column-filled": _lt(
        "%(model)s.%(field)s is new and has a default: Odoo writes it in each of about %(rows)s rows of %(table)s."
    ),
    "recompute": _lt(
        "%(model)s.%(field)s is a new stored computed field: Odoo computes it for each of about %(rows)s rows "
        "of %(table)s inside the upgrade."
    ),
    "index-created": _lt(
        "%(model)s.%(field)s gets an index: PostgreSQL builds it over about %(rows)s rows of %(table)s, and "
        "nobody can write %(table)s until the upgrade commits."
    ),
    "login-model": _lt(
        "%(model)s gains fields %(fields)s: restart the Odoo processes right after the upgrade. Until they "
        "restart on the new code, they do not know these fields, and the views of %(model)s that show them "
        "fail to open (Invalid field)."
    ),
    "migration-not-reached": _lt(
        "%(file)s is for version %(version)s, above the version in __manifest__.py (%(manifest)s): it will not "
        "run. Bump the version in __manifest__.py to %(target)s."
    ),
    "migration-not-reached-installed": _lt(
        "%(file)s is new, for version %(version)s, which is not above the installed version (%(installed)s): it "
        "will not run. Move it to a migrations folder of version %(target)s and set the version in "
        "__manifest__.py to %(target)s."
    ),
    "migration-not-reached-any": _lt(
        "%(file)s runs only when the version changes, and the version in __manifest__.py is still the installed "
        "one (%(installed)s): it will not run. Bump the version in __manifest__.py to %(target)s."
    ),
    "migration-edited": _lt(
        "%(file)s was edited after it ran on this database (version %(version)s): its changes will never run "
        "again. Put them in a new migration for a higher version."
    ),
    "code-missing": _lt(
        "%(module)s is installed but its folder is not in the addons path: it is not upgraded, and the next "
        "start of Odoo fails or serves without it. Add its folder to the addons path, or uninstall it."
    ),
    # Information: installed addons the upgrade leaves as they are, or finishes.
    "database-only": _lt(
        "%(module)s is installed but has no code in the addons path: it exists only in the database "
        "(as Studio's customizations do) and is left as it is."
    ),
    "pending": _lt("%(module)s was left %(state)s by an earlier action: the upgrade finishes it."),
    "partially-updated": _lt(
        "An upgrade by Odoo itself stopped half-way on this database, which Odoo marked partially updated "
        "(base.partially_updated_database), with %(count)s addons left pending: the upgrade finishes them and "
        "clears the mark, in its one transaction."
    ),
    "not-installable": _lt("%(module)s is installed but its manifest says it is not installable: it is left as it is."),
    "adopted": _lt(
        "%(module)s was recorded by a tool with another exclude default (tests/* or not) and is unchanged: "
        "its fingerprint is taken over, no upgrade."
    ),
    "migrations-unrun-allowed": _lt(
        "If these migration scripts are meant not to run, allow it: --allow-unrun-migrations (command line), "
        "the system parameter module_auto_update.allow_unrun_migrations (in Odoo) or the server option "
        "auto_upgrade_allow_unrun_migrations (upgrade on start). They are then warned of, and the run's history "
        "says they did not run."
    ),
    "first-run": _lt(
        "No fingerprint is recorded yet: every installed addon counts as changed. Upgrade everything, "
        "or record the current state if the database already matches the code."
    ),
    # The summary, its parts joined with "; ".
    "nothing": _lt("Nothing to upgrade: every installed addon matches its fingerprint."),
    "nothing-but-missing": _lt(
        "Nothing to upgrade: every other installed addon matches its fingerprint; %(count)s left as they are "
        "(no code, or not installable)"
    ),
    "count-changed": _lt("addons to upgrade: %(count)s"),
    "count-cascade": _lt("dependents upgraded with them: %(count)s"),
    "count-to_install": _lt("addons to install: %(count)s"),
    "count-pending": _lt("addons left pending: %(count)s"),
    "count-partially-updated": _lt("an upgrade by Odoo itself to finish"),
    "count-migrations": _lt("version changes: %(count)s"),
    "count-blocking": _lt("blocking problems: %(count)s"),
    "count-warnings": _lt("warnings: %(count)s"),
    "count-missing": _lt("left as they are (no code, or not installable): %(count)s"),
    # Headings.
    "heading-blocking": _lt("Blocking: the upgrade would fail, so it will not start"),
    "heading-warnings": _lt("Warnings"),
    "heading-info": _lt("Information"),
    "heading-changed": _lt("Changed"),
    "heading-cascade": _lt("Upgraded as dependents"),
    "heading-to_install": _lt("To install"),
    "heading-migrations": _lt("Migrations"),
    "because-of": _lt("because of %(addons)s"),
    "required-by": _lt("required by %(addons)s"),
}


def render(code, params=None, translate=None):
    """The sentence of ``code`` with ``params``; ``translate(template, **params)`` renders it in another language."""
    params = params or {}
    if translate is not None:
        return translate(MESSAGES[code], **params)
    return MESSAGES[code] % params if params else MESSAGES[code]


def entry(code, **params):
    """A plan entry: its code, its parameters and its English sentence."""
    return {"code": code, "params": params, "detail": render(code, params)}


def blocking(module, code, file, line=None, **params):
    """A blocking entry: where the problem is (``file`` as ``addon/path``, ``line``) and what it is."""
    return dict(entry(code, module=module, file=file, **params), module=module, file=file, line=line)


def where(problem):
    """``addon/path:line`` of a blocking entry."""
    return problem["file"] + (f":{problem['line']}" if problem.get("line") else "")
