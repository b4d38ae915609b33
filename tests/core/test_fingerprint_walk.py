# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fast walk keeps exactly the paths of the reference algorithm, in its order.

The reference is the OCA addon's, written from the spec: ``os.walk`` with
sorted folders, sorted file names, ``fnmatch`` per pattern, the language
filter on top-level translation folders. Ours skips the folders whose files
are all excluded; this proves it changes nothing.
"""

import fnmatch
import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from module_auto_update.core.fingerprint import _excluded_folder_prefixes, _walk

NAMES = st.sampled_from(["a.py", "x.pyc", "fr.po", "fr_BE.po", "de.po", ".po", "..po", "a..po", "v.xml", "B.xml"])
FOLDERS = st.sampled_from(
    ["", "static", "static/src", "staticx", "doc", "docs/x", "i18n", "i18n_extra", "sub/i18n", "[x", "a"]
)
RELPATHS = st.builds(lambda d, n: f"{d}/{n}" if d else n, FOLDERS, NAMES)
PATTERNS = st.lists(
    st.sampled_from(
        ["static/*", "doc*", "*", "a*", "*.pyc", "[x*", "?tatic/*", "i18n/*.pot", "static/src*", "", "sub/*/de.po"]
    ),
    max_size=3,
)
LANGS = st.lists(st.sampled_from(["fr_FR", "nl_NL", "de_DE"]), max_size=2)


def reference_walk(top, patterns, keep_langs):
    langs = {lang.split("_")[0] for lang in keep_langs}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        reldir = os.path.relpath(dirpath, top)
        for name in sorted(filenames):
            relpath = os.path.normpath(os.path.join(reldir, name))
            if any(fnmatch.fnmatch(relpath, p) for p in patterns if p):
                continue
            base, ext = os.path.splitext(name)
            if langs and reldir in ("i18n", "i18n_extra") and ext == ".po" and base.split("_")[0] not in langs:
                continue
            yield relpath


@settings(max_examples=150, deadline=None)
@given(relpaths=st.sets(RELPATHS, min_size=1, max_size=15), patterns=PATTERNS, langs=LANGS)
def test_walk_matches_reference(relpaths, patterns, langs):
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        for relpath in relpaths:
            path = top / relpath
            if not path.parent.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.is_dir():
                    path.write_bytes(b"")
        assert list(_walk(tmp, patterns, langs)) == list(reference_walk(tmp, patterns, langs))


def test_only_trailing_star_literals_prune():
    assert _excluded_folder_prefixes(["static/*", "*.pyc", "doc*", "[x*", "?a*", "i18n/*.pot", "*"]) == (
        "static/",
        "doc",
        "",
    )
