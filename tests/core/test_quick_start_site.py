# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The quick start learns which Odoo it hands over to from the files, without importing it."""

import sys

import pytest

from module_auto_update.cli import quick_start


def checkout(tmp_path, major, with_init):
    """An Odoo source checkout of ``major``: 19.0's odoo package has no ``__init__.py``."""
    root = tmp_path / f"odoo-{major}.0"
    (root / "odoo" / "addons").mkdir(parents=True)
    (root / "odoo" / "release.py").write_text(f"FINAL = 'final'\nversion_info = ({major}, 0, 0, FINAL, 0, '')\n")
    if with_init:
        (root / "odoo" / "__init__.py").write_text("")
    (root / "odoo-bin").write_text("")
    return root


@pytest.mark.parametrize(("major", "with_init", "command"), [(18, True, "auto-upgrade"), (19, False, "auto_upgrade")])
def test_the_series_and_the_command_come_from_release_py(tmp_path, major, with_init, command):
    root = checkout(tmp_path, major, with_init)
    site = quick_start.Site(*quick_start.find_odoo({"ODOO_SRC": str(root)}), sys_path=[])
    assert (site.series, site.major, site.command) == (f"{major}.0", major, command)
    argv = quick_start.odoo_argv(["-d", "prod"], site)
    # This Python starts that checkout's odoo-bin, with the addon's folder on the addons path.
    assert argv[:2] == [sys.executable, str(root / "odoo-bin")]
    assert argv[2].startswith("--addons-path=") and argv[3:] == [command, "-d", "prod"]


def test_a_folder_without_odoo_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="no odoo/release.py"):
        quick_start.find_odoo({"ODOO_SRC": str(tmp_path)})
    root = checkout(tmp_path, 19, False)
    (root / "odoo" / "release.py").write_text("version = '19.0'\n")
    with pytest.raises(SystemExit, match="which Odoo is in"):
        quick_start.Site(*quick_start.find_odoo({"ODOO_SRC": str(root)}), sys_path=[])
