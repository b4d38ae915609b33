# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stat cache of addon fingerprints: skip reading files that did not change.

An addon's digest is reused when the walk keeps the same paths, in the same
order, and every one of them has the same size, mtime, inode and ctime (in
nanoseconds) as when it was hashed. The addon digest is a SHA-1 over all its
files in order, so it cannot be rebuilt from per-file digests: one changed
file means reading the whole addon again. The cache therefore works per addon.

Racy edits, as git's index knows them: a file written again within the same
timestamp tick as the stat we recorded keeps its size and times. An entry is
trusted only when every recorded mtime and ctime is older than the moment
hashing started by a safe margin; otherwise the addon is hashed again (and
recorded again once its files have settled). The ctime cannot be set from
user space, so ``touch -d``/``os.utime`` restoring an old mtime is caught.

When, besides, no folder of the addon holds a symlink and every folder has
the same mtime, inode and ctime as then (settled too), its listing cannot
have changed: adding, removing or renaming an entry changes the folder's
times. The check then stats the recorded folders and files and lists no
folder at all. A symlink's target may turn from a file into a folder without
its folder changing, so an addon with a symlink is always listed.

Per-file digests are recorded beside the stats when they were computed. An
addon found unchanged needs none, so a run without an entry (a fresh
container) streams the addon digest alone, takes each file's stat on the
file it opens to read, and records ``null`` in their place; they are
computed on first use (``Fingerprint.files``) and recorded then, for the
next run that needs them. A reader that requires them (older ones) takes
``null`` for a corrupt entry: a miss.

