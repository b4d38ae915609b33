# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Build the pip package of each Odoo series from this tree: python3 tools/wheels.py [SERIES ...]

    python3 tools/wheels.py                  # 17.0, 18.0 and 19.0, into dist/
    python3 tools/wheels.py 19.0 --dist /tmp/wheels

One wheel per series, named and versioned as OCA's
(``odoo_addon_module_auto_update-19.0.1.0.0-py3-none-any.whl``): ``setup.py``
with ``ODOO_SERIES`` set, built from a copy of the tree (a build leaves
``build/`` and ``*.egg-info/`` behind). Prints a table of the wheels; exits 1
when one could not be built, with pip's last lines.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERIES = ("17.0", "18.0", "19.0")
ADDON = "module_auto_update"


def build(series, dist):
    """Build the wheel of ``series`` into ``dist`` and return its path."""
    with tempfile.TemporaryDirectory(prefix="mau_wheel_") as src:
        for name in ("setup.py", "pyproject.toml"):
            shutil.copy(REPO / name, src)
        shutil.copytree(REPO / ADDON, Path(src) / ADDON, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        out = Path(src) / "dist"
        # Offline with the setuptools, wheel and manifestoo-core at hand; else pip fetches them.
        at_hand = all(importlib.util.find_spec(name) for name in ("setuptools", "wheel", "manifestoo_core"))
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", *(["--no-build-isolation"] * at_hand)]
            + ["-q", "-w", str(out), src],
            capture_output=True,
            text=True,
            env={**os.environ, "ODOO_SERIES": series},
            check=False,
        )
        if proc.returncode:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"the {series} wheel could not be built:\n{tail}")
        (wheel,) = out.glob(f"odoo_addon_{ADDON}-{series}.*.whl")
        dist.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(wheel, dist))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("series", nargs="*", metavar="SERIES", help=f"any of {', '.join(SERIES)} (default: all)")
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="where to put the wheels (dist/)")
    args = parser.parse_args()
    unknown = sorted(set(args.series) - set(SERIES))
    if unknown:
        parser.error(f"no such series: {', '.join(unknown)}; use any of {', '.join(SERIES)}")
    failed = 0
    print(f"{'series':8} wheel")
    for series in args.series or SERIES:
        try:
            print(f"{series:8} {build(series, args.dist)}", flush=True)
        except RuntimeError as error:
            failed += 1
            print(f"{series:8} FAILED: {error}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
