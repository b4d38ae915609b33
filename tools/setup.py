# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Install what the test suites and the demo need: ODOO_SRC=/path/to/odoo-18.0 python3 tools/setup.py

1. Odoo 18: with ``ODOO_SRC`` (a source checkout), its ``requirements.txt``
   (with ``setuptools<70`` for the pinned packages that only build with it,
   and Debian's LDAP and SASL headers for ``python-ldap`` where apt-get can
   install them), then Odoo made importable by this Python through a ``.pth``
   file pointing at the checkout: the way addon wheels work beside it.
   Without ``ODOO_SRC``, an Odoo 18 this Python already imports is used.
2. The test and lint tools (``tests/requirements.txt``).
3. Debian's Chromium for the browser tours, when it is missing.
4. A look at PostgreSQL, which it does not install.

Each step says what it did; a final table says what could not be done and
how to do it. Exits 1 when a step failed. Safe to run again.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PTH = "odoo-src.pth"


class StepFailed(Exception):
    """What could not be done, and how to do it."""


def run(*cmd, env=None):
    print("  $ " + " ".join(str(c) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], env={**os.environ, **(env or {})}, text=True, capture_output=True)
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise StepFailed(f"`{' '.join(str(c) for c in cmd)}` exited {proc.returncode}: " + " / ".join(tail))
    return proc.stdout


def odoo_series(extra_path=None):
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [extra_path, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, "-c", "import odoo.release as r, os; print(r.series, os.path.dirname(r.__file__))"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    return proc.stdout.split() if proc.returncode == 0 else None


def apt_install(*packages):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise StepFailed(f"install Debian's {' '.join(packages)} (as root: apt-get install {' '.join(packages)})")
    run("apt-get", "update", "-qq")
    run("apt-get", "install", "-y", "-qq", *packages, env={"DEBIAN_FRONTEND": "noninteractive"})


def step_odoo():
    src = os.environ.get("ODOO_SRC")
    if not src:
        found = odoo_series()
        if not found:
            raise StepFailed("Odoo is not importable: set ODOO_SRC to an Odoo 18.0 source checkout and run again")
        if found[0] != "18.0":
            raise StepFailed(f"this Python imports Odoo {found[0]} from {found[1]}: Odoo 18.0 is needed")
        return f"Odoo {found[0]} already importable from {found[1]} (set ODOO_SRC to install another)"
    root = Path(src).expanduser().resolve()
    if not (root / "odoo" / "release.py").is_file():
        raise StepFailed(f"ODOO_SRC={src} is not an Odoo source checkout (no odoo/release.py)")
    found = odoo_series(str(root))
    if found and found[0] != "18.0":
        raise StepFailed(f"ODOO_SRC={src} is Odoo {found[0]}: Odoo 18.0 is needed")
    if not Path("/usr/include/ldap.h").exists() or not Path("/usr/include/sasl/sasl.h").exists():
        apt_install("libldap2-dev", "libsasl2-dev")  # python-ldap builds against them
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraint:
        constraint.write("setuptools<70\n")
    try:
        run(
            sys.executable, "-m", "pip", "install", "-q", "-r", root / "requirements.txt",
            env={"PIP_CONSTRAINT": constraint.name},
        )  # fmt: skip
    finally:
        os.unlink(constraint.name)
    site = Path(sysconfig.get_paths()["purelib"])
    (site / PTH).write_text(f"{root}\n")
    found = odoo_series()
    if not found or Path(found[1]).resolve() != root / "odoo":
        where = found[1] if found else "nowhere"
        raise StepFailed(f"wrote {site / PTH}, but this Python imports Odoo from {where}: remove the other Odoo")
    return f"Odoo 18.0 requirements installed; {site / PTH} makes {root} importable"


def step_requirements():
    run(sys.executable, "-m", "pip", "install", "-q", "-r", REPO / "tests" / "requirements.txt")
    return "test and lint tools installed (tests/requirements.txt)"


def step_chromium():
    if shutil.which("chromium"):
        return f"Chromium found: {shutil.which('chromium')}"
    apt_install("chromium")
    return "Debian's chromium installed"


def step_postgres():
    proc = subprocess.run(["psql", "-d", "postgres", "-Atc", "SELECT 1"], capture_output=True, text=True)
    if proc.returncode:
        raise StepFailed(
            "PostgreSQL does not answer (`psql -d postgres`): start it, or set PGHOST, PGPORT, PGUSER and "
            "PGPASSWORD for a role that may create databases"
        )
    return "PostgreSQL answers"


STEPS = (
    ("Odoo 18", step_odoo),
    ("test tools", step_requirements),
    ("Chromium", step_chromium),
    ("PostgreSQL", step_postgres),
)


def main():
    rows, failed = [], False
    for name, step in STEPS:
        print(f"== {name}", flush=True)
        try:
            rows.append((name, "ok", step()))
        except (StepFailed, FileNotFoundError) as exc:
            failed = True
            rows.append((name, "NOT DONE", str(exc)))
        print(f"   {rows[-1][1]}: {rows[-1][2]}", flush=True)
    width = max(len(name) for name, _state, _text in rows)
    print("\nset-up:")
    for name, state, text in rows:
        print(f"  {name.ljust(width)}  {state.ljust(8)}  {text}")
    print("\nnext: python3 tests/run.py" if not failed else "\nfix what is NOT DONE, then run this again")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
