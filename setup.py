# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pip package odoo-addon-module_auto_update, laid out as setuptools-odoo does.

The addon installs as the package ``odoo.addons.module_auto_update`` (``odoo``
and ``odoo.addons`` stay namespaces: no ``__init__.py`` of theirs is shipped),
so Odoo finds it through ``odoo.addons.__path__`` without any addons path.

    pip wheel --no-deps -w dist .

Odoo itself is declared in the ``odoo`` extra, not as a plain requirement:
Odoo is not on PyPI and a source checkout (``odoo-bin``, a ``.pth`` file) is
not a pip distribution, so ``odoo>=18.0a,<18.1dev`` would make pip refuse to
install the addon beside one. Where Odoo was pip-installed (``pip install -e
odoo``), ``pip install "odoo-addon-module_auto_update[odoo]"`` checks it.

The script ``odoo-auto-upgrade`` (the quick start) goes to the environment's
``bin`` folder.
"""

import ast
import os
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
ADDON = "module_auto_update"
PACKAGE = f"odoo.addons.{ADDON}"
SERIES, NEXT_SERIES = "18.0", "18.1"
ODOO_REQUIREMENT = f"odoo>={SERIES}a,<{NEXT_SERIES}dev"


def read_manifest():
    return ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())


def odoo_core_addons():
    """Names of the addons that come with Odoo itself, when Odoo is importable."""
    try:
        import odoo
    except ImportError:
        return {"base", "web"}
    root = Path(odoo.__file__).resolve().parent.parent
    folders = [root / "odoo" / "addons", root / "addons"]
    return {
        p.name for folder in folders if folder.is_dir() for p in folder.iterdir() if (p / "__manifest__.py").is_file()
    }


def install_requires(manifest):
    # Like setuptools-odoo: a dependency on an addon outside Odoo is a
    # dependency on its pip package; python external dependencies as is.
    core = odoo_core_addons()
    addons = sorted(
        f"odoo-addon-{name}>={SERIES}dev,<{NEXT_SERIES}dev" for name in manifest.get("depends", []) if name not in core
    )
    return addons + list(manifest.get("external_dependencies", {}).get("python", []))


def package_data():
    """Every file of the addon that is not Python source (data, views, i18n, static, readme...)."""
    files = []
    for folder, dirs, names in os.walk(ROOT / ADDON):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if not name.endswith((".py", ".pyc", ".pyo")):
                files.append(os.path.relpath(os.path.join(folder, name), ROOT / ADDON))
    return sorted(files)


manifest = read_manifest()
setup(
    name=f"odoo-addon-{ADDON}",
    # The manifest's version has no series (Odoo prefixes its own): the package's is 18.0.x.y.z, as setuptools-odoo's.
    version=manifest["version"] if manifest["version"].startswith(SERIES + ".") else f"{SERIES}.{manifest['version']}",
    description=manifest["summary"],
    long_description=(ROOT / ADDON / "README.rst").read_text() if (ROOT / ADDON / "README.rst").is_file() else "",
    long_description_content_type="text/x-rst",
    author=manifest["author"],
    url=manifest["website"],
    license=manifest["license"],
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        f"Framework :: Odoo :: {SERIES}",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    ],
    python_requires=">=3.10",
    packages=[PACKAGE, *(f"{PACKAGE}.{sub}" for sub in find_packages(str(ROOT / ADDON)))],
    package_dir={PACKAGE: ADDON},
    package_data={PACKAGE: package_data()},
    # The quick start, on the PATH: it runs without importing Odoo, which an
    # entry point under the odoo namespace could not.
    scripts=[f"{ADDON}/cli/odoo-auto-upgrade"],
    install_requires=install_requires(manifest),
    extras_require={"odoo": [ODOO_REQUIREMENT]},
    zip_safe=False,
)
