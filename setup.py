# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pip package odoo-addon-module_auto_update of one Odoo series, laid out as OCA's are.

The addon installs as the package ``odoo.addons.module_auto_update`` (``odoo``
and ``odoo.addons`` stay namespaces: no ``__init__.py`` of theirs is shipped),
so Odoo finds it through ``odoo.addons.__path__`` without any addons path.

One tree, one wheel per series (17.0, 18.0, 19.0): the series is ``ODOO_SERIES``
when set, else that of the Odoo the building Python imports::

    ODOO_SERIES=19.0 pip wheel --no-deps -w dist .
    python3 tools/wheels.py            # the three, into dist/

The source manifest's version has no series (Odoo prefixes its own); the
wheel's manifest and the package's version get it: ``19.0.1.0.0``. Name,
requirements and classifiers are manifestoo-core's, as OCA's build backend
(whool) computes them, with one difference: Odoo itself is declared in the
``odoo`` extra, not as a plain requirement, since Odoo is not on PyPI and a
source checkout (``odoo-bin``, a ``.pth`` file) is not a pip distribution,
which would make pip refuse to install the addon beside one. Where Odoo was
pip-installed, ``pip install "odoo-addon-module_auto_update[odoo]"`` checks it.

The script ``odoo-auto-upgrade`` (the quick start) goes to the environment's
``bin`` folder.
"""

import ast
import os
import re
from pathlib import Path

from manifestoo_core.metadata import metadata_from_addon_dir
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
ADDON = "module_auto_update"
PACKAGE = f"odoo.addons.{ADDON}"
SUPPORTED = ("17.0", "18.0", "19.0")


def odoo_series():
    """The series to build for: ``ODOO_SERIES``, else the importable Odoo's; one sentence when neither."""
    series = os.environ.get("ODOO_SERIES", "").strip()
    if not series:
        try:
            import odoo.release

            series = odoo.release.series
        except ImportError:
            raise SystemExit(
                "Which Odoo series is this package for? Set ODOO_SERIES (one of "
                f"{', '.join(SUPPORTED)}), e.g. ODOO_SERIES=18.0 pip install {ROOT}."
            ) from None
    if series not in SUPPORTED:
        raise SystemExit(f"ODOO_SERIES={series} is not supported: use one of {', '.join(SUPPORTED)}.")
    return series


SERIES = odoo_series()
MANIFEST_VERSION = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())["version"]
VERSION = MANIFEST_VERSION if MANIFEST_VERSION.startswith(SERIES + ".") else f"{SERIES}.{MANIFEST_VERSION}"
# Metadata as OCA's wheels have it: no version from git (the manifest's is the release).
META = metadata_from_addon_dir(ROOT / ADDON, {"odoo_series_override": SERIES, "post_version_strategy_override": "none"})
REQUIRES = META.get_all("Requires-Dist") or []
ODOO = [req for req in REQUIRES if re.match(r"odoo\s*[=<>!~]", req)]  # odoo==19.0.*, odoo>=17.0a,<17.1dev


class build_py_series(build_py):
    """Copies the addon with its manifest's version prefixed by the series (``1.0.0`` → ``19.0.1.0.0``)."""

    def run(self):
        super().run()
        manifest = Path(self.build_lib, *PACKAGE.split("."), "__manifest__.py")
        text, count = re.subn(
            r'("version":\s*)"[^"]*"', lambda m: f'{m.group(1)}"{VERSION}"', manifest.read_text(), count=1
        )
        if count != 1:
            raise SystemExit(f"{manifest}: no version to set to {VERSION}.")
        manifest.write_text(text)


def package_data():
    """Every file of the addon that is not Python source (data, views, i18n, static, readme...)."""
    files = []
    for folder, dirs, names in os.walk(ROOT / ADDON):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if not name.endswith((".py", ".pyc", ".pyo")):
                files.append(os.path.relpath(os.path.join(folder, name), ROOT / ADDON))
    return sorted(files)


def subpackages():
    """The addon's Python packages, under the ``odoo.addons`` namespace."""
    found = []
    for folder, dirs, names in os.walk(ROOT / ADDON):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        if "__init__.py" in names:
            found.append(".".join([PACKAGE, *Path(folder).relative_to(ROOT / ADDON).parts]))
    return sorted(found)


setup(
    name=META["Name"],
    version=VERSION,
    description=META["Summary"],
    long_description=META.get_payload() or "",
    long_description_content_type=META["Description-Content-Type"],
    author=META["Author"],
    url=META["Home-page"],
    license=META["License"],
    classifiers=META.get_all("Classifier"),
    python_requires=META["Requires-Python"] or ">=3.10",
    packages=subpackages(),
    package_dir={PACKAGE: ADDON},
    package_data={PACKAGE: package_data()},
    cmdclass={"build_py": build_py_series},
    # The quick start, on the PATH: it runs without importing Odoo, which an
    # entry point under the odoo namespace could not.
    scripts=[f"{ADDON}/cli/odoo-auto-upgrade"],
    install_requires=[req for req in REQUIRES if req not in ODOO],
    extras_require={"odoo": ODOO},
    zip_safe=False,
)
