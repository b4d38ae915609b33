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
import hashlib
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


def _matcher(patterns):
    # One compiled regex instead of fnmatch per pattern per file: same
    # semantics (fnmatch.translate is what fnmatch.fnmatch uses, and on
    # POSIX normcase is the identity), an order of magnitude fewer calls.
    patterns = [p for p in patterns if p]
    if not patterns:
        return lambda path: False
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


def _lang_prefixes(keep_langs):
    return {lang.split("_")[0] for lang in keep_langs}


def walk_entries(top, exclude_patterns, keep_langs):
    """Yield ``(relpath, DirEntry)`` of the files that make the fingerprint.

    In each directory: its files in sorted name order, then its
    subdirectories in sorted name order. Directories are what
    ``DirEntry.is_dir()`` says (symlinks followed), but symlinked directories
    are not entered, exactly like ``os.walk(top)``; everything else, broken
    symlinks included, counts as a file.
    """
    excluded = _matcher(exclude_patterns)
    langs = _lang_prefixes(keep_langs)

    def scan(path, reldir):
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError as exc:
            # os.walk would skip an unlistable folder silently, which would
            # hide a change: refuse to give a fingerprint instead.
            raise UnreadableFileError(top, reldir or ".", exc.strerror or str(exc)) from exc
        files, dirs = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry)
        files.sort(key=lambda e: e.name)
        dirs.sort(key=lambda e: e.name)
        lang_dir = bool(langs) and reldir in LANG_DIRS
        for entry in files:
            relpath = f"{reldir}/{entry.name}" if reldir else entry.name
            if excluded(relpath):
                continue
            if lang_dir:
                base, ext = os.path.splitext(entry.name)
                if ext == ".po" and base.split("_")[0] not in langs:
                    continue
            yield relpath, entry
        for entry in dirs:
            if entry.is_symlink():
                continue
            yield from scan(entry.path, f"{reldir}/{entry.name}" if reldir else entry.name)

    yield from scan(top, "")


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


def fingerprint(top, exclude_patterns, keep_langs):
    """Return the addon digest and the per-file digests, reading each file once."""
    addon_sha1 = hashlib.sha1()
    files = {}
    for relpath in _walk(top, exclude_patterns, keep_langs):
        files[relpath] = hash_file(top, relpath, addon_sha1)
    return Fingerprint(addon_sha1.hexdigest(), files)


def addon_hash(top, exclude_patterns, keep_langs):
    """Hex SHA-1 of an addon folder, identical to the OCA addon's and click-odoo-update's."""
    addon_sha1 = hashlib.sha1()
    for relpath in _walk(top, exclude_patterns, keep_langs):
        addon_sha1.update(os.fsencode(relpath))
        for chunk in read_chunks(top, relpath):
            addon_sha1.update(chunk)
    return addon_sha1.hexdigest()