One small JSON file per addon folder and settings (exclude patterns,
languages are part of the key), replaced atomically by rename. Any doubt
(missing, unreadable, corrupt, other version or settings) is a miss: a lost
or broken cache costs speed, never a wrong digest.
"""

import hashlib
import json
import logging
import os
import queue
import stat
import tempfile
import threading
import time

from .fingerprint import (
    FileDigests,
    Fingerprint,
    checked_files,
    digest_files,
    fingerprint,
    lazy_fingerprint,
    walk_entries,
)

_logger = logging.getLogger(__name__)

VERSION = 2
# Timestamps are set from the kernel's coarse clock and some filesystems
# store seconds (or two): a file this close to the hashing moment may still
# change without changing its stat.
RACY_MARGIN_NS = 2_000_000_000


def entry_path(cache_dir, top, exclude_patterns, keep_langs):
    key = json.dumps([VERSION, os.path.abspath(top), list(exclude_patterns), list(keep_langs)])
    return os.path.join(cache_dir, hashlib.sha1(key.encode()).hexdigest() + ".json")


def scan(top, exclude_patterns, keep_langs):
    """``(files, folders)``: ``[[relpath, size, mtime_ns, inode, ctime_ns], ...]`` of the
    kept files in walk order, and ``[[reldir, mtime_ns, inode, ctime_ns], ...]`` of the
    folders listed (``None`` when one holds a symlink); ``None, None`` when a file
    is not a regular file we can stat (never cached)."""
    listed = []
    files = []
    for relpath, entry in walk_entries(top, exclude_patterns, keep_langs, folders=listed):
        try:
            st = entry.stat()  # follows symlinks: a retargeted link changes the inode
        except OSError:
            return None, None
        if not stat.S_ISREG(st.st_mode):
            return None, None
        files.append(_file_row(relpath, st))
    return files, _folder_rows(listed)


def _file_row(relpath, st):
    return [relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def _folder_rows(listed):
    """The folder rows of what ``walk_entries(folders=listed)`` listed; ``None`` when one holds a symlink."""
    if any(holds_symlink for _reldir, _st, holds_symlink in listed):
        return None
    return [[reldir, st.st_mtime_ns, st.st_ino, st.st_ctime_ns] for reldir, st, _link in listed]


def settled(files, folders, hashed_at):
    """True when nothing was touched close to the moment the digest was taken."""
    limit = hashed_at - RACY_MARGIN_NS
    return all(row[2] < limit and row[4] < limit for row in files) and all(
        row[1] < limit and row[3] < limit for row in folders or ()
    )


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _trusted(entry, top, exclude_patterns, keep_langs):
    return (
        entry["version"] == VERSION
        and entry["top"] == os.path.abspath(top)
        and entry["exclude_patterns"] == list(exclude_patterns)
        and entry["keep_langs"] == list(keep_langs)
        and settled(entry["files"], entry["folders"], entry["hashed_at"])
    )


def _stat_key(relpath, top_fd):
    # Relative to the addon's open folder: the kernel resolves two path
    # components instead of the whole absolute path, for every file.
    st = os.stat(relpath or ".", dir_fd=top_fd)
    return st.st_mode, [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def _unchanged(entry, top_fd):
    for reldir, *key in entry["folders"]:
        mode, (_size, *now) = _stat_key(reldir, top_fd)
        if not stat.S_ISDIR(mode) or now != key:
            return False
    for relpath, size, mtime, ino, ctime, _digest in entry["files"]:
        mode, now = _stat_key(relpath, top_fd)
        if not stat.S_ISREG(mode) or now != [size, mtime, ino, ctime]:
            return False
    return True


def _vouched(entry, top, exclude_patterns, keep_langs, with_files, path):
    """The Fingerprint a trusted entry records, None when ``with_files`` and it records no
    per-file digests, or when it is not an entry we wrote."""
    digest, rows = entry["digest"], entry["files"]
    if not isinstance(digest, str):
        return None
    if all(isinstance(row[5], str) for row in rows):
        return Fingerprint(digest, {row[0]: row[5] for row in rows})
    if with_files or any(row[5] is not None for row in rows):
        return None
    return Fingerprint(digest, _lazy_files(top, exclude_patterns, keep_langs, digest, path))


def _lazy_files(top, exclude_patterns, keep_langs, digest, path):
    """FileDigests of ``top`` checked against ``digest`` (``fingerprint.checked_files``), then
    recorded in the entry at ``path`` (``record_files``).

    Holds no entry: a run keeps hundreds of fingerprints, and live entries
    (lists of rows) make every allocation and collection of the run dearer.
    """
    patterns, langs = tuple(exclude_patterns), tuple(keep_langs)  # as they are now, for later

    def compute():
        files, same = checked_files(top, patterns, langs, digest)
        if same:
            record_files(path, top, patterns, langs, digest, files)
        return files

    return FileDigests(compute)


def record_files(path, top, exclude_patterns, keep_langs, digest, files):
    """Put ``files`` (``{relpath: SHA-1}`` of the bytes that made ``digest``) in the entry at
    ``path`` when it is a trusted entry of ``digest`` over the same paths, in the same order.

    Those bytes are the ones its stats describe, so the next run that needs
    the per-file digests finds them there.
    """
    entry = load(path)
    try:
        if (
            not isinstance(entry, dict)
            or entry["digest"] != digest
            or [row[0] for row in entry["files"]] != list(files)
            or all(isinstance(row[5], str) for row in entry["files"])
            or not _trusted(entry, top, exclude_patterns, keep_langs)
        ):
            return
        entry["files"] = [row[:5] + [files[row[0]]] for row in entry["files"]]
    except (KeyError, TypeError, IndexError):
        return  # not an entry we wrote
    store(path, entry)


def reuse_unlisted(entry, top, exclude_patterns, keep_langs, with_files=False, path=None):
    """The cached Fingerprint if the recorded folders and files all kept their stat, else None.

    Lists no folder: unchanged folders have unchanged listings. With
    ``with_files`` an entry without per-file digests is a miss; ``path``:
    where ``entry`` is recorded, to record them there once computed.
    """
    try:
        if not entry["folders"] or not _trusted(entry, top, exclude_patterns, keep_langs):
            return None
        top_fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if not _unchanged(entry, top_fd):
                return None
        finally:
            os.close(top_fd)
        return _vouched(entry, top, exclude_patterns, keep_langs, with_files, path)
    except OSError:
        return None
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # not an entry we wrote


def reuse(entry, top, exclude_patterns, keep_langs, rows, with_files=False, path=None):
    """The cached Fingerprint if ``entry`` vouches for exactly these ``rows``, else None
    (``with_files``, ``path``: see ``reuse_unlisted``)."""
    try:
        if len(entry["files"]) != len(rows) or not _trusted(entry, top, exclude_patterns, keep_langs):
            return None
        for cached, row in zip(entry["files"], rows, strict=True):
            if cached[:5] != row:
                return None
        return _vouched(entry, top, exclude_patterns, keep_langs, with_files, path)
    except (KeyError, TypeError, IndexError):
        return None  # not an entry we wrote


def store(path, entry):
    """Write ``entry`` atomically; failing only costs speed next time."""
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            # json.dumps, not json.dump: only the one-shot encoder is written in C.
            text = json.dumps(entry, separators=(",", ":"))
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        _logger.debug("Stat cache not written to %s: %s", path, exc)


class Writer:
    """``store`` on a thread of its own, so that the next addons are hashed meanwhile.

    Call it as ``store``; leaving the ``with`` block waits until every entry
    given is written. Creating a file is what an entry costs (a fresh
    container creates one per addon); the thread overlaps it with hashing.
    """

    def __init__(self):
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="stat-cache-writer", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._queue.put(None)
        self._thread.join()

    def __call__(self, path, entry):
        self._queue.put((path, entry))

    def _write(self):
        while (item := self._queue.get()) is not None:
            try:
                store(*item)
            except Exception:  # an entry not written costs speed only
                _logger.debug("Stat cache entry not written to %s", item[0], exc_info=True)


def cached_fingerprint(top, exclude_patterns, keep_langs, cache_dir, clock=time.time_ns, with_files=False, write=store):
    """Same result as ``fingerprint.fingerprint()``, reading files only when their stat changed.

    The per-file digests come from the entry when it records them; else they
    are computed in the same read as the addon digest with ``with_files``
    (an entry without them is then a miss), on first use of
    ``Fingerprint.files`` without. ``write(path, entry)`` records an entry
    (``store``, or a ``Writer``). Raises UnreadableFileError exactly when
    ``fingerprint()`` would.
    """
    hashed_at = clock()  # before any stat or read: see RACY_MARGIN_NS
    path = entry_path(cache_dir, top, exclude_patterns, keep_langs)
    entry = load(path)
    files = {} if with_files else None
    if isinstance(entry, dict):
        fp = reuse_unlisted(entry, top, exclude_patterns, keep_langs, with_files, path)
        if fp is not None:
            return fp
        rows, folders = scan(top, exclude_patterns, keep_langs)
        if rows is None:
            # A file we cannot stat or that is not regular: let the plain path
            # hash it (or raise UnreadableFileError), never record it.
            if with_files:
                return fingerprint(top, exclude_patterns, keep_langs)
            return lazy_fingerprint(top, exclude_patterns, keep_langs)
        fp = reuse(entry, top, exclude_patterns, keep_langs, rows, with_files, path)
        if fp is not None:
            return fp
        # The stats were taken before reading: a file changed while being read
        # no longer matches them next time, so it is read again.
        digest = digest_files(top, [row[0] for row in rows], files)
    else:
        # No entry (a fresh container): one listing, and each file's stat taken
        # on the file opened to read it, before reading it: one read per file.
        listed, stats = [], []
        relpaths = [relpath for relpath, _entry in walk_entries(top, exclude_patterns, keep_langs, folders=listed)]
        digest = digest_files(top, relpaths, files, stats)
        rows = [_file_row(relpath, st) for relpath, st in zip(relpaths, stats, strict=True)]
        folders = _folder_rows(listed)
    if settled(rows, folders, hashed_at):
        recorded = {
            "version": VERSION,
            "top": os.path.abspath(top),
            "exclude_patterns": list(exclude_patterns),
            "keep_langs": list(keep_langs),
            "hashed_at": hashed_at,
            "digest": digest,
            "files": [row + [files[row[0]] if files is not None else None] for row in rows],
            "folders": folders,
        }
        write(path, recorded)
    if files is not None:
        return Fingerprint(digest, files)
    return Fingerprint(digest, _lazy_files(top, exclude_patterns, keep_langs, digest, path))
