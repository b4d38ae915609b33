# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The stat cache inside a real Odoo: used by default, hides no change, can be turned off."""

import os
import time

CACHE_STATE = """
import os
from odoo.addons.module_auto_update.upgrade import addons
from odoo.addons.module_auto_update.core import cache
settings = addons.read_fingerprint_settings(env.cr)
path = addons.addon_path("mau_sample_c")
patterns, langs, cache_dir = settings
entry = cache_dir and cache.entry_path(cache_dir, path, patterns, langs)
result({"cache_dir": settings.cache_dir, "entry": entry, "recorded": bool(entry and os.path.exists(entry))})
"""

RUN = """
res = env["ir.module.module"]._auto_upgrade()
result({"changed": sorted(res["reasons"]), "upgraded": res["upgraded"], "result": res["result"]})
"""


def settle():
    # Files copied by the fixture a moment ago are not trusted by the cache
    # (racy-edit guard): let them age past its margin.
    time.sleep(2.2)


def test_same_size_edit_with_restored_mtime_is_upgraded(db):
    settle()
    db.shell('env["ir.module.module"]._save_installed_checksums(); env.cr.commit()')
    state = db.shell(CACHE_STATE)
    assert state["cache_dir"] and state["recorded"], state

    path = db.addon("mau_sample_c") / "__manifest__.py"
    before = os.stat(path)
    content = path.read_bytes()
    path.write_bytes(content.replace(b"'", b'"') if b"'" in content else content.replace(b'"', b"'"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.read_bytes() != content and os.stat(path).st_size == before.st_size

    out = db.shell(RUN)
    # Only the sample addons: this checkout's own addon may be edited meanwhile.
    assert [n for n in out["changed"] if n.startswith("mau_sample")] == ["mau_sample_c"], out
    assert "mau_sample_c" in out["upgraded"], out
