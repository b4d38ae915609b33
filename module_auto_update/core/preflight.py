# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What would make an upgrade fail, found before anything runs: file and line.

Reads the files an upgrade would load: the manifest, every data, demo and
security file it names (XML well-formed, CSV readable, no record of a model
nobody defines, no missing file). The Python code is read by
``declared_fields.scan_python``. Each problem is a ``blocking`` entry of the
plan (``messages.entry`` with ``module``, ``file`` and ``line``); a file that
cannot be read yields no other conclusion (no XML IDs, so no deletion is
announced from it).
"""

import csv
import io
import os
import re

from lxml import etree

from .messages import blocking as problem

# The data file keys of a manifest, as Odoo loads them (demo ones only with demo data).
DATA_KEYS = ("init_xml", "update_xml", "data")
DEMO_KEYS = ("demo_xml", "demo")
XML_ID_TAGS = ("record", "template", "menuitem")
MODEL_TAGS = ("record", "function", "delete")
# The problems that leave a data file's XML IDs unknown.
UNREAD = ("file-missing", "xml-invalid", "csv-invalid")


def line_of(text, word):
    """The 1-based line of ``text`` where the quoted ``word`` first appears, or None."""
    found = re.search(r"""["']%s["']""" % re.escape(word), text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def manifest_problem(module, manifest_file, exc):
    """The blocking entry of a manifest (``manifest_file``, its name) that cannot be read: ``exc``."""
    error = getattr(exc, "msg", None) or str(exc)
    return problem(module, "manifest-invalid", f"{module}/{manifest_file}", getattr(exc, "lineno", None), error=error)


def data_files(manifest, demo):
    keys = DATA_KEYS + (DEMO_KEYS if demo else ())
    return [f for key in keys for f in manifest.get(key, ())]


def read_data_files(module, manifest, demo, known_models=None):
    """``(xmlids, problems)`` of the data files an upgrade of ``module`` loads.

    ``xmlids``: the full XML IDs they define (records, templates, menus, CSV
    rows); ``known_models``: the models that exist after the upgrade (None:
    not checked). ``manifest["source"]``, its text, gives the lines.
    """
    path = manifest["path"]
    xmlids, problems = set(), []
    for relpath in data_files(manifest, demo):
        where = f"{module}/{relpath}"
        full = os.path.join(path, relpath)
        if not os.path.isfile(full):
            line = line_of(manifest.get("source", ""), relpath)
            problems.append(problem(module, "file-missing", f"{module}/__manifest__.py", line, missing=where))
            continue
        if relpath.endswith(".xml"):
            found, trouble = _read_xml(module, full, where, known_models)
        elif relpath.endswith(".csv"):
            found, trouble = _read_csv(module, full, where, known_models)
        else:
            continue
        xmlids |= {xmlid if "." in xmlid else f"{module}.{xmlid}" for xmlid in found}
        problems.extend(trouble)
    return xmlids, problems


def _read_xml(module, full, where, known_models):
    try:
        tree = etree.parse(full)
    except etree.XMLSyntaxError as exc:
        return set(), [problem(module, "xml-invalid", where, exc.lineno, error=exc.msg)]
    except OSError as exc:
        return set(), [problem(module, "xml-invalid", where, None, error=str(exc))]
    xmlids, problems = set(), []
    for node in tree.iter(*XML_ID_TAGS, *MODEL_TAGS):
        model = node.get("model")
        if node.tag in MODEL_TAGS and known_models is not None and model and model not in known_models:
            problems.append(problem(module, "model-unknown", where, node.sourceline, model=model))
        if node.tag in XML_ID_TAGS:
            xmlid = node.get("id") or (node.get("t-name") if node.tag == "template" else None)
            if xmlid:
                xmlids.add(xmlid)
    return xmlids, problems


def _read_csv(module, full, where, known_models):
    # Odoo's rule: the file name up to the first "-" is the model.
    model = os.path.splitext(os.path.basename(full))[0].split("-")[0]
    if known_models is not None and model not in known_models:
        return set(), [problem(module, "model-unknown", where, 1, model=model)]
    try:
        with open(full, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return set(), [problem(module, "csv-invalid", where, line, error=exc.reason)]
    except OSError as exc:
        return set(), [problem(module, "csv-invalid", where, None, error=str(exc))]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    xmlids = set()
    try:
        for row in reader:
            if row.get("id"):
                xmlids.add(row["id"])
    except csv.Error as exc:
        return set(), [problem(module, "csv-invalid", where, reader.line_num, error=str(exc))]
    return xmlids, []


def python_problems(module, errors):
    """Blocking entries of ``declared_fields.PythonScan.errors``."""
    return [problem(module, "python-invalid", f"{module}/{relpath}", line, error=msg) for relpath, line, msg in errors]


def external_problems(module, manifest, missing):
    """Blocking entries of the external dependencies ``missing`` (``[(word, what)]``), at their manifest line."""
    return [
        problem(
            module,
            "external-dependency-missing",
            f"{module}/__manifest__.py",
            line_of(manifest["source"], word),
            problem=what,
        )
        for word, what in missing
    ]


def check_addons(names, manifests, scans, installed, known_models, missing_external):
    """``(xmlids, problems)`` of an upgrade that loads the addons ``names``.

    ``problems``: the blocking entries of their Python code (``scans``:
    ``{addon: declared_fields.PythonScan}``), of their external dependencies
    (``missing_external``: ``{addon: [(word, what)]}``) and of their data
    files (``read_data_files``, with demo data where ``installed`` says so).
    ``xmlids``: the XML IDs their data files define (a data file may define
    those of another addon: every loaded addon counts), or None when a data
    file could not be read: its XML IDs are unknown, no deletion may be told.
    """
    defined, problems = set(), []
    for name in names:
        manifest = manifests[name]
        problems += python_problems(name, scans[name].errors)
        problems += external_problems(name, manifest, missing_external.get(name, ()))
        demo = installed.get(name, {}).get("demo", False)
        xmlids, trouble = read_data_files(name, manifest, demo, known_models)
        defined |= xmlids
        problems += trouble
    unread = any(p["code"] in UNREAD for p in problems)
    return (None if unread else defined), problems
