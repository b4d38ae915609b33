# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The shared test vectors: digests other tools store must come out identical."""

import json
from pathlib import Path

import pytest

from module_auto_update.addon_hash import _walk, addon_hash
from module_auto_update.core.fingerprint import fingerprint

VECTORS = json.loads((Path(__file__).parent / "addon_hash_vectors.json").read_text())


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    top = tmp_path_factory.mktemp("addon")
    for relpath, content in VECTORS["files"].items():
        path = top / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("latin-1"))
    return top


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: ",".join(c["keep_langs"]) or "no-langs")
def test_digest(tree, case):
    assert addon_hash(str(tree), case["exclude_patterns"], case["keep_langs"]) == case["sha1"]
    assert fingerprint(str(tree), case["exclude_patterns"], case["keep_langs"]).digest == case["sha1"]


@pytest.mark.parametrize("case", [c for c in VECTORS["cases"] if "walk" in c])
def test_walk_order(tree, case):
    assert list(_walk(str(tree), case["exclude_patterns"], case["keep_langs"])) == case["walk"]
