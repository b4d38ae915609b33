# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-file digests only where needed: a run that finds nothing changed computes none.

Without a stat cache entry (a fresh container), every addon is read once
for its digest; the per-file digests (what a plan and the record after an
upgrade need) are computed for the addons whose digest differs from the
recorded one, or on first use, and always agree with the addon digest.
"""

import hashlib
import json
import os
from pathlib import Path
from unittest import mock

import pytest
from trees import make

from module_auto_update.core import cache, commas, compare, inspection, stored
from module_auto_update.core import fingerprint as fingerprint_module
from module_auto_update.core.fingerprint import (
    UNKNOWN,
    addon_digest,
    addon_hash,
    fingerprint,
    lazy_fingerprint,
)

PATTERNS = commas.split("*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*")
LANGS = ["fr_FR"]
ADDONS = {
    "alpha": {"__manifest__.py": b"{}", "models/a.py": b"a = 1\n", "i18n/fr.po": b"fr", "i18n/de.po": b"de"},
    "beta": {"__manifest__.py": b"{'name': 'b'}", "views/v.xml": b"<odoo/>", "static/x.js": b"x", "b.pyc": b"c"},
    "gamma": {"__manifest__.py": b"{}", "data/d.csv": b"id\n", "models/sub/g.py": b"g = 2\n"},
}
SHARED_VECTORS = Path("/work/shared/addon-hash-vectors.json")
LOCAL_VECTORS = Path(__file__).parent / "addon_hash_vectors.json"


@pytest.fixture
def addons(tmp_path):
    return {name: make(tmp_path / "addons" / name, files) for name, files in ADDONS.items()}


@pytest.fixture
def settled_at_once():
    # Files written by the test are as settled as files shipped long ago:
    # entries are recorded and trusted at once. (Not monkeypatch: the tests
    # undo theirs.)
    with mock.patch.object(cache, "RACY_MARGIN_NS", -3600 * 10**9):
        yield


class Counter:
    """What the fingerprint module reads and hashes: files opened, SHA-1 objects made."""

    def __init__(self, monkeypatch):
        self.opened = []
        self.sha1s = 0
        open_regular = fingerprint_module._open_regular

        def counted_open(top, relpath):
            self.opened.append((os.path.basename(top), relpath))
            return open_regular(top, relpath)

        counter = self

        class Hashlib:
            @staticmethod
            def sha1(*args):
                counter.sha1s += 1
                return hashlib.sha1(*args)

        monkeypatch.setattr(fingerprint_module, "_open_regular", counted_open)
        monkeypatch.setattr(fingerprint_module, "hashlib", Hashlib)

    def reads(self, name):
        return [relpath for addon, relpath in self.opened if addon == name]


def kept(path):
    return list(fingerprint_module._walk(path, PATTERNS, LANGS))


def settings_for(mode, tmp_path):
    return inspection.FingerprintSettings(
        PATTERNS, LANGS, str(tmp_path / "stat_cache") if mode == "empty cache" else None
    )


MODES = ["no cache", "empty cache"]


@pytest.mark.parametrize("mode", MODES)
def test_cold_no_op_reads_each_file_once_and_computes_no_per_file_digest(addons, tmp_path, monkeypatch, mode):
    saved = {name: addon_hash(path, PATTERNS, LANGS) for name, path in addons.items()}
    counter = Counter(monkeypatch)
    found = inspection.current_fingerprints(sorted(addons), settings_for(mode, tmp_path), addons.get, saved=saved)
    assert inspection.digests(found) == saved
    assert counter.sha1s == len(addons), "one SHA-1 per addon: its digest, no per-file digest"
    for name, path in addons.items():
        assert counter.reads(name) == kept(path), "each kept file read once, in walk order"
        assert not found[name].files_computed
    # Asked for, they come, identical to the ones computed in one read.
    monkeypatch.undo()
    for name, path in addons.items():
        assert dict(found[name].files) == fingerprint(path, PATTERNS, LANGS).files
        assert found[name].files_computed


@pytest.mark.parametrize("mode", MODES)
def test_changed_and_unrecorded_addons_get_their_per_file_digests(addons, tmp_path, monkeypatch, mode):
    saved = {name: addon_hash(path, PATTERNS, LANGS) for name, path in addons.items()}
    saved["beta"] = "0" * 40  # changed since it was recorded
    del saved["gamma"]  # never recorded: known to be needed before reading it
    counter = Counter(monkeypatch)
    found = inspection.current_fingerprints(sorted(addons), settings_for(mode, tmp_path), addons.get, saved=saved)
    monkeypatch.undo()
    assert not found["alpha"].files_computed
    for name in ("beta", "gamma"):
        assert found[name].files_computed
        assert found[name] == fingerprint(addons[name], PATTERNS, LANGS)
    assert counter.reads("alpha") == kept(addons["alpha"])
    assert counter.reads("beta") == kept(addons["beta"]) * 2, "the digest, then digest and files in one read"
    assert counter.reads("gamma") == kept(addons["gamma"]), "digest and files in one read"
    per_file = len(kept(addons["beta"])) + len(kept(addons["gamma"]))
    assert counter.sha1s == 3 + 1 + per_file


@pytest.mark.parametrize("mode", MODES)
def test_forced_addons_get_their_per_file_digests_in_the_same_read(addons, tmp_path, monkeypatch, mode):
    saved = {name: addon_hash(path, PATTERNS, LANGS) for name, path in addons.items()}
    counter = Counter(monkeypatch)
    found = inspection.current_fingerprints(
        sorted(addons), settings_for(mode, tmp_path), addons.get, saved=saved, with_files=["beta"]
    )
    assert found["beta"].files_computed and not found["alpha"].files_computed
    assert counter.reads("beta") == kept(addons["beta"])
    monkeypatch.undo()
    assert found["beta"] == fingerprint(addons["beta"], PATTERNS, LANGS)


def test_without_saved_digests_every_per_file_digest_waits_for_its_first_use(addons, tmp_path, monkeypatch):
    counter = Counter(monkeypatch)
    found = inspection.current_fingerprints(sorted(addons), settings_for("no cache", tmp_path), addons.get)
    assert counter.sha1s == len(addons) and not any(fp.files_computed for fp in found.values())


def test_warm_runs_read_nothing_and_record_per_file_digests_once_computed(
    addons, tmp_path, monkeypatch, settled_at_once
):
    settings = settings_for("empty cache", tmp_path)
    saved = {name: addon_hash(path, PATTERNS, LANGS) for name, path in addons.items()}
    cold = inspection.current_fingerprints(sorted(addons), settings, addons.get, saved=saved)
    counter = Counter(monkeypatch)
    warm = inspection.current_fingerprints(sorted(addons), settings, addons.get, saved=saved)
    assert counter.opened == [] and inspection.digests(warm) == saved
    assert not any(fp.files_computed for fp in warm.values())
    monkeypatch.undo()
    # First use (the record after an upgrade): computed, and recorded in the entry.
    assert dict(warm["alpha"].files) == fingerprint(addons["alpha"], PATTERNS, LANGS).files
    entry = cache.load(cache.entry_path(settings.cache_dir, addons["alpha"], PATTERNS, LANGS))
    assert {row[0]: row[5] for row in entry["files"]} == warm["alpha"].files
    counter = Counter(monkeypatch)
    again = cache.cached_fingerprint(addons["alpha"], PATTERNS, LANGS, settings.cache_dir, with_files=True)
    assert counter.opened == [] and again.files_computed and again == warm["alpha"] == cold["alpha"]
    # An entry without them is a miss when they are needed: read once, recorded.
    counter = Counter(monkeypatch)
    beta = cache.cached_fingerprint(addons["beta"], PATTERNS, LANGS, settings.cache_dir, with_files=True)
    assert beta.files_computed and counter.reads("beta") == kept(addons["beta"])
    monkeypatch.undo()
    assert beta == fingerprint(addons["beta"], PATTERNS, LANGS)
    entry = cache.load(cache.entry_path(settings.cache_dir, addons["beta"], PATTERNS, LANGS))
    assert all(isinstance(row[5], str) for row in entry["files"])


@pytest.mark.parametrize("edit", ["rewrite", "delete", "fifo"])
@pytest.mark.parametrize("mode", MODES)
def test_per_file_digests_of_an_addon_edited_since_its_digest_are_unknown(
    addons, tmp_path, monkeypatch, settled_at_once, mode, edit
):
    # Never digests of other bytes than those that made the addon digest:
    # recorded beside it, they would hide the edit from the next plan.
    path = addons["alpha"]
    settings = settings_for(mode, tmp_path)
    fp = inspection.current_fingerprints(["alpha"], settings, addons.get)["alpha"]
    target = os.path.join(path, "models/a.py")
    os.unlink(target)
    if edit == "rewrite":
        Path(target).write_bytes(b"a = 2\n")
    elif edit == "fifo":
        os.mkfifo(target)
    listed = kept(path)
    assert dict(fp.files) == dict.fromkeys(listed, UNKNOWN)
    if edit == "rewrite":
        now = fingerprint(path, PATTERNS, LANGS).files
        assert compare.diff_files(fp.files, now)["modified"] == sorted(listed)
    if settings.cache_dir:
        entry = cache.load(cache.entry_path(settings.cache_dir, path, PATTERNS, LANGS))
        assert all(row[5] is None for row in entry["files"]), "unknown digests are never recorded"


def test_the_record_after_an_upgrade_holds_every_per_file_digest(addons, tmp_path, monkeypatch):
    # stored.save_fingerprints writes fp.files beside each digest, as before.
    saved = {name: addon_hash(path, PATTERNS, LANGS) for name, path in addons.items()}
    saved["beta"] = "0" * 40
    found = inspection.current_fingerprints(sorted(addons), settings_for("no cache", tmp_path), addons.get, saved=saved)
    written = {}

    class Cursor:
        def execute(self, query, params=None):
            if isinstance(params, dict) and "files" in params:
                written[params["name"]] = params

    monkeypatch.setattr(stored, "saved_digests", lambda cr: {})
    monkeypatch.setattr(stored, "table_exists", lambda cr, table: True)
    monkeypatch.setattr(stored, "column_exists", lambda cr, table, column: True)
    stored.save_fingerprints(Cursor(), found, upgraded=["beta"])
    for name, path in addons.items():
        expected = fingerprint(path, PATTERNS, LANGS)
        assert written[name]["checksum"] == expected.digest
        assert json.loads(written[name]["files"]) == expected.files


def vectors():
    return json.loads((SHARED_VECTORS if SHARED_VECTORS.is_file() else LOCAL_VECTORS).read_text())


@pytest.fixture(scope="module")
def vector_tree(tmp_path_factory):
    top = tmp_path_factory.mktemp("vectors")
    for relpath, content in vectors()["files"].items():
        path = top / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("latin-1"))
    return str(top)


@pytest.mark.parametrize("case", vectors()["cases"], ids=lambda c: ",".join(c["keep_langs"]) or "no-langs")
def test_every_path_gives_the_shared_vectors(vector_tree, case, tmp_path, settled_at_once):
    patterns, langs, expected = case["exclude_patterns"], case["keep_langs"], case["sha1"]
    full = fingerprint(vector_tree, patterns, langs)
    assert full.digest == expected
    assert addon_digest(vector_tree, patterns, langs) == expected
    lazy = lazy_fingerprint(vector_tree, patterns, langs)
    assert lazy.digest == expected and lazy == full
    for with_files in (False, True, False):  # cold, then from the entry
        cache_dir = str(tmp_path / "cache")
        fp = cache.cached_fingerprint(vector_tree, patterns, langs, cache_dir, with_files=with_files)
        assert fp.digest == expected and fp == full
