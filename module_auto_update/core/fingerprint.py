# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Addon fingerprints.

The addon digest is the one the OCA addon and click-odoo-update store in
``module_auto_update.installed_checksums``: a SHA-1 fed, for every kept file
in walk order, with its relative path then its bytes. Changing anything here
changes every stored digest in the field, so the walk order, the exclusion
semantics and the language filter are frozen by test vectors.

Beside it we keep a SHA-1 per file, so that a plan can tell which files
were added, removed or modified. Only an addon that changed needs them, and
most runs find none changed: ``addon_digest`` streams the addon digest alone,
``lazy_fingerprint`` defers the per-file digests to their first use (one more
read of that addon, checked against the addon digest taken first), and
``fingerprint`` computes both in one read when they are known to be needed.
"""

import fnmatch
import functools
import hashlib
import logging
import operator
import os
import re
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

_logger = logging.getLogger(__name__)

# Files are hashed by chunks so that memory stays bounded whatever their size.
CHUNK_SIZE = 1 << 20
LANG_DIRS = ("i18n", "i18n_extra")
# The per-file digest recorded for a file whose bytes, as they were when the
# addon digest was taken, are gone: never equal to a SHA-1, so that a later
# comparison counts the file as modified rather than as unchanged.
UNKNOWN = "unknown"


class UnreadableFileError(OSError):
    """A file of an addon could not be read, so its fingerprint is unknown."""

    def __init__(self, top, relpath, reason):
        self.top = top
        self.relpath = relpath
        self.reason = reason
        super().__init__(f"cannot read {os.path.join(top, relpath)}: {reason}")


class FileDigests(Mapping):
    """``{relpath: SHA-1}`` of an addon's files, computed by ``compute()`` on first use.

    A read-only mapping like the dict it stands for (equal to it, iterated in
    walk order); ``computed`` tells whether the files were read already.
    Computing twice (two threads at once) gives the same mapping.
    """

    __slots__ = ("_compute", "_files")

    def __init__(self, compute):
        self._compute = compute
        self._files = None

    @property
    def computed(self):
        return self._files is not None

    def _loaded(self):
        if self._files is None:
            self._files = self._compute()
        return self._files

    def __getitem__(self, relpath):
        return self._loaded()[relpath]

    def __iter__(self):
        return iter(self._loaded())

    def __len__(self):
        return len(self._loaded())

    def __repr__(self):
        return f"FileDigests({self._files!r})" if self.computed else "FileDigests(<not computed yet>)"


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    # relative path -> SHA-1 of its bytes: a dict, or FileDigests computed on first use
    files: Mapping = field(default_factory=dict)

    @property
    def files_computed(self):
        """Whether the per-file digests are at hand (reading ``files`` reads no file)."""
        return not isinstance(self.files, FileDigests) or self.files.computed


@functools.lru_cache(maxsize=32)
def _matcher(patterns):
    # One compiled regex instead of fnmatch per pattern per file: same
    # semantics (fnmatch.translate is what fnmatch.fnmatch uses, and on
    # POSIX normcase is the identity), an order of magnitude fewer calls.
    # Cached: a run walks hundreds of addons with the same patterns.
    patterns = [p for p in patterns if p]
    if not patterns:
        return lambda path: False
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


_WILDCARDS = re.compile(r"[*?\[]")


def _excluded_folder_prefixes(patterns):
    """Prefixes of ``relpath/`` of the folders whose files are all excluded anyway.

    Only patterns ``literal*`` (one trailing ``*``, no other wildcard) give
    one: ``*`` matches ``/`` too, so every path below such a folder matches.
    Not entering them (the ``static/`` trees hold most of an addon's entries)
    changes no kept path.
    """
    return tuple(p[:-1] for p in patterns if p.endswith("*") and not _WILDCARDS.search(p[:-1]))


def _lang_prefixes(keep_langs):
    return {lang.split("_")[0] for lang in keep_langs}


def _is_other_language(name, langs):
    # os.path.splitext(name) == (base, ".po"), inlined: a name made of dots
    # then "po" has no extension for splitext.
    if not name.endswith(".po") or not name[:-3].strip("."):
        return False
    return name[:-3].split("_")[0] not in langs


_by_name = operator.attrgetter("name")


def walk_entries(top, exclude_patterns, keep_langs, folders=None):
    """Return ``[(relpath, DirEntry)]`` of the files that make the fingerprint.

    In each directory: its files in sorted name order, then its
    subdirectories in sorted name order. Directories are what
    ``DirEntry.is_dir()`` says (symlinks followed), but symlinked directories
    are not entered, exactly like ``os.walk(top)``; everything else, broken
    symlinks included, counts as a file.

    ``folders``, a list, receives ``[reldir, stat, holds_symlink]`` for each
    folder listed, its stat taken before the listing (see core/cache.py).
    """
    excluded = _matcher(tuple(exclude_patterns))
    folder_prefixes = _excluded_folder_prefixes([p for p in exclude_patterns if p])
    langs = _lang_prefixes(keep_langs)
    kept = []
    # A stack rather than recursion: the walk is the whole cost of a run
    # where nothing changed, and nested generators cost a frame per level.
    stack = [(top, "")]
    while stack:
        path, reldir = stack.pop()
        try:
            if folders is not None:
                folders.append([reldir, os.stat(path), False])
            with os.scandir(path) as it:
                entries = sorted(it, key=_by_name)
        except OSError as exc:
            # os.walk would skip an unlistable folder silently, which would
            # hide a change: refuse to give a fingerprint instead.
            raise UnreadableFileError(top, reldir or ".", exc.strerror or str(exc)) from exc
        prefix = f"{reldir}/" if reldir else ""
        lang_dir = bool(langs) and reldir in LANG_DIRS
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            relpath = prefix + entry.name
            if is_dir:
                if not entry.is_symlink() and not (relpath + "/").startswith(folder_prefixes):
                    subdirs.append((entry.path, relpath))
            elif not excluded(relpath) and not (lang_dir and _is_other_language(entry.name, langs)):
                kept.append((relpath, entry))
        stack.extend(reversed(subdirs))
        if folders is not None:
            folders[-1][2] = any(entry.is_symlink() for entry in entries)
    return kept


def _walk(top, exclude_patterns, keep_langs):
    """Yield the relative paths that are hashed, in hashing order."""
    for relpath, _entry in walk_entries(top, exclude_patterns, keep_langs):
        yield relpath


def _open_regular(top, relpath):
    """``(fd, stat)`` of a file opened for reading; raise UnreadableFileError unless it is a regular file."""
    try:
        # O_NONBLOCK so that a FIFO left in an addon cannot hang the run.
        fd = os.open(os.path.join(top, relpath), os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise UnreadableFileError(top, relpath, exc.strerror or str(exc)) from exc
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise UnreadableFileError(top, relpath, exc.strerror or str(exc)) from exc
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnreadableFileError(top, relpath, "not a regular file")
    return fd, st


_per_thread = threading.local()


def _buffer():
    """This thread's read buffer: one allocation for every file and chunk it reads."""
    view = getattr(_per_thread, "view", None)
    if view is None:
        view = _per_thread.view = memoryview(bytearray(CHUNK_SIZE))
    return view


def _feed(top, relpath, view, updates):
    """Pass a file's bytes, read by chunks into ``view``, to each of ``updates``; return
    the file's stat, taken on the open file before reading it."""
    fd, st = _open_regular(top, relpath)
    try:
        while n := os.readv(fd, (view,)):
            chunk = view[:n]
            for update in updates:
                update(chunk)
    except OSError as exc:
        raise UnreadableFileError(top, relpath, exc.strerror or str(exc)) from exc
    finally:
        os.close(fd)
    return st


def digest_files(top, relpaths, files=None, stats=None):
    """Hex addon digest of these files of ``top``, hashed in the given order, in one streaming read.

    ``files``, a dict, receives ``{relpath: SHA-1}`` of each file, computed
    in the same read; ``stats``, a list, the ``os.stat_result`` of each file,
    taken on the open file before reading it. Raises UnreadableFileError for
    a file that is not a regular file or cannot be read.
    """
    whole = hashlib.sha1()
    add = whole.update
    view = _buffer()
    for relpath in relpaths:
        add(os.fsencode(relpath))
        if files is None:
            st = _feed(top, relpath, view, (add,))
        else:
            own = hashlib.sha1()
            st = _feed(top, relpath, view, (add, own.update))
            files[relpath] = own.hexdigest()
        if stats is not None:
            stats.append(st)
    return whole.hexdigest()


def fingerprint(top, exclude_patterns, keep_langs):
    """Return the addon digest and the per-file digests, reading each file once."""
    files = {}
    return Fingerprint(digest_files(top, _walk(top, exclude_patterns, keep_langs), files), files)


def addon_digest(top, exclude_patterns, keep_langs):
    """The addon digest alone, in one streaming read: no per-file digest is computed."""
    return digest_files(top, _walk(top, exclude_patterns, keep_langs))


def checked_files(top, exclude_patterns, keep_langs, digest):
    """``({relpath: SHA-1}, True)`` of the files of ``top``, read now, when they still make ``digest``.

    Otherwise (an edit since ``digest`` was taken, or a file that cannot be
    read now) the bytes that made ``digest`` are gone: ``({relpath: UNKNOWN},
    False)`` over the files listed now (none if the folder cannot be listed),
    so that no file passes for unchanged against a record made from them.
    """
    try:
        now = fingerprint(top, exclude_patterns, keep_langs)
    except UnreadableFileError as exc:
        now, reason = None, str(exc)
    else:
        if now.digest == digest:
            return now.files, True
        reason = f"its digest is {now.digest} now"
    _logger.warning(
        "Addon folder %s changed after its digest %s was taken (%s): its per-file digests are unknown.",
        top,
        digest,
        reason,
    )
    try:
        listed = now.files if now is not None else list(_walk(top, exclude_patterns, keep_langs))
    except UnreadableFileError:
        listed = []
    return dict.fromkeys(listed, UNKNOWN), False


def lazy_fingerprint(top, exclude_patterns, keep_langs, digest=None):
    """The Fingerprint of ``top`` with its per-file digests computed on first use (``checked_files``).

    ``digest``: the addon digest when already known, else computed now by
    ``addon_digest`` (and raises UnreadableFileError as it does).
    """
    if digest is None:
        digest = addon_digest(top, exclude_patterns, keep_langs)
    patterns, langs = tuple(exclude_patterns), tuple(keep_langs)  # as they are now, for later
    return Fingerprint(digest, FileDigests(lambda: checked_files(top, patterns, langs, digest)[0]))


def addon_hash(top, exclude_patterns, keep_langs):
    """Hex SHA-1 of an addon folder, identical to the OCA addon's and click-odoo-update's."""
    return addon_digest(top, exclude_patterns, keep_langs)
