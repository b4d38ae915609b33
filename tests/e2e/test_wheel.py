# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The pip package: built from setup.py, installed in a fresh virtual environment
beside Odoo, found by Odoo through the ``odoo.addons`` namespace alone."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import odoo_env
import pytest
import wheels


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    )
    return proc


@pytest.fixture(scope="module")
def wheel(odoo, tmp_path_factory):
    """The wheel of the series the suite runs on, built by the one command that builds them all."""
    return wheels.build(odoo.series, tmp_path_factory.mktemp("dist"))


# How users have Odoo: a source checkout on the path, pip-installed, pip-installed editable.
SOURCE, INSTALLED, EDITABLE = "source path", "pip install", "pip install -e (compat)"
# What Odoo's own setup.py packages.
ODOO_PACKAGING = ("odoo", "setup", "setup.py", "setup.cfg", "MANIFEST.in", "README.md", "LICENSE", "requirements.txt")


def purelib(python):
    return Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())


def odoo_venv(odoo, folder, mode):
    """A fresh virtual environment with Odoo's dependencies (this machine's) and Odoo installed as ``mode``."""
    run([sys.executable, "-m", "venv", str(folder)])
    python = folder / "bin" / "python"
    site = purelib(python)
    # A plain path entry: the dependencies of the series' Odoo, but not the .pth that makes it importable.
    (site / "odoo-deps.pth").write_text(f"{purelib(odoo.command[0])}\n")
    if mode == SOURCE:
        (site / "odoo-src.pth").write_text(f"{odoo.root}\n")
        return python
    src = folder / "odoo-src"
    src.mkdir()
    for name in ODOO_PACKAGING:
        if (odoo.root / name).is_dir():
            shutil.copytree(odoo.root / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (odoo.root / name).is_file():
            shutil.copy(odoo.root / name, src / name)
    # Today's pip and setuptools (editable installs through an import hook); wheel for --no-build-isolation.
    run([str(python), "-m", "pip", "install", "-q", "-U", "pip", "setuptools", "wheel"])
    editable = ["-e", str(src), "--config-settings", "editable_mode=compat"] if mode == EDITABLE else [str(src)]
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", *editable])
    return python


@pytest.fixture(scope="module", params=[SOURCE, INSTALLED, EDITABLE])
def venv(request, odoo, wheel, tmp_path_factory):
    """A fresh virtual environment with Odoo installed one of the three ways, then the wheel."""
    python = odoo_venv(odoo, tmp_path_factory.mktemp("venv"), request.param)
    # --no-index: no requirement of the package may send pip to an index,
    # the odoo one above all (Odoo is not a pip distribution here).
    run([str(python), "-m", "pip", "install", "--no-index", "-q", str(wheel)])
    return python


def test_wheel_holds_the_addon_under_the_odoo_addons_namespace(odoo, wheel):
    assert wheel.name == f"odoo_addon_module_auto_update-{odoo.series}.1.0.0-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    prefix = "odoo/addons/module_auto_update/"
    for required in (
        "__manifest__.py",
        "__init__.py",
        "security/ir.model.access.csv",
        "views/menus.xml",
        "README.rst",
        "i18n/module_auto_update.pot",
        "static/description/index.html",
    ):
        assert prefix + required in names
    # Namespaces stay open: shipping their __init__.py would shadow Odoo's.
    assert "odoo/__init__.py" not in names and "odoo/addons/__init__.py" not in names
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    metadata = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Python: >=3.10" in metadata
    assert f"Classifier: Framework :: Odoo :: {odoo.series}" in metadata
    # Odoo only in the extra (a source checkout is no pip distribution); manifestoo-core's range for it.
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    odoo_range = {"17.0": "odoo<17.1dev,>=17.0a", "18.0": "odoo==18.0.*", "19.0": "odoo==19.0.*"}[odoo.series]
    assert requires == ["Requires-Dist: manifestoo-core", f'Requires-Dist: {odoo_range}; extra == "odoo"'], requires
    # The manifest inside says the series, as OCA's do; the source tree's has none.
    manifest = zipfile.ZipFile(wheel).read(prefix + "__manifest__.py").decode()
    assert f'"version": "{odoo.series}.1.0.0"' in manifest


def test_odoo_installs_the_addon_from_the_virtual_environment(odoo, venv, tmp_path):
    installed = f"{purelib(venv)}/odoo/addons/module_auto_update"
    # The addons path names Odoo's own addons only: not this repository.
    addons_path = ",".join(str(p) for p in odoo.addons_paths) or str(odoo.root / "odoo" / "addons")
    # A pip-installed Odoo is started as a module; a checkout by odoo-bin.
    pip_installed = (venv.parent / "odoo").exists()
    odoo_bin = [str(venv), *(["-m", "odoo"] if pip_installed else odoo.command[1:]), f"--addons-path={addons_path}"]
    env = {**os.environ, **odoo.env}
    if pip_installed:
        env.pop("PYTHONPATH", None)  # the pip-installed Odoo alone
    db = odoo_env.unique_db("mau_wheel")
    try:
        run(
            [
                *odoo_bin,
                "-d",
                db,
                "-i",
                "module_auto_update",
                "--without-demo=all",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ],
            cwd=tmp_path,
            env=env,
        )
        code = (
            "import odoo, odoo.addons.module_auto_update as m, odoo.modules.module as mm\n"
            "print('@@', m.__file__, mm.get_module_path('module_auto_update'), list(odoo.__path__)[0])\n"
        )
        shell = run(
            [*odoo_bin[:-1], "shell", odoo_bin[-1], "-d", db, "--no-http", "--log-level=warn"],
            input=code,
            cwd=tmp_path,
            env=env,
        )
        (line,) = [line for line in shell.stdout.splitlines() if line.startswith("@@ ")]
        _, module_file, module_path, odoo_folder = line.split()
        assert module_file == f"{installed}/__init__.py"
        assert module_path == installed
        # Odoo is the one installed that way, not this machine's checkout.
        # (odoo.__path__: on 19.0 odoo is a namespace package, without __file__)
        assert (Path(odoo_folder).parent == odoo.root) == (not pip_installed), odoo_folder
        conn = odoo_env.pg_connect(db)
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT state FROM ir_module_module WHERE name = 'module_auto_update'")
                assert cr.fetchall() == [("installed",)]
                cr.execute("SELECT to_regclass('module_auto_update_checksum') IS NOT NULL")
                assert cr.fetchone() == (True,)
        finally:
            conn.close()
        # The quick start is on the environment's PATH and finds the addon in
        # the namespace: --init-hashes goes through odoo-bin, the no-op not.
        quick = [str(venv.parent / "odoo-auto-upgrade"), f"--addons-path={addons_path}", "-d", db]
        recorded = run([*quick, "--init-hashes", "--log-level=info"], cwd=tmp_path, env=env)
        assert recorded.stdout.strip() == f"{db}: hashes recorded"
        assert f"handing over to odoo-bin {odoo.command_name}" in recorded.stderr
        noop = run([*quick, "--log-level=info"], cwd=tmp_path, env=env)
        assert noop.stdout.strip() == f"{db}: nothing to do"
        assert "without loading Odoo" in noop.stderr and "handing over" not in noop.stderr
    finally:
        odoo_env.drop_db(db)


def test_editable_odoo_behind_an_import_finder_gets_one_sentence_and_its_fix(odoo, wheel, tmp_path):
    # setuptools' default editable mode: Odoo is found by an import hook that
    # the addon's odoo/ folder in site-packages hides (Odoo's own scripts fail too).
    python = odoo_venv(odoo, tmp_path / "venv", EDITABLE)
    src = tmp_path / "venv" / "odoo-src"
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(src)])
    run([str(python), "-m", "pip", "install", "--no-index", "-q", str(wheel)])
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ODOO_SRC")}
    proc = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "odoo-auto-upgrade"), "-d", "mau_nowhere"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if odoo.series >= "19.0":
        # 19.0's odoo is a namespace package: the import hook's Odoo and the addon's odoo/ folder
        # share it, so the quick start finds both and goes on (to a database that does not exist).
        assert proc.returncode == 3 and "mau_nowhere: missing" in proc.stderr, proc.stderr[-3000:]
        return
    assert proc.returncode != 0
    [sentence] = proc.stderr.strip().splitlines()
    assert "editable" in sentence and "--config-settings editable_mode=compat" in sentence, proc.stderr
    assert "import hook" in sentence
