# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The stat cache: when it may reuse a digest, and that any doubt is a miss."""

import json
import os
import time
from pathlib import Path

import pytest
from trees import make

from module_auto_update.core import cache
from module_auto_update.core import fingerprint as fingerprint_module
from module_auto_update.core.fingerprint import UnreadableFileError, fingerprint

LATER = lambda: time.time_ns() + 3600 * 10**9  # noqa: E731 - files hashed an hour ago have settled


@pytest.fixture
def addon(tmp_path):
    return make(tmp_path / "addon", {"__manifest__.py": b"{}", "models/a.py": b"a = 1", "static/x.js": b"x"})


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "cache")


def no_read(monkeypatch):
    # Every reader of a file's bytes opens it through _open_regular.
    def fail(*args):
        raise AssertionError("a file was read although its stat did not change")

    monkeypatch.setattr(fingerprint_module, "_open_regular", fail)


def test_second_run_reads_no_file(addon, cache_dir, monkeypatch):
    first = cache.cached_fingerprint(addon, ["static/*"], [], cache_dir, clock=LATER)
    # Compares the per-file digests too: computed now, and recorded in the entry.
    assert first == fingerprint(addon, ["static/*"], [])
    no_read(monkeypatch)
    assert cache.cached_fingerprint(addon, ["static/*"], [], cache_dir) == first


def test_fresh_files_are_not_recorded(addon, cache_dir):
    # Files written just now may change again within their timestamp tick.
    cache.cached_fingerprint(addon, [], [], cache_dir)
    assert not os.path.exists(cache.entry_path(cache_dir, addon, [], []))


def test_racy_entry_is_not_trusted():
    rows = [["a.py", 1, 10**18, 5, 10**18]]
    entry = {
        "version": cache.VERSION,
        "top": os.path.abspath("/x"),
        "exclude_patterns": [],
        "keep_langs": [],
        "digest": "d",
        "files": [rows[0] + ["f"]],
        "folders": None,
    }
    entry["hashed_at"] = 10**18 + cache.RACY_MARGIN_NS + 1
    assert cache.reuse(entry, "/x", [], [], rows).digest == "d"
    entry["hashed_at"] = 10**18 + cache.RACY_MARGIN_NS
    assert cache.reuse(entry, "/x", [], [], rows) is None, "same stat, but taken too close to the hashing"


def test_same_size_edit_with_restored_mtime_is_seen(addon, cache_dir):
    cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    path = os.path.join(addon, "models/a.py")
    st = os.stat(path)
    with open(path, "wb") as f:
        f.write(b"a = 2")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns
    assert cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER) == fingerprint(addon, [], [])


@pytest.mark.parametrize("change", ["add", "remove", "rename", "replace"])
def test_changed_file_set_is_seen(addon, cache_dir, change):
    cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    path = os.path.join(addon, "models/a.py")
    if change == "add":
        make(Path(addon), {"models/b.py": b""})
    elif change == "remove":
        os.unlink(path)
    elif change == "rename":
        os.rename(path, os.path.join(addon, "models/b.py"))
    else:
        os.unlink(path)
        with open(path, "wb") as f:
            f.write(b"a = 3")
    assert cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER) == fingerprint(addon, [], [])


def test_symlinked_folder_turned_into_a_file_is_seen(addon, cache_dir, tmp_path):
    # The link's own folder does not change: only listing it again tells.
    target = tmp_path / "target"
    target.mkdir()
    os.symlink(target, os.path.join(addon, "linked"))
    first = cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    assert "linked" not in first.files
    target.rmdir()
    target.write_bytes(b"now a file")
    assert cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER) == fingerprint(addon, [], [])
    assert "linked" in fingerprint(addon, [], []).files


def test_unchanged_addon_is_checked_without_listing_a_folder(addon, cache_dir, monkeypatch):
    first = cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    no_read(monkeypatch)

    def no_listing(*args, **kwargs):
        raise AssertionError("a folder was listed although none changed")

    monkeypatch.setattr(cache, "walk_entries", no_listing)
    again = cache.cached_fingerprint(addon, [], [], cache_dir)
    assert again.digest == first.digest and not again.files_computed
    monkeypatch.undo()
    assert again == first == fingerprint(addon, [], [])


def test_new_excluded_file_only_costs_a_listing(addon, cache_dir, monkeypatch):
    first = cache.cached_fingerprint(addon, ["*.pyc"], [], cache_dir, clock=LATER)
    make(Path(addon), {"models/a.pyc": b"compiled"})
    no_read(monkeypatch)
    again = cache.cached_fingerprint(addon, ["*.pyc"], [], cache_dir)
    assert again.digest == first.digest and not again.files_computed
    monkeypatch.undo()
    assert again == first == fingerprint(addon, ["*.pyc"], [])


def test_settings_are_part_of_the_key(addon, cache_dir, monkeypatch):
    cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    keys = [([], []), (["static/*"], []), ([], ["fr_FR"])]
    paths = {cache.entry_path(cache_dir, addon, patterns, langs) for patterns, langs in keys}
    assert len(paths) == 3
    assert cache.cached_fingerprint(addon, ["static/*"], [], cache_dir) == fingerprint(addon, ["static/*"], [])


@pytest.mark.parametrize("garbage", [b"", b"{", b"[]", b"null", b'{"version": 1}', b"\xff\xfe", "files"])
def test_corrupt_entry_is_a_miss(addon, cache_dir, garbage):
    cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    path = cache.entry_path(cache_dir, addon, [], [])
    if garbage == "files":
        entry = json.loads(open(path).read())
        entry["files"][0][5] = 42
        entry["digest"] = "0" * 40
        garbage = json.dumps(entry).encode()
    with open(path, "wb") as f:
        f.write(garbage)
    assert cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER) == fingerprint(addon, [], [])
    assert cache.cached_fingerprint(addon, [], [], cache_dir) == fingerprint(addon, [], [])


def test_cache_folder_is_private(addon, cache_dir):
    # Entries are believed: only the user that hashes may write them.
    cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    assert os.stat(cache_dir).st_mode & 0o077 == 0


def test_unwritable_cache_costs_speed_only(addon, tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_bytes(b"")
    assert cache.cached_fingerprint(addon, [], [], str(blocker / "cache"), clock=LATER) == fingerprint(addon, [], [])


def test_unreadable_file_raises_like_fingerprint(addon, cache_dir):
    os.symlink("/nonexistent/target", os.path.join(addon, "broken.py"))
    with pytest.raises(UnreadableFileError):
        cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    assert not os.path.exists(cache_dir) or not os.listdir(cache_dir)


def test_retargeted_symlink_is_seen(addon, cache_dir, tmp_path):
    one, two = tmp_path / "one.py", tmp_path / "two.py"
    one.write_bytes(b"1")
    two.write_bytes(b"2")
    link = os.path.join(addon, "link.py")
    os.symlink(one, link)
    cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    os.unlink(link)
    os.symlink(two, link)
    assert cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER) == fingerprint(addon, [], [])


def test_write_is_atomic_and_leaves_no_temporary_file(addon, cache_dir):
    for _ in range(3):
        cache.cached_fingerprint(addon, [], [], cache_dir, clock=LATER)
    assert os.listdir(cache_dir) == [os.path.basename(cache.entry_path(cache_dir, addon, [], []))]
