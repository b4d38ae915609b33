# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo 18's settings that decide what "nothing changed" means, read without Odoo.

The quick start (``cli/quick_start.py``) must find each addon where a
starting Odoo finds it and reach the database Odoo reaches, before deciding
that nothing changed without importing Odoo. This module reads the
configuration file and the few command-line options involved as
``odoo/tools/config.py`` does, and rebuilds ``odoo.addons.__path__`` in
Odoo's order (``odoo/modules/module.py``, ``initialize_sys_path``). Any
option it does not know raises ``Unsupported``: the quick start then hands
the run over to ``odoo-bin auto-upgrade``, which is never wrong.
"""

import argparse
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


class Unsupported(Exception):
    """A setting only Odoo itself can interpret."""


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


def config_file(cli_path, environ):
    """The configuration file Odoo reads: -c, $ODOO_RC, $OPENERP_SERVER, ~/.odoorc."""
    if cli_path:
        if not os.access(cli_path, os.R_OK):
            raise Unsupported(f"configuration file {cli_path!r} is not readable")
        return os.path.abspath(cli_path)
    path = environ.get("ODOO_RC") or environ.get("OPENERP_SERVER")
    if not path:
        path, old = os.path.expanduser("~/.odoorc"), os.path.expanduser("~/.openerp_serverrc")
        if os.path.isfile(path) and os.path.isfile(old):
            raise Unsupported("both ~/.odoorc and ~/.openerp_serverrc exist")
        if not os.path.isfile(path) and os.path.isfile(old):
            path = old
    return os.path.abspath(path)


def read_config_file(path):
    """The ``[options]`` section, with Odoo's True/False conversion."""
    parser = configparser.RawConfigParser()
    try:
        parser.read([path])
        items = parser.items("options")
    except (OSError, configparser.NoSectionError):
        return {}
    except configparser.Error as exc:
        raise Unsupported(f"configuration file {path!r}: {exc}") from exc
    converted = {"True": True, "true": True, "False": False, "false": False}
    return {name: converted.get(value, value) for name, value in items}


def _normalize(path):
    return os.path.normcase(os.path.realpath(os.path.abspath(os.path.expanduser(os.path.expandvars(path.strip())))))


def default_data_dir(environ):
    """appdirs' user_data_dir("Odoo") on Linux, as Odoo computes it."""
    if not os.path.isdir(os.path.expanduser("~")):
        return "/var/lib/odoo"
    return os.path.join(environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "Odoo")


def load(cli_options, environ, odoo_dir):
    """Odoo's options: its defaults, then the configuration file, then the command line."""
    if "addons_path" in cli_options:
        check_addons_path(cli_options["addons_path"])
    options = dict(DEFAULTS, data_dir=default_data_dir(environ))
    file_options = read_config_file(config_file(cli_options.get("config"), environ))
    options.update((key, value) for key, value in file_options.items() if key in DEFAULTS)
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
    data_dir's downloaded addons, the addons path, the base addons folder."""
    dirs = [os.path.abspath(path) for path in namespace_dirs(odoo_dir, sys_path)]

    def add(path):
        if path not in dirs:
            dirs.append(path)

    downloaded = os.path.normcase(os.path.join(options["data_dir"], "addons", series))
    if os.access(downloaded, os.R_OK):
        add(downloaded)
    for path in options["addons_path"]:
        add(os.path.normcase(os.path.abspath(path.strip())))
    base = os.path.normcase(os.path.abspath(os.path.join(odoo_dir, "addons")))
    if os.path.isdir(base):
        add(base)
    return dirs


def locator(dirs):
    """``locate(name)``: the addon's folder as Odoo's ``get_module_path`` finds it, or False."""

    def locate(name):
        if re.search(r"[\/\\]", name):
            return False
        for folder in dirs:
            path = os.path.join(folder, name)
            if any(os.path.exists(os.path.join(path, manifest)) for manifest in MANIFEST_NAMES) or os.path.exists(
                path + ".zip"
            ):
                return path if os.path.isdir(path) else False
        return False

    return locate


def connection_params(options, dbname, environ, pid):
    """psycopg2 keywords as Odoo's ``sql_db.connection_info_for`` builds them."""
    if dbname.startswith(("postgresql://", "postgres://")):
        raise Unsupported("a database given as a connection URI")
    app_name = environ.get("ODOO_PGAPPNAME", "odoo-{pid}").replace("{pid}", str(pid))[:63]
    params = {"dbname": dbname, "application_name": app_name}
    params.update((param, options[f"db_{param}"]) for param in DB_PARAMS if options[f"db_{param}"])
    return params
