"""What the database and the disk say, read without an Odoo registry.

Plain SQL on any DB-API cursor (an Odoo cursor or a psycopg2 one) and the
filesystem: the in-Odoo method, the planner and the command line share these
readers, and the command line can decide that nothing changed without loading
a registry.
"""

import json
import logging
import os
from typing import NamedTuple

from odoo.modules.module import get_module_path
from odoo.tools import config

from .core.cache import cached_fingerprint
from .core.fingerprint import UnreadableFileError, fingerprint, parse_patterns

_logger = logging.getLogger(__name__)

PARAM_INSTALLED_CHECKSUMS = "module_auto_update.installed_checksums"
PARAM_EXCLUDE_PATTERNS = "module_auto_update.exclude_patterns"
DEFAULT_EXCLUDE_PATTERNS = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*"
PARAM_STAT_CACHE = "module_auto_update.stat_cache"
CHECKSUM_TABLE = "module_auto_update_checksum"
PENDING_STATES = ("to install", "to upgrade", "to remove")


def get_param(cr, key, default=None):
    cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", (key,))
    row = cr.fetchone()
    return row[0] if row else default


def table_exists(cr, table):
    cr.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'r'", (table,))
    return bool(cr.fetchone())


class FingerprintSettings(NamedTuple):
    exclude_patterns: list
    keep_langs: list
    cache_dir: str = None  # the stat cache's folder, None when it is turned off


def stat_cache_dir(cr):
    """Where the stat cache lives: Odoo's data_dir, which every Odoo process of
    the machine shares and may write; None when the system parameter turns it off."""
    if (get_param(cr, PARAM_STAT_CACHE) or "").strip().lower() in ("0", "false", "no", "off"):
        return None
    return os.path.join(config["data_dir"], "module_auto_update", "stat_cache")


def fingerprint_settings(cr):
    """Exclude patterns and active languages: what a fingerprint depends on."""
    patterns = parse_patterns(get_param(cr, PARAM_EXCLUDE_PATTERNS, DEFAULT_EXCLUDE_PATTERNS))
    cr.execute("SELECT code FROM res_lang WHERE active ORDER BY code")
    return FingerprintSettings(patterns, [code for (code,) in cr.fetchall()], stat_cache_dir(cr))


def modules_in_state(cr, states):
    cr.execute("SELECT name FROM ir_module_module WHERE state = ANY(%s) ORDER BY name", (list(states),))
    return [name for (name,) in cr.fetchall()]


def legacy_checksums(cr):
    """The values other tools keep in the JSON system parameter."""
    value = get_param(cr, PARAM_INSTALLED_CHECKSUMS)
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        _logger.warning(
            "System parameter %s is not a JSON object; it is ignored, so every "
            "installed addon counts as never recorded.",
            PARAM_INSTALLED_CHECKSUMS,
        )
        return {}
    return {name: value for name, value in data.items() if value and isinstance(value, str)}


def saved_checksums(cr):
    """``{addon: checksum}`` recorded at the last successful upgrade.

    While our table is empty (or not created yet) the legacy parameter is
    authoritative, so a database coming from the OCA addon or
    click-odoo-update needs no full upgrade; the next save copies it over.
    """
    if table_exists(cr, CHECKSUM_TABLE):
        cr.execute(
            "SELECT name, checksum FROM module_auto_update_checksum WHERE checksum IS NOT NULL AND checksum != ''"
        )
        rows = dict(cr.fetchall())
        if rows:
            return rows
    return legacy_checksums(cr)


def saved_file_checksums(cr):
    """``{addon: {relpath: sha1}}`` recorded beside the addon checksums."""
    if not table_exists(cr, CHECKSUM_TABLE):
        return {}
    cr.execute("SELECT name, file_checksums FROM module_auto_update_checksum WHERE file_checksums IS NOT NULL")
    return {name: files if isinstance(files, dict) else json.loads(files) for name, files in cr.fetchall()}


def addon_path(name):
    path = get_module_path(name, display_warning=False)
    return path if path and os.path.isdir(path) else False


def current_fingerprints(names, settings):
    """``{name: Fingerprint}``; ``False`` for a missing folder, ``None`` for an
    addon with a file that cannot be read (it then counts as changed)."""
    patterns, langs, cache_dir = FingerprintSettings(*settings)
    result = {}
    for name in names:
        path = addon_path(name)
        if not path:
            result[name] = False
            continue
        try:
            if cache_dir:
                result[name] = cached_fingerprint(path, patterns, langs, cache_dir)
            else:
                result[name] = fingerprint(path, patterns, langs)
        except UnreadableFileError as exc:
            _logger.warning("Addon %s counts as changed, its fingerprint is unknown: %s", name, exc)
            result[name] = None
    return result


def digests(fingerprints):
    return {name: fp.digest if fp else fp for name, fp in fingerprints.items()}


def storable_files(files):
    """``{relpath: sha1}`` with keys PostgreSQL's JSON accepts.

    A file name that is not valid UTF-8 reaches Python with lone surrogates,
    which PostgreSQL refuses in JSON: its bytes are written as ``\\xNN``.
    """
    return {os.fsencode(path).decode("utf-8", "backslashreplace"): sha for path, sha in files.items()}
