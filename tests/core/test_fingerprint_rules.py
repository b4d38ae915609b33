# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exclusions, language filtering and walk rules of the fingerprint."""

import hashlib
import os

import pytest
from trees import make

from module_auto_update.addon_hash import _walk, addon_hash
from module_auto_update.core import commas
from module_auto_update.core.fingerprint import fingerprint

DEFAULT = commas.split("*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*")


def reference_hash(top, relpaths):
    sha = hashlib.sha1()
    for relpath in relpaths:
        sha.update(relpath.encode())
        sha.update((top / relpath).read_bytes())
    return sha.hexdigest()


def test_comma_lists_ignore_blanks_and_padding():
    assert commas.split(" *.pyc ,, static/* ,") == ["*.pyc", "static/*"]
    assert commas.split("") == [] and commas.split(None) == []
    assert commas.split(",,,") == []


def test_star_matches_slashes(tmp_path):
    top = make(tmp_path, {"a.py": b"a", "static/src/js/deep/x.js": b"x", "doc/static/y.txt": b"y"})
    assert list(_walk(top, ["static/*"], [])) == ["a.py", "doc/static/y.txt"]
    assert list(_walk(top, ["*static*"], [])) == ["a.py"]


def test_unbalanced_bracket_is_a_literal(tmp_path):
    top = make(tmp_path, {"[x.py": b"1", "x.py": b"2"})
    assert list(_walk(top, ["[x.py"], [])) == ["x.py"]


def test_language_filter_applies_to_top_level_translation_folders_only(tmp_path):
    files = {
        "i18n/fr.po": b"1",
        "i18n/fr_BE.po": b"2",
        "i18n/de.po": b"3",
        "i18n/de.txt": b"4",
        "i18n_extra/nl_NL.po": b"5",
        "i18n_extra/es.po": b"6",
        "sub/i18n/de.po": b"7",
    }
    top = make(tmp_path, files)
    kept = list(_walk(top, [], ["fr_FR", "nl_NL"]))
    assert kept == ["i18n/de.txt", "i18n/fr.po", "i18n/fr_BE.po", "i18n_extra/nl_NL.po", "sub/i18n/de.po"]
    assert set(_walk(top, [], [])) == set(files), "no active language: every .po is kept"


def test_files_before_folders_each_sorted(tmp_path):
    top = make(tmp_path, {"b.py": b"", "a/z.py": b"", "B/y.py": b"", "A.py": b""})
    assert list(_walk(top, [], [])) == ["A.py", "b.py", "B/y.py", "a/z.py"]


def test_symlinked_folder_is_not_entered_but_symlinked_file_is_read(tmp_path):
    outside = tmp_path / "outside"
    make(outside, {"secret.py": b"s"})
    addon = tmp_path / "addon"
    make(addon, {"a.py": b"a"})
    os.symlink(outside, addon / "linked_dir")
    os.symlink(outside / "secret.py", addon / "linked_file.py")
    assert list(_walk(str(addon), [], [])) == ["a.py", "linked_file.py"]
    assert addon_hash(str(addon), [], []) == reference_hash(addon, ["a.py", "linked_file.py"])


def test_digest_is_path_then_bytes_of_kept_files(tmp_path):
    top = make(tmp_path, {"__manifest__.py": b"{}", "empty.py": b"", "x.pyc": b"bin", "static/a.js": b"js"})
    assert addon_hash(top, DEFAULT, []) == reference_hash(tmp_path, ["__manifest__.py", "empty.py"])


def test_empty_file_and_rename_change_the_digest(tmp_path):
    top = make(tmp_path, {"a.py": b"x"})
    before = addon_hash(top, [], [])
    (tmp_path / "b.py").write_bytes(b"")
    with_empty = addon_hash(top, [], [])
    assert with_empty != before
    os.rename(tmp_path / "b.py", tmp_path / "c.py")
    assert addon_hash(top, [], []) != with_empty


def test_fingerprint_gives_per_file_digests_in_walk_order(tmp_path):
    top = make(tmp_path, {"b.py": b"bb", "a.py": b"aa", "d/c.xml": b"cc"})
    fp = fingerprint(top, [], [])
    assert fp.digest == addon_hash(top, [], [])
    assert list(fp.files) == ["a.py", "b.py", "d/c.xml"]
    assert fp.files["a.py"] == hashlib.sha1(b"aa").hexdigest()


def test_large_file_is_streamed_in_chunks(tmp_path, monkeypatch):
    from module_auto_update.core import fingerprint as module

    monkeypatch.setattr(module, "CHUNK_SIZE", 7)
    content = bytes(range(256)) * 10
    top = make(tmp_path, {"big.bin": content})
    assert addon_hash(top, [], []) == reference_hash(tmp_path, ["big.bin"])


@pytest.mark.parametrize("pattern", ["*.py", "a.py", "*"])
def test_excluded_everything_gives_the_empty_digest(tmp_path, pattern):
    top = make(tmp_path, {"a.py": b"a"})
    assert addon_hash(top, [pattern], []) == hashlib.sha1().hexdigest()
