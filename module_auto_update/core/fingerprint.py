# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Addon fingerprints.

The addon digest is the one the OCA addon and click-odoo-update store in
``module_auto_update.installed_checksums``: a SHA-1 fed, for every kept file
in walk order, with its relative path then its bytes. Changing anything here
changes every stored digest in the field, so the walk order, the exclusion
semantics and the language filter are frozen by test vectors.

Beside it we keep a SHA-1 per file, computed in the same read, so that a
plan can tell which files were added, removed or modified.
"""

import fnmatch
import functools
import hashlib
import operator
import os
import re
import stat
from dataclasses import dataclass, field

# Files are hashed by chunks so that memory stays bounded whatever their size.
CHUNK_SIZE = 1 << 20
LANG_DIRS = ("i18n", "i18n_extra")


class UnreadableFileError(OSError):
    """A file of an addon could not be read, so its fingerprint is unknown."""

    def __init__(self, top, relpath, reason):
        self.top = top
        self.relpath = relpath
        self.reason = reason
        super().__init__(f"cannot read {os.path.join(top, relpath)}: {reason}")


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    files: dict = field(default_factory=dict)  # relative path -> SHA-1 of its bytes


def parse_patterns(value):
    """Split the comma-separated exclude parameter, ignoring blanks around items."""
    return [p.strip() for p in (value or "").split(",") if p.strip()]


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


def read_chunks(top, relpath):
    """Yield a file's bytes by chunks; raise UnreadableFileError if it can't be read."""
    path = os.path.join(top, relpath)
    try:
        # O_NONBLOCK so that a FIFO left in an addon cannot hang the run.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise UnreadableFileError(top, relpath, exc.strerror or str(exc)) from exc
    with os.fdopen(fd, "rb", buffering=0) as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFileError(top, relpath, "not a regular file")
        try:
            while chunk := f.read(CHUNK_SIZE):
                yield chunk
        except OSError as exc:
            raise UnreadableFileError(top, relpath, exc.strerror or str(exc)) from exc


def hash_file(top, relpath, addon_sha1):
    """Feed a file into the addon digest; return the file's own SHA-1."""
    own = hashlib.sha1()
    addon_sha1.update(os.fsencode(relpath))
    for chunk in read_chunks(top, relpath):
        addon_sha1.update(chunk)
        own.update(chunk)
    return own.hexdigest()


def hash_files(top, relpaths):
    """The Fingerprint of these files of ``top``, hashed in the given order."""
    addon_sha1 = hashlib.sha1()
    files = {}
    for relpath in relpaths:
        files[relpath] = hash_file(top, relpath, addon_sha1)
    return Fingerprint(addon_sha1.hexdigest(), files)


def fingerprint(top, exclude_patterns, keep_langs):
    """Return the addon digest and the per-file digests, reading each file once."""
    return hash_files(top, _walk(top, exclude_patterns, keep_langs))


def addon_hash(top, exclude_patterns, keep_langs):
    """Hex SHA-1 of an addon folder, identical to the OCA addon's and click-odoo-update's."""
    return fingerprint(top, exclude_patterns, keep_langs).digest
