# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Property: with or without the stat cache, every fingerprint is the same.

Random addon trees, random sequences of edits (including same-size edits
whose mtime is put back to the nanosecond, and files sharing one mtime
second), hashed with the cache between edits, with or without giving the
files time to settle. The racy-edit margin is shortened to what a local
filesystem with nanosecond timestamps needs, so that examples stay fast;
the logic is the one used in production.
"""

import os
import tempfile
import time
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from module_auto_update.core import cache
from module_auto_update.core.fingerprint import UnreadableFileError, fingerprint

# Longer than the kernel's coarse clock tick (at most 10 ms), so a file
# touched after hashing always gets a later ctime than any recorded one.
MARGIN_NS = 30_000_000
SECOND = 1_700_000_000 * 10**9

NAMES = st.sampled_from(["a.py", "b.py", "__manifest__.py", "x.pyc", "fr.po", "de.po", "v.xml", "B.xml"])
FOLDERS = st.sampled_from(["", "models", "static/src", "i18n", "views", "models/sub"])
RELPATHS = st.builds(lambda d, n: f"{d}/{n}" if d else n, FOLDERS, NAMES)
CONTENT = st.binary(max_size=64)
TREES = st.dictionaries(RELPATHS, CONTENT, min_size=1, max_size=12)
SETTINGS = st.sampled_from(
    [
        ([], []),
        (["*.pyc", "static/*"], ["fr_FR"]),
        (["*.py*"], []),
    ]
)

EDITS = st.one_of(
    st.tuples(st.just("same_size"), st.integers(0, 100)),  # new bytes, same size, mtime restored
    st.tuples(st.just("same_second"), st.integers(0, 100)),  # same size, mtime forced to one shared second
    st.tuples(st.just("rewrite"), st.integers(0, 100), CONTENT),
    st.tuples(st.just("touch"), st.integers(0, 100)),
    st.tuples(st.just("delete"), st.integers(0, 100)),
    st.tuples(st.just("add"), RELPATHS, CONTENT),
    st.tuples(st.just("rename"), st.integers(0, 100), RELPATHS),
)


def write(top, relpath, content):
    path = top / relpath
    if path.parent.is_file() or path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def files_of(top):
    return sorted(str(p.relative_to(top)) for p in top.rglob("*") if p.is_file())


def apply(top, edit):
    files = files_of(top)
    kind = edit[0]
    if kind == "add":
        write(top, edit[1], edit[2])
        return
    if not files:
        return
    path = top / files[edit[1] % len(files)]
    st_ = path.stat()
    if kind in ("same_size", "same_second"):
        old = path.read_bytes()
        path.write_bytes(bytes((b + 1) % 256 for b in old) if old else b"")
        mtime = st_.st_mtime_ns if kind == "same_size" else SECOND
        os.utime(path, ns=(st_.st_atime_ns, mtime))
    elif kind == "rewrite":
        path.write_bytes(edit[2])
    elif kind == "touch":
        os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns))
    elif kind == "delete":
        path.unlink()
    elif kind == "rename":
        target = top / edit[2]
        if not target.exists() and not target.parent.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)


def plain(top, patterns, langs):
    try:
        return fingerprint(str(top), patterns, langs)
    except UnreadableFileError:
        return "unreadable"


def cached(top, patterns, langs, cache_dir):
    try:
        return cache.cached_fingerprint(str(top), patterns, langs, cache_dir)
    except UnreadableFileError:
        return "unreadable"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=TREES,
    fp_settings=SETTINGS,
    steps=st.lists(st.tuples(st.lists(EDITS, max_size=4), st.booleans()), min_size=1, max_size=4),
)
def test_cached_equals_plain(tree, fp_settings, steps):
    patterns, langs = fp_settings
    with mock.patch.object(cache, "RACY_MARGIN_NS", MARGIN_NS):
        with tempfile.TemporaryDirectory() as tmp:
            top, cache_dir = Path(tmp) / "addon", os.path.join(tmp, "cache")
            for relpath, content in tree.items():
                write(top, relpath, content)
            for edits, settle in [([], True), *steps]:
                for edit in edits:
                    apply(top, edit)
                if settle:
                    time.sleep(MARGIN_NS * 1.5 / 1e9)
                assert cached(top, patterns, langs, cache_dir) == plain(top, patterns, langs)
                # A second look right away, from the cache when it was recorded.
                assert cached(top, patterns, langs, cache_dir) == plain(top, patterns, langs)


@settings(max_examples=20, deadline=None)
@given(tree=TREES, edit_index=st.integers(0, 100))
def test_entry_is_recorded_once_files_settled(tree, edit_index):
    # Guards the property above against passing vacuously: settled files are
    # served from the cache, and the same-size edit after it is still seen.
    with mock.patch.object(cache, "RACY_MARGIN_NS", MARGIN_NS):
        with tempfile.TemporaryDirectory() as tmp:
            top, cache_dir = Path(tmp) / "addon", os.path.join(tmp, "cache")
            for relpath, content in tree.items():
                write(top, relpath, content)
            time.sleep(MARGIN_NS * 1.5 / 1e9)
            first = cache.cached_fingerprint(str(top), [], [], cache_dir)
            assert os.path.exists(cache.entry_path(cache_dir, str(top), [], []))
            assert first == fingerprint(str(top), [], [])
            assert cache.cached_fingerprint(str(top), [], [], cache_dir) == first
            apply(top, ("same_size", edit_index))
            assert cache.cached_fingerprint(str(top), [], [], cache_dir) == fingerprint(str(top), [], [])
