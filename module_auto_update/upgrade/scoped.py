# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's whole-database loading steps, done where they can change something.

An update (``Registry.new(update_module=True)``) runs three steps over the
whole database, whatever it upgrades (``odoo/modules/loading.py``):

1. the refresh of the module list, ``ir.module.module.update_list``: every
   manifest on the addons path compared with its row, then three to ten
   queries per addon (dependencies, countries, exclusions, category), twice
   per upgrade (when the loader starts its update, and in ``button_upgrade``);
2. the check of removed columns (step 4): ``_check_removed_columns`` of every
   model of ``ir_model``, a query per model, which drops the NOT NULL of a
   column that no field of the model stores any more;
3. the validation of custom views (step 6): ``ir.ui.view._validate_custom_views``
   of every model of the registry, a query per model (two with
   ``base_import_module``), which checks the views without an external id of
   an installed addon (and those of imported addons).

Inside ``whole_database_steps()``, for the loads of the thread that entered
it, each is done by Odoo's own code, but only where it writes or checks
something; where that is, one read of the whole database per step finds,
with the conditions of Odoo's per-addon or per-model work:

1. The module list is refreshed once per run: the second call writes
   nothing, both read the same manifests (17.0 and 18.0 cache them per
   process; 19.0 reads the files again, the same unless edited during the
   run) and the first made every row match them. The refresh covers the addons of the
   path that have no row yet (new addons: a new dependency or an
   auto-install addon is judged on fresh rows) and those whose row differs
   from what ``update_list`` would write from their manifest: a value of
   ``get_values_from_terp``, the state ``uninstallable`` of an installable
   addon, the dependencies and their ``auto_install_required``, the
   countries (not on 17.0, which has none), the exclusions, the category
   path (or a loop in it). For every
   other addon ``update_list`` writes nothing: it compares the same values
   and writes only where they differ (the flags it sets again keep the
   values they hold). The manifests are Odoo's (``get_module_info``), read
   the same way, so a manifest changed on disk, an icon or a README added,
   is seen as Odoo sees it, and the change needs no fingerprint: an
   uninstalled addon's manifest is compared too. ``update_list`` itself then
   runs (its rights check, its log, its writes) over those addons only: its
   listing of the addons path (``odoo.modules.get_modules``; on 19.0
   ``Manifest.all_addon_manifests``, whose ``Manifest`` objects are the ones
   compared) answers them, once. An addon whose category path alone differs (base's data renames
   categories: Odoo then writes the same category again on every refresh,
   for 386 of Odoo's 627 addons) gets the write ``_update_category`` makes,
   ``write({"category_id": id})``, the id found as ``create_categories``
   finds it; where that would create a category, the refresh does it, in order.
2. The removed columns are checked for the models whose table has a column
   (of a type Odoo's query keeps) that no stored field of the model has: the
   columns of every table are read once, when the step starts (of every
   schema: 19.0's query keeps the current schema's alone, a subset). For the
   other models Odoo's query finds nothing and the check does nothing. Only the
   step's calls are narrowed (``log=True``, made by step 4 alone); a schema
   change (``_auto_init`` calls the check with ``log=False``) drops the read.
3. The custom views are validated for the models that have a view which
   ``_validate_custom_views``' query would return (base: an active view
   without an external id of an addon of ``ir_module_module``;
   ``base_import_module``: an active view of an imported addon), read once
   per registry; for the other models the query returns no view and nothing
   is validated. Other overrides of ``_validate_custom_views`` run as they are.

None of this depends on which addons the run upgrades, so it holds when
``base`` is upgraded, for a new addon, for an addon whose folder is gone.
It depends on Odoo's code: each step is narrowed only while the functions it
mirrors are the ones it was checked against on the running series (their
source, ``SERIES_STEPS``: 17.0, 18.0 and 19.0, each with what differs where
the steps read it), and no addon of the registry overrides the parts of the
refresh that decide what it writes (``REFRESH_PARTS``); otherwise, or when a read fails, Odoo's full
step runs (said in the log). Other threads and processes run Odoo's code: the
wrappers are installed while at least one thread is inside, call Odoo's
function for every other thread, and are removed when the last one leaves.
"""

import dataclasses
import functools
import hashlib
import importlib
import inspect
import logging
import sys
import threading
from collections import defaultdict
from contextlib import contextmanager

import odoo.models
import odoo.modules
import odoo.modules.db
import odoo.modules.loading
import odoo.modules.module
from odoo.tools.parse_version import parse_version

from . import series

_logger = logging.getLogger(__name__)

MODULE_LIST = "module list"
REMOVED_COLUMNS = "removed columns"
CUSTOM_VIEWS = "custom views"
IMPORTED_VIEWS = "imported views"
REFRESH = "refresh"  # update_list writes more than the category of a row
# What decides the rows ``update_list`` writes: not to be overridden in the registry
# (``_update_countries`` where the series has it).
REFRESH_PARTS = (
    "get_module_info",
    "get_values_from_terp",
    "_update_from_terp",
    "_update_dependencies",
    "_update_countries",
    "_update_exclusions",
    "_update_category",
)


@dataclasses.dataclass(frozen=True)
class _Series:
    """What the narrowed steps need to know of one Odoo series (``SERIES_STEPS``)."""

    known: dict  # step -> the sha1 of the source of the functions it mirrors (``_mirrored``)
    module_class: str  # base's class of ir.module.module (odoo/addons/base/models/ir_module.py)
    view_class: str  # base's class of ir.ui.view (odoo/addons/base/models/ir_ui_view.py)
    countries: bool  # _update_from_terp writes the manifest's countries (_update_countries, module_country)
    # What update_list iterates over: the names of odoo.modules.get_modules (``get_module_info(name)``
    # reads each manifest, cached per process), or the Manifest objects of
    # Manifest.all_addon_manifests (read from disk at each call; ``get_module_info(manifest)`` is it).
    manifests: bool

    @property
    def refresh_parts(self):
        return tuple(name for name in REFRESH_PARTS if self.countries or name != "_update_countries")


# Per series, the sources each step was checked against (the sha1 of the source of the functions it
# mirrors, ``_mirrored_functions``) and how the series differs where the steps read it. A series
# missing here, or a source that differs, runs Odoo's full steps. docs/series.rst says what differs.
SERIES_STEPS = {
    "17.0": _Series(
        known={
            MODULE_LIST: "de6db96f155808a145643597509391f0f6dca584",
            REMOVED_COLUMNS: "a2de2f70b446e024e2f4034b1a277b9191ee2af6",
            CUSTOM_VIEWS: "43855aeecba5aa344cc0faf8f864800842162609",
            IMPORTED_VIEWS: "9b50eacd93c3172b4eec35936048516820651ce2",
        },
        module_class="Module",
        view_class="View",
        countries=False,
        manifests=False,
    ),
    "18.0": _Series(
        known={
            MODULE_LIST: "4118b599c8156d69e2166dcc2aa1f400cab0ea9e",
            REMOVED_COLUMNS: "256c5cb8cb2c045f3c9859645e258dfcd677968b",
            CUSTOM_VIEWS: "7a4bcec441bf413cf18415f4b38816ee4924f099",
            IMPORTED_VIEWS: "684efd7301e26a6e73bb6ca5e8e4e34e8c53f89b",
        },
        module_class="Module",
        view_class="View",
        countries=True,
        manifests=False,
    ),
    "19.0": _Series(
        known={
            MODULE_LIST: "cbdf0d5a0d60f538addcd537a3549286de5cce40",
            REMOVED_COLUMNS: "c484df495c0ee93a47faee7c7c0da9fbc16b61db",
            CUSTOM_VIEWS: "fb8c044016656bea8553dc5156c44d60a11ed478",
            IMPORTED_VIEWS: "8e6bec2d2c1fac2e59e35dc5e556d693d9d46060",
        },
        module_class="IrModuleModule",
        view_class="IrUiView",
        countries=True,
        manifests=True,
    ),
}
# The running Odoo's (None: a series the steps were not checked on, which runs Odoo's full steps).
STEPS = SERIES_STEPS.get(series.SERIES)
KNOWN = STEPS.known if STEPS else {}
IMPORTED_VIEWS_MODULE = "odoo.addons.base_import_module.models.ir_ui_view"
# The conditions of the views' queries (odoo/addons/base/models/ir_ui_view.py,
# addons/base_import_module/models/ir_ui_view.py), without ``v.model = %s``.
CUSTOM_VIEWS_QUERY = """
    SELECT DISTINCT v.model
      FROM ir_ui_view v
 LEFT JOIN ir_model_data md ON (md.model = 'ir.ui.view' AND md.res_id = v.id)
     WHERE md.module IN (SELECT name FROM ir_module_module) IS NOT TRUE
       AND v.active = true
"""
IMPORTED_VIEWS_QUERY = """
    SELECT DISTINCT v.model
      FROM ir_ui_view v
 LEFT JOIN ir_model_data md ON (md.model = 'ir.ui.view' AND md.res_id = v.id)
 LEFT JOIN ir_module_module m ON (m.name = md.module)
     WHERE m.imported = true
       AND v.active = true
"""
# The condition of _check_removed_columns' query (odoo/models.py), for every table at once.
COLUMNS_QUERY = """
    SELECT c.relname, a.attname
      FROM pg_class c, pg_attribute a
     WHERE c.relname = ANY(%s)
       AND c.oid = a.attrelid
       AND a.attisdropped = false
       AND pg_catalog.format_type(a.atttypid, a.atttypmod) NOT IN ('cid', 'tid', 'oid', 'xid')
"""


class _Scope:
    """What one thread's run learned of its load so far."""

    def __init__(self):
        self.listed = False  # the module list was refreshed in this run
        self.narrow = None  # the next listing of the addons path, narrowed: names -> names
        self.columns = None  # (registry, {table: {column}})
        self.views = {}  # query -> (registry, {model})

    def table_columns(self, model):
        """``{table: {column}}`` of the tables of ``model``'s registry, read once per registry."""
        registry = model.env.registry
        if self.columns is None or self.columns[0] is not registry:
            tables = sorted({m._table for m in registry.models.values() if not m._abstract})
            model.env.cr.execute(COLUMNS_QUERY, [tables])
            found = defaultdict(set)
            for table, column in model.env.cr.fetchall():
                found[table].add(column)
            self.columns = (registry, found)
        return self.columns[1]

    def models_with_views(self, view, query):
        """The models that ``query`` finds a view of, read once per registry."""
        registry = view.env.registry
        if query not in self.views or self.views[query][0] is not registry:
            view.env.cr.execute(query)
            self.views[query] = (registry, {model for (model,) in view.env.cr.fetchall()})
        return self.views[query][1]


_scopes = {}  # thread ident -> _Scope of the run in that thread


def _current():
    return _scopes.get(threading.get_ident())


class _Patches:
    """The wrappers in place while at least one thread is inside ``whole_database_steps``."""

    def __init__(self):
        self.lock = threading.RLock()
        self.users = 0
        self.installed = {}  # (owner, name) -> (Odoo's attribute, the wrapper)

    def add(self, owner, name, wrap):
        """Put ``wrap(Odoo's attribute)`` in place of ``owner.name``, once, until the last user leaves."""
        with self.lock:
            if not self.users or (owner, name) in self.installed or name not in owner.__dict__:
                return
            original = owner.__dict__[name]
            wrapper = wrap(original)
            self.installed[(owner, name)] = (original, wrapper)
            setattr(owner, name, wrapper)

    def enter(self, install):
        """One more user; the first puts the wrappers in place (``install``): Odoo's steps when it fails."""
        with self.lock:
            self.users += 1
            if self.users > 1:
                return
            try:
                install()
            except Exception:
                _logger.warning(
                    "Odoo's whole-database loading steps run in full: they could not be narrowed.", exc_info=True
                )
                self._restore()

    def leave(self):
        with self.lock:
            self.users -= 1
            if not self.users:
                self._restore()

    def _restore(self):
        for (owner, name), (original, wrapper) in self.installed.items():
            if owner.__dict__.get(name) is wrapper:  # unless patched again over it since
                setattr(owner, name, original)
        self.installed.clear()


_patches = _Patches()


@contextmanager
def whole_database_steps():
    """Odoo's whole-database loading steps narrowed, for loads in this thread, for the block."""
    # Imported here: base's models are Odoo's to import first, with the registry.
    module, view = base_classes()

    def install():
        if module is not None:
            narrowed = _mirrored(MODULE_LIST, module)
            if narrowed:
                _patches.add(*addons_listing_owner(), _narrowed_listing)
            _patches.add(module, "update_list", functools.partial(_refreshed_once, narrowed))
        if _mirrored(REMOVED_COLUMNS, None):
            _patches.add(odoo.models.BaseModel, "_check_removed_columns", _checked_where_extra_columns)
        if view is not None and _mirrored(CUSTOM_VIEWS, view):
            _patches.add(view, "_validate_custom_views", _validated_where_custom_views)
        _imported_views_patched()

    ident = threading.get_ident()
    previous, _scopes[ident] = _scopes.get(ident), _Scope()
    try:
        _patches.enter(install)
        try:
            yield
        finally:
            _patches.leave()
    finally:
        if previous is None:
            del _scopes[ident]
        else:
            _scopes[ident] = previous


def base_classes():
    """base's classes of ``ir.module.module`` and ``ir.ui.view`` (None: unknown series, or not found)."""
    if STEPS is None:
        return None, None
    module = getattr(importlib.import_module("odoo.addons.base.models.ir_module"), STEPS.module_class, None)
    view = getattr(importlib.import_module("odoo.addons.base.models.ir_ui_view"), STEPS.view_class, None)
    return module, view


def addons_listing_owner():
    """``(owner, name)`` of the function whose answer ``update_list`` iterates over (``_Series.manifests``)."""
    if STEPS.manifests:
        return odoo.modules.module.Manifest, "all_addon_manifests"
    return odoo.modules, "get_modules"


def addons_listing():
    """What ``update_list`` iterates over, as it reads it now: names, or ``Manifest`` objects."""
    owner, name = addons_listing_owner()
    return getattr(owner, name)()


# Whether Odoo's code is the one a step was written from --------------------


def _mirrored_functions(step, cls):
    """The functions whose behaviour ``step`` relies on (``cls``: base's class of the step)."""
    load_modules = odoo.modules.loading.load_modules  # where the steps are called, and how
    if step == MODULE_LIST:
        parts = [getattr(cls, name) for name in STEPS.refresh_parts]
        if STEPS.manifests:
            manifests = [odoo.modules.module.Manifest.all_addon_manifests]
        else:
            manifests = [odoo.modules.module.get_manifest, odoo.modules.module._get_manifest_cached]
        return [cls.update_list, *parts, *manifests, odoo.modules.db.create_categories, load_modules]
    if step == REMOVED_COLUMNS:
        return [odoo.models.BaseModel._check_removed_columns, load_modules]
    return [cls._validate_custom_views, load_modules]


def _source_digest(functions):
    digest = hashlib.sha1()
    for function in functions:
        digest.update(inspect.getsource(inspect.unwrap(function)).encode())
    return digest.hexdigest()


_checked = {}  # (step, the functions it mirrors) -> whether they are the ones it was written from


def _mirrored(step, cls):
    """Whether Odoo's functions of ``step`` are the ones it was written from; logged once when not."""
    try:
        if STEPS is None:
            raise AttributeError(f"Odoo {series.SERIES}'s steps were never checked")
        functions = tuple(_mirrored_functions(step, cls))
    except AttributeError as exc:
        functions, digest = (), f"unknown ({exc})"
    key = (step, functions)
    if key in _checked:
        return _checked[key]
    if functions:
        try:
            digest = _source_digest(functions)
        except (OSError, TypeError) as exc:
            digest = f"unknown ({exc})"
    _checked[key] = bool(KNOWN.get(step)) and digest == KNOWN[step]
    if not _checked[key]:
        _logger.info(
            "Odoo's %s step is not the one this addon knows (source %s): it runs over the whole database.",
            step,
            digest,
        )
    return _checked[key]


# 1. The module list ----------------------------------------------------------


def _narrowed_listing(original):
    """The listing ``update_list`` iterates over (``addons_listing_owner``), narrowed once for this thread
    when ``scope.narrow`` is set: a function (``get_modules``) or a static method (``all_addon_manifests``)."""
    static = isinstance(original, staticmethod)
    function = original.__func__ if static else original

    @functools.wraps(function)
    def listing():
        entries = function()
        scope = _current()
        if scope is None or scope.narrow is None:
            return entries
        narrow, scope.narrow = scope.narrow, None  # once: update_list's own listing
        return narrow(entries)

    return staticmethod(listing) if static else listing


def _refreshed_once(narrowed, original):
    """``update_list`` once per run; ``narrowed``: where the rows differ from the addons path."""

    @functools.wraps(original)
    def update_list(self):
        scope = _current()
        if scope is None:
            return original(self)
        if scope.listed:
            return [0, 0]  # [updated, added]: the first refresh of the run did it
        scope.listed = True
        overridden = narrowed and _overridden(type(self))
        if overridden:
            _logger.info("The module list is refreshed in full: %s overridden.", ", ".join(overridden))
        if not narrowed or overridden:
            return original(self)
        counted = {}
        scope.narrow = functools.partial(_differing_or_all, self.with_context(lang=None), counted)
        try:
            result = original(self)
        finally:
            scope.narrow = None
        if "updatable" in counted:
            result[0] = counted["updatable"]  # counted over every addon, as Odoo counts
        return result

    return update_list


def _overridden(cls):
    """The parts of the refresh that a class of the registry (``cls``) overrides."""
    module = base_classes()[0]
    return [name for name in STEPS.refresh_parts if inspect.getattr_static(cls, name) is not module.__dict__[name]]


def _differing_or_all(modules, counted, entries):
    """The entries of the listing ``entries`` to refresh (``differing``), their category written where
    that is all the refresh would write; or ``entries`` (the full refresh) when the rows cannot be compared."""
    try:
        found, category_ids, counted["updatable"] = differing(modules, entries)
    except Exception:
        _logger.info("The module list is refreshed in full: its rows could not be compared.", exc_info=True)
        return entries
    for mod, category_id in category_ids:
        mod.write({"category_id": category_id})  # what _update_category writes
    _logger.info(
        "refreshing the module list where it differs from the addons path: %d of %d addons%s; "
        "the category of %d written again",
        len(found),
        len(entries),
        f" ({', '.join(found)})" if found and len(found) <= 20 else "",
        len(category_ids),
    )
    found = set(found)
    return [entry for entry in entries if _entry(entry)[0] in found]


def _entry(entry):
    """``(name, manifest)`` of an entry of the listing ``update_list`` iterates over, the manifest being
    what ``get_module_info(entry)`` returns to it: of a name, Odoo's cached manifest (``_manifest``);
    of a ``Manifest`` (19.0), the object itself."""
    if isinstance(entry, str):
        return entry, _manifest(entry)
    return entry.name, entry


def differing(modules, entries):
    """``(names, category_ids, updatable)`` of the addons of ``entries`` (the addons path, as
    ``update_list`` lists it: ``addons_listing()``), as ``update_list`` would see them: the addons whose
    rows it would create or write (their names, in order), ``[(row, category id)]`` of those for which
    it would only write the category (``_update_category``, when every category of the manifest's
    path exists), and how many have a newer version on disk than installed (its count).

    ``modules``: ``ir.module.module`` in the context ``update_list`` reads it with (``lang=None``).
    Odoo's comparisons, over every addon at once: see the module's docstring.
    """
    env = modules.env
    known = {mod.name: mod for mod in modules.search([])}
    terps = dict(_entry(entry) for entry in entries)
    names = list(terps)
    rows = _related_rows(env, [known[name].id for name in names if name in known])
    country_ids = defaultdict(set)
    if STEPS.countries:
        codes = sorted({code.upper() for terp in terps.values() for code in terp.get("countries", [])})
        for country in env["res.country"].search([("code", "in", codes)]) if codes else ():
            country_ids[country.code].add(country.id)
    default_version = odoo.modules.adapt_version("1.0")
    found, by_path, updatable = set(), defaultdict(list), 0
    for name in names:
        mod, terp = known.get(name), terps[name]
        if mod is None:
            found.add(name)  # created, when it has a folder and a manifest
            continue
        if parse_version(terp.get("version", default_version)) > parse_version(mod.latest_version or default_version):
            updatable += 1
        change = _row_change(mod, terp, modules.get_values_from_terp(terp), rows, country_ids)
        if change == REFRESH:
            found.add(name)
        elif change is not None:
            by_path[tuple(change)].append(name)
    category_ids = []
    for path, category_id in _category_ids(env.cr, by_path).items():
        if category_id is None:
            found.update(by_path[path])  # create_categories creates some: the refresh does it, in order
        else:
            category_ids.extend((known[name], category_id) for name in by_path[path])
    return [name for name in names if name in found], category_ids, updatable


def _manifest(name):
    """What ``get_module_info(name)`` returns, without its deep copy: Odoo's cached manifest itself, read only.

    ``get_module_info`` returns ``get_manifest(name)``, a deep copy of
    ``_get_manifest_cached(name, None)``, or ``{}`` when reading it fails.
    Not copying 627 manifests saves their copies, and the garbage collections
    that so many objects alive at once bring (one full collection: 0.1 s).
    Where ``update_list`` iterates over ``Manifest`` objects (19.0), a name is
    answered as its ``get_module_info(name)`` does (``Manifest.for_addon``).
    """
    if STEPS.manifests:
        return odoo.modules.module.Manifest.for_addon(name, display_warning=False) or {}
    try:
        return odoo.modules.module._get_manifest_cached(name, None)
    except Exception:  # noqa: BLE001  (get_module_info's answer: an addon without a readable manifest)
        return {}


def _related_rows(env, ids):
    """``{kind: {module id: rows}}`` of the dependencies, exclusions and countries of the modules ``ids``."""
    env["ir.module.module.dependency"].flush_model()
    env["ir.module.module.exclusion"].flush_model()
    if STEPS.countries:
        env["ir.module.module"].flush_model(["country_ids"])
    cr, rows = env.cr, {"depends": defaultdict(dict), "excludes": defaultdict(set), "countries": defaultdict(set)}
    cr.execute(
        "SELECT module_id, name, auto_install_required FROM ir_module_module_dependency WHERE module_id = ANY(%s)",
        [ids],
    )
    for module_id, name, required in cr.fetchall():
        # A name twice keeps one flag that is not the one Odoo sets: compared as None, it differs.
        flags = rows["depends"][module_id]
        flags[name] = required if name not in flags or flags[name] == required else None
    cr.execute("SELECT module_id, name FROM ir_module_module_exclusion WHERE module_id = ANY(%s)", [ids])
    for module_id, name in cr.fetchall():
        rows["excludes"][module_id].add(name)
    if STEPS.countries:  # (17.0 has no countries of addons)
        cr.execute("SELECT module_id, country_id FROM module_country WHERE module_id = ANY(%s)", [ids])
        for module_id, country_id in cr.fetchall():
            rows["countries"][module_id].add(country_id)
    return rows


def _row_change(mod, terp, values, rows, country_ids):
    """What ``update_list`` writes for the row ``mod`` from its manifest ``terp``: nothing (None),
    the manifest's category path alone (a list of names: ``_update_category``), or more (``REFRESH``).

    The conditions of ``update_list`` and ``_update_from_terp``, in the same order.
    """
    for key, value in values.items():
        old = getattr(mod, key)
        if (old or value) and value != old:
            return REFRESH
    if terp.get("installable", True) and mod.state == "uninstallable":
        return REFRESH
    # _update_dependencies: the names, then auto_install_required = (name = any(auto_install)).
    auto_install = set(terp.get("auto_install") or ())
    depends = rows["depends"].get(mod.id, {})
    if set(depends) != set(terp.get("depends", [])):
        return REFRESH
    if any(required is None or required != (name in auto_install) for name, required in depends.items()):
        return REFRESH
    # _update_countries (where the series has it), _update_exclusions.
    if STEPS.countries:
        needed = {cid for code in terp.get("countries", []) for cid in country_ids.get(code.upper(), ())}
        if rows["countries"].get(mod.id, set()) != needed:
            return REFRESH
    if rows["excludes"].get(mod.id, set()) != set(terp.get("excludes", [])):
        return REFRESH
    # _update_category: the path of names from the root (it fixes a loop in it), against the manifest's.
    category, seen, path = mod.category_id, set(), []
    while category:
        path.insert(0, category.name)
        seen.add(category.id)
        if category.parent_id.id in seen:
            return REFRESH
        category = category.parent_id
    categories = terp.get("category", "Uncategorized").split("/")
    return None if categories == path else categories


def _category_xmlid(path):
    """The external id (module ``base``) of the last category of ``path``, as ``create_categories`` names it."""
    return "module_category_" + ("_".join(x.lower() for x in path)).replace("&", "and").replace(" ", "_")


def _category_ids(cr, paths):
    """``{path: id}`` of the category ``create_categories`` returns for each of ``paths`` (tuples of
    names), None where it would create one (a category of the path has no external id yet)."""
    xmlids = {path: [_category_xmlid(path[: n + 1]) for n in range(len(path))] for path in paths}
    names = sorted({xmlid for path_xmlids in xmlids.values() for xmlid in path_xmlids})
    cr.execute(
        "SELECT name, res_id FROM ir_model_data WHERE module = 'base' AND model = 'ir.module.category' "
        "AND name = ANY(%s)",
        [names],
    )
    found = dict(cr.fetchall())
    return {path: found[ids[-1]] if all(x in found for x in ids) else None for path, ids in xmlids.items()}


# 2. Removed columns --------------------------------------------------------------


def _checked_where_extra_columns(original):
    @functools.wraps(original)
    def _check_removed_columns(self, log=False):
        scope = _current()
        if scope is None or self._abstract:
            return original(self, log=log)
        if not log:
            scope.columns = None  # a schema change (_auto_init) follows: read the columns again
            return original(self, log=log)
        columns = {name for name, field in self._fields.items() if field.store and field.column_type}
        if not scope.table_columns(self).get(self._table, set()) - columns:
            return None  # Odoo's query finds no column to look at
        return original(self, log=log)

    return _check_removed_columns


# 3. Custom views -------------------------------------------------------------------


def _validated_where_custom_views(original):
    @functools.wraps(original)
    def _validate_custom_views(self, model):
        scope = _current()
        if scope is None:
            return original(self, model)
        _imported_views_patched()
        if model in scope.models_with_views(self, CUSTOM_VIEWS_QUERY):
            return original(self, model)
        # Odoo's, with its query's empty answer.
        return self.browse().with_context(load_all_views=True)._check_xml()

    return _validate_custom_views


def _imported_views_patched():
    """Narrow ``base_import_module``'s override too, once its class is imported (it loads with the registry)."""
    module = sys.modules.get(IMPORTED_VIEWS_MODULE)
    cls = getattr(module, "IrUiView", None)
    if cls is None or "_validate_custom_views" not in cls.__dict__:
        return
    if (cls, "_validate_custom_views") not in _patches.installed and _mirrored(IMPORTED_VIEWS, cls):
        _patches.add(cls, "_validate_custom_views", functools.partial(_validated_where_imported_views, cls))


def _validated_where_imported_views(cls, original):
    @functools.wraps(original)
    def _validate_custom_views(self, model):
        scope = _current()
        if scope is None or model in scope.models_with_views(self, IMPORTED_VIEWS_QUERY):
            return original(self, model)
        # base_import_module's, with its query's empty answer.
        result = super(cls, self)._validate_custom_views(model)
        return self.browse().with_context(load_all_views=True)._check_xml() and result

    return _validate_custom_views
