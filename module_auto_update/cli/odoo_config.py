# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's settings that decide what "nothing changed" means, read without Odoo (18.0 and 19.0).

The quick start (``cli/quick_start.py``) must find each addon where a
starting Odoo finds it and reach the database Odoo reaches, before deciding
that nothing changed without importing Odoo. This module reads the
configuration file and the few command-line options involved as
``odoo/tools/config.py`` does, and rebuilds ``odoo.addons.__path__`` in
Odoo's order (``odoo/modules/module.py``, ``initialize_sys_path``). Any
option it does not know raises ``Unsupported``: the quick start then hands
the run over to ``odoo-bin auto-upgrade``, which is never wrong.

The quick start cannot import ``upgrade/series.py`` (it imports Odoo): what
differs here between the series is chosen by the major version that
``release`` reads from Odoo's ``odoo/release.py``. 19.0 reads the libpq
variables (``PGHOST``, ``PGDATABASE``...) as options, above the configuration
file; no longer reads ``$OPENERP_SERVER``; finds an addon by its
``__manifest__.py`` only, and only when that file can be read; looks in
Odoo's community ``addons`` folder after the addons path; names the command
``auto_upgrade``.
"""

import argparse
import ast
import configparser
import os
import re

MANIFEST_NAMES = ("__manifest__.py", "__openerp__.py")
DB_PARAMS = ("host", "port", "user", "password", "sslmode")
# Odoo's --log-level choices.
LOG_LEVELS = ("info", "debug_rpc", "warn", "test", "critical", "runbot", "debug_sql", "error", "debug")
LOG_LEVELS += ("debug_rpc_answer", "notset")
# The logger levels Odoo's init_logger (odoo/netsvc.py) sets before the
# log_handler entries: its defaults, then those of the --log-level.
DEFAULT_LOG_CONFIGURATION = ("odoo.http.rpc.request:INFO", "odoo.http.rpc.response:INFO", ":INFO")
PSEUDOCONFIG_MAPPER = {
    "debug_rpc_answer": ("odoo:DEBUG", "odoo.sql_db:INFO", "odoo.http.rpc:DEBUG"),
    "debug_rpc": ("odoo:DEBUG", "odoo.sql_db:INFO", "odoo.http.rpc.request:DEBUG"),
    "debug": ("odoo:DEBUG", "odoo.sql_db:INFO"),
    "debug_sql": ("odoo.sql_db:DEBUG",),
    "runbot": ("odoo:RUNBOT", "werkzeug:WARNING"),
    "warn": ("odoo:WARNING", "werkzeug:WARNING"),
    "error": ("odoo:ERROR", "werkzeug:ERROR"),
    "critical": ("odoo:CRITICAL", "werkzeug:CRITICAL"),
}
DEFAULTS = {
    "addons_path": None,
    "data_dir": None,
    "db_name": False,
    "dbfilter": "",
    "list_db": True,
    "db_host": False,
    "db_port": False,
    "db_user": False,
    "db_password": False,
    "db_sslmode": "prefer",
    "log_level": "info",
    "log_handler": ":INFO",
    "logfile": False,
    # Log destinations only Odoo's logging set-up provides.
    "syslog": False,
    "log_db": False,
}


# 19.0's options read from libpq's variables (``env_name`` in odoo/tools/config.py), above the file.
ENV_OPTIONS = {
    "db_name": "PGDATABASE",
    "db_user": "PGUSER",
    "db_password": "PGPASSWORD",
    "db_host": "PGHOST",
    "db_port": "PGPORT",
    "db_sslmode": "PGSSLMODE",
    "db_app_name": "PGAPPNAME",
}
BOOLEAN_OPTIONS = ("list_db", "syslog")
MODULE_NAME = re.compile(r"^\w{1,256}$")  # 19.0's MODULE_NAME_RE


class Unsupported(Exception):
    """A setting only Odoo itself can interpret."""


def release(odoo_dir):
    """``(series, major)`` of the Odoo whose package folder is ``odoo_dir`` (``("19.0", 19)``), read
    from its ``release.py`` without importing it: ``series`` is ``version_info``'s first two items
    joined by a dot, as that file computes it (``saas~18.2`` for a SaaS release, major 18).

    :raises ValueError: when the file is missing or holds no such ``version_info``.
    """
    path = os.path.join(odoo_dir, "release.py")
    try:
        with open(path, encoding="utf-8") as file:
            tree = ast.parse(file.read(), path)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValueError(f"{path} cannot be read: {exc}") from exc
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == "version_info" for target in node.targets)
            and isinstance(node.value, ast.Tuple)
            and len(node.value.elts) >= 2
            and all(isinstance(item, ast.Constant) for item in node.value.elts[:2])
        ):
            first, second = (item.value for item in node.value.elts[:2])
            major = str(first).rsplit("~", 1)[-1]
            if major.isdigit():
                return f"{first}.{second}", int(major)
    raise ValueError(f"{path} has no version_info = (MAJOR, MINOR, ...) that can be read without running it")


def major_of(series):
    """The major version of ``series`` ("19.0": 19, "saas~18.2": 18)."""
    return int(series.split(".", 1)[0].rsplit("~", 1)[-1])


def command_name(major):
    """The addon's command in Odoo ``major``: 19.0's command names are ``[a-z][a-z0-9_]*``
    (``upgrade/series.py``'s ``COMMAND``, for the running Odoo)."""
    return "auto_upgrade" if major >= 19 else "auto-upgrade"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Unsupported(message)


def parse_args(args):
    """``(options, others)``: the Odoo options of ``args`` that matter here, and the rest.

    Unsupported when one of them is malformed: Odoo's parser words the error."""
    parser = _Parser(add_help=False, allow_abbrev=False)
    parser.add_argument("-c", "--config")
    parser.add_argument("--addons-path", dest="addons_path")
    parser.add_argument("-D", "--data-dir", dest="data_dir")
    for param in DB_PARAMS:
        parser.add_argument(f"--db_{param}")
    parser.add_argument("-r", dest="db_user")
    parser.add_argument("-w", dest="db_password")
    parser.add_argument("--log-level", dest="log_level", choices=LOG_LEVELS)
    parser.add_argument("--log-handler", dest="log_handler", action="append")
    parser.add_argument("--log-web", dest="log_handler", action="append_const", const="odoo.http:DEBUG")
    parser.add_argument("--log-sql", dest="log_handler", action="append_const", const="odoo.sql_db:DEBUG")
    parser.add_argument("--logfile")
    parser.add_argument("--db-filter", dest="dbfilter")
    parser.add_argument("--no-database-list", dest="list_db", action="store_false", default=None)
    opts, unknown = parser.parse_known_args(args)
    return {key: value for key, value in vars(opts).items() if value is not None}, unknown


def is_addons_folder(path):
    """Whether ``path`` holds an addon, as Odoo's check of ``--addons-path`` requires."""
    for name in os.listdir(path):
        addon = os.path.join(path, name)
        if os.path.isfile(os.path.join(addon, "__init__.py")) and any(
            os.path.isfile(os.path.join(addon, manifest)) for manifest in MANIFEST_NAMES
        ):
            return True
    return False


def check_addons_path(value):
    """Odoo's check of ``--addons-path`` on the command line (not of the configuration file's):
    Unsupported when a folder does not exist or holds no addon (Odoo then words the error)."""
    for path in value.split(","):
        folder = os.path.abspath(os.path.expanduser(path.strip()))
        if not os.path.isdir(folder) or not is_addons_folder(folder):
            raise Unsupported(f"--addons-path: {folder!r} is not a folder of addons")


def config_file(cli_path, environ, major=18):
    """The configuration file Odoo reads: -c, $ODOO_RC, $OPENERP_SERVER (before 19.0), ~/.odoorc."""
    if cli_path:
        if not os.access(cli_path, os.R_OK):
            raise Unsupported(f"configuration file {cli_path!r} is not readable")
        return os.path.abspath(cli_path)
    path = environ.get("ODOO_RC") if major >= 19 else environ.get("ODOO_RC") or environ.get("OPENERP_SERVER")
    if not path:
        path, old = os.path.expanduser("~/.odoorc"), os.path.expanduser("~/.openerp_serverrc")
        if os.path.isfile(path) and os.path.isfile(old) and major < 19:
            raise Unsupported("both ~/.odoorc and ~/.openerp_serverrc exist")
        if not os.path.isfile(path) and os.path.isfile(old):
            path = old
    return os.path.abspath(os.path.expanduser(path))


def read_config_file(path, major=18):
    """The ``[options]`` section, with Odoo's True/False conversion; 19.0 skips ``False`` given to
    an option that is not a boolean (the option keeps its default)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read([path])
        items = parser.items("options")
    except (OSError, configparser.NoSectionError):
        return {}
    except configparser.Error as exc:
        raise Unsupported(f"configuration file {path!r}: {exc}") from exc
    converted = {"True": True, "true": True, "False": False, "false": False}
    if major >= 19:
        items = [(name, value) for name, value in items if value not in ("False", "false") or name in BOOLEAN_OPTIONS]
    return {name: converted.get(value, value) for name, value in items}


def _normalize(path):
    return os.path.normcase(os.path.realpath(os.path.abspath(os.path.expanduser(os.path.expandvars(path.strip())))))


def default_data_dir(environ):
    """appdirs' user_data_dir("Odoo") on Linux, as Odoo computes it."""
    if not os.path.isdir(os.path.expanduser("~")):
        return "/var/lib/odoo"
    return os.path.join(environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "Odoo")


def load(cli_options, environ, odoo_dir, major=18):
    """Odoo ``major``'s options: its defaults, then the configuration file, then (19.0) the libpq
    variables, then the command line."""
    if "addons_path" in cli_options:
        check_addons_path(cli_options["addons_path"])
    options = dict(DEFAULTS, data_dir=default_data_dir(environ))
    if major >= 19:
        options["db_app_name"] = "odoo-{pid}"
    file_options = read_config_file(config_file(cli_options.get("config"), environ, major), major)
    options.update((key, value) for key, value in file_options.items() if key in options)
    if major >= 19:
        options.update((key, environ[name]) for key, name in ENV_OPTIONS.items() if name in environ)
        if file_options.get("addons_path") and "addons_path" not in cli_options:
            # 19.0 skips, with a warning, the folders of the file's addons path that hold no addon.
            for path in str(file_options["addons_path"]).split(","):
                folder = _normalize(path) if path.strip() else None
                if folder and not (os.path.isdir(folder) and is_addons_folder(folder)):
                    raise Unsupported(f"the configuration file's addons_path: {folder!r} is not a folder of addons")
    cli_handlers = cli_options.get("log_handler", [])
    options.update((key, value) for key, value in cli_options.items() if key in DEFAULTS and key != "log_handler")
    if options["syslog"] or options["log_db"]:
        raise Unsupported("logging to syslog or to a database")
    # As Odoo: the file's comma-separated entries, then the command line's.
    options["log_handler"] = [*str(options["log_handler"]).split(","), *cli_handlers]
    if any(item.strip().count(":") != 1 for item in options["log_handler"]):
        raise Unsupported(f"log_handler {','.join(options['log_handler'])!r} (PREFIX:LEVEL expected)")
    if options["addons_path"] in (None, False, "", "None"):
        defaults = [os.path.join(odoo_dir, "addons"), os.path.abspath(os.path.join(odoo_dir, "..", "addons"))]
        options["addons_path"] = [path for path in defaults if os.path.exists(path)]
    else:
        options["addons_path"] = [_normalize(path) for path in options["addons_path"].split(",") if path.strip()]
    options["data_dir"] = _normalize(options["data_dir"])
    options["logfile"] = _normalize(options["logfile"]) if options["logfile"] not in (False, "None", "False") else False
    return options


def logger_levels(options):
    """``[(logger name, level name)]`` in the order Odoo's ``init_logger`` sets them."""
    items = (*DEFAULT_LOG_CONFIGURATION, *PSEUDOCONFIG_MAPPER.get(options["log_level"], ()), *options["log_handler"])
    return [tuple(item.strip().split(":")) for item in items]


def namespace_dirs(odoo_dir, sys_path):
    """``odoo.addons.__path__`` as importing Odoo leaves it: the ``odoo/addons``
    folder of every ``odoo`` package folder on sys.path, the imported one first."""
    odoo_dirs = [os.path.abspath(odoo_dir)]
    for entry in sys_path:
        candidate = os.path.abspath(os.path.join(entry or os.curdir, "odoo"))
        if candidate not in odoo_dirs and os.path.isdir(candidate):
            odoo_dirs.append(candidate)
    addons = [os.path.join(path, "addons") for path in odoo_dirs]
    return [path for path in addons if os.path.isdir(path)]


def addons_dirs(options, odoo_dir, sys_path, series):
    """Where Odoo looks for addons, in its order: the namespace folders, the
    data_dir's downloaded addons, the addons path, then 19.0's community
    addons folder (beside the odoo package) and the base addons folder."""
    dirs = [os.path.abspath(path) for path in namespace_dirs(odoo_dir, sys_path)]

    def add(path):
        if path not in dirs:
            dirs.append(path)

    downloaded = os.path.normcase(os.path.join(options["data_dir"], "addons", series))
    if os.access(downloaded, os.R_OK):
        add(downloaded)
    for path in options["addons_path"]:
        add(os.path.normcase(os.path.abspath(path.strip())))
    if major_of(series) >= 19:
        community = os.path.normcase(os.path.abspath(os.path.join(odoo_dir, "..", "addons")))
        if os.access(community, os.R_OK):
            add(community)
    base = os.path.normcase(os.path.abspath(os.path.join(odoo_dir, "addons")))
    if os.path.isdir(base):
        add(base)
    return dirs


def locator(dirs, major=18):
    """``locate(name)``: the addon's folder as Odoo's ``get_module_path`` finds it, or False.

    19.0 (``Manifest.for_addon``) takes a name of word characters only and the first folder
    whose ``__manifest__.py`` reads as a Python literal; no ``__openerp__.py``, no zip."""

    def locate(name):
        if re.search(r"[\/\\]", name):
            return False
        if major >= 19:
            if not MODULE_NAME.match(name):
                return False
            return next((path for folder in dirs if (path := manifest_folder(folder, name))), False)
        for folder in dirs:
            path = os.path.join(folder, name)
            if any(os.path.exists(os.path.join(path, manifest)) for manifest in MANIFEST_NAMES) or os.path.exists(
                path + ".zip"
            ):
                return path if os.path.isdir(path) else False
        return False

    return locate


def manifest_folder(folder, name):
    """``folder/name`` when its ``__manifest__.py`` reads as a Python literal (19.0), else None."""
    path = os.path.join(folder, name)
    try:
        with open(os.path.join(path, "__manifest__.py"), encoding="utf-8") as file:
            ast.literal_eval(file.read())
    except (OSError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return path


def connection_params(options, dbname, environ, pid):
    """psycopg2 keywords as Odoo's ``sql_db.connection_info_for`` builds them."""
    if dbname.startswith(("postgresql://", "postgres://")):
        raise Unsupported("a database given as a connection URI")
    # 19.0's db_app_name option (PGAPPNAME), which $ODOO_PGAPPNAME still overrides.
    app_name = environ.get("ODOO_PGAPPNAME", options.get("db_app_name") or "odoo-{pid}")
    app_name = app_name.replace("{pid}", str(pid))[:63]
    params = {"dbname": dbname, "application_name": app_name}
    params.update((param, options[f"db_{param}"]) for param in DB_PARAMS if options[f"db_{param}"])
    return params
