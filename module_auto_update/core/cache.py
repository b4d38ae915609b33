# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stat cache of addon fingerprints: skip reading files that did not change.

An addon's digest is reused when the walk keeps the same paths, in the same
order, and every one of them has the same size, mtime, inode and ctime (in
nanoseconds) as when it was hashed. The addon digest is a SHA-1 over all its
files in order, so it cannot be rebuilt from per-file digests: one changed
file means reading the whole addon again, which yields the per-file digests
in the same read. The cache therefore works per addon.

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

One small JSON file per addon folder and settings (exclude patterns,
languages are part of the key), replaced atomically by rename. Any doubt
(missing, unreadable, corrupt, other version or settings) is a miss: a lost
or broken cache costs speed, never a wrong digest.
"""

import hashlib
import json
import logging
import os
import stat
import tempfile
import time

from .fingerprint import Fingerprint, fingerprint, hash_files, walk_entries

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
        files.append([relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns])
    if any(holds_symlink for _reldir, _st, holds_symlink in listed):
        return files, None
    return files, [[reldir, st.st_mtime_ns, st.st_ino, st.st_ctime_ns] for reldir, st, _link in listed]


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
            return None
    files = {}
    for relpath, size, mtime, ino, ctime, digest in entry["files"]:
        mode, now = _stat_key(relpath, top_fd)
        if not stat.S_ISREG(mode) or now != [size, mtime, ino, ctime] or not isinstance(digest, str):
            return None
        files[relpath] = digest
    return Fingerprint(entry["digest"], files) if isinstance(entry["digest"], str) else None


def reuse_unlisted(entry, top, exclude_patterns, keep_langs):
    """The cached Fingerprint if the recorded folders and files all kept their stat, else None.

    Lists no folder: unchanged folders have unchanged listings.
    """
    try:
        if not entry["folders"] or not _trusted(entry, top, exclude_patterns, keep_langs):
            return None
        top_fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
        try:
            return _unchanged(entry, top_fd)
        finally:
            os.close(top_fd)
    except OSError:
        return None
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # not an entry we wrote


def reuse(entry, top, exclude_patterns, keep_langs, rows):
    """The cached Fingerprint if ``entry`` vouches for exactly these ``rows``, else None."""
    try:
        if len(entry["files"]) != len(rows) or not _trusted(entry, top, exclude_patterns, keep_langs):
            return None
        files = {}
        for cached, row in zip(entry["files"], rows, strict=True):
            if cached[:5] != row:
                return None
            files[row[0]] = cached[5]
        if not all(isinstance(d, str) for d in files.values()) or not isinstance(entry["digest"], str):
            return None
        return Fingerprint(entry["digest"], files)
    except (KeyError, TypeError, IndexError):
        return None  # not an entry we wrote


def store(path, entry):
    """Write ``entry`` atomically; failing only costs speed next time."""
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(entry, f, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        _logger.debug("Stat cache not written to %s: %s", path, exc)


def cached_fingerprint(top, exclude_patterns, keep_langs, cache_dir, clock=time.time_ns):
    """Same result as ``fingerprint.fingerprint()``, reading files only when their stat changed.

    Raises UnreadableFileError exactly when ``fingerprint()`` would.
    """
    hashed_at = clock()  # before any stat or read: see RACY_MARGIN_NS
    path = entry_path(cache_dir, top, exclude_patterns, keep_langs)
    entry = load(path)
    if isinstance(entry, dict):
        fp = reuse_unlisted(entry, top, exclude_patterns, keep_langs)
        if fp is not None:
            return fp
    rows, folders = scan(top, exclude_patterns, keep_langs)
    if rows is None:
        # A file we cannot stat or that is not regular: let the plain path
        # hash it (or raise UnreadableFileError), never record it.
        return fingerprint(top, exclude_patterns, keep_langs)
    if isinstance(entry, dict):
        fp = reuse(entry, top, exclude_patterns, keep_langs, rows)
        if fp is not None:
            return fp
    # The stats were taken before reading: a file changed while being read
    # no longer matches them next time, so it is read again.
    fp = hash_files(top, [row[0] for row in rows])
    if settled(rows, folders, hashed_at):
        store(
            path,
            {
                "version": VERSION,
                "top": os.path.abspath(top),
                "exclude_patterns": list(exclude_patterns),
                "keep_langs": list(keep_langs),
                "hashed_at": hashed_at,
                "digest": fp.digest,
                "files": [row + [fp.files[row[0]]] for row in rows],
                "folders": folders,
            },
        )
    return fp
