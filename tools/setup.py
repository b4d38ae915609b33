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
3. The other series, each in a virtual environment of its own, since Odoo's
   requirements differ from one series to the next: ``ODOO_SRC_17`` (an Odoo
   17.0 source checkout) and ``ODOO_SRC_19`` (19.0). For each one set, a clean
   virtual environment (no system site packages) made by this Python in
   ``~/.cache/module_auto_update/venv-17.0`` (``venv-19.0``; under
   ``$XDG_CACHE_HOME`` when set), reused when it is already there, with that
   checkout's ``requirements.txt`` (the same ``setuptools<70`` and headers),
   ``tests/requirements.txt``, and the checkout made importable by its Python
   through the same ``.pth`` file. A series whose variable is not set is not
   a failure: the final table says it is not set and which series are tested::

       ODOO_SRC=/opt/odoo-18.0 ODOO_SRC_17=/opt/odoo-17.0 ODOO_SRC_19=/opt/odoo-19.0 python3 tools/setup.py

   Odoo then runs in it as ``~/.cache/module_auto_update/venv-17.0/bin/python
   /opt/odoo-17.0/odoo-bin ...``.
4. Debian's Chromium for the browser tours, when it is missing.
5. A look at PostgreSQL, which it does not install.

Each step says what it did; a final table says what could not be done and
how to do it. Exits 1 when a step failed. Safe to run again.
"""

import os
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PTH = "odoo-src.pth"
# The series prepared beside the Odoo 18 of this Python, and the variable naming each one's checkout.
OTHER_SERIES = {"17.0": "ODOO_SRC_17", "19.0": "ODOO_SRC_19"}


class StepFailed(Exception):
    """What could not be done, and how to do it."""


class NotSet(Exception):
    """A series that was not asked for: said in the table, not a failure."""


def run(*cmd, env=None):
    print("  $ " + " ".join(str(c) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], env={**os.environ, **(env or {})}, text=True, capture_output=True)
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise StepFailed(f"`{' '.join(str(c) for c in cmd)}` exited {proc.returncode}: " + " / ".join(tail))
    return proc.stdout


def odoo_series(extra_path=None, python=sys.executable):
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [extra_path, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [str(python), "-c", "import odoo.release as r, os; print(r.series, os.path.dirname(r.__file__))"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    return proc.stdout.split() if proc.returncode == 0 else None


def venv_dir(series):
    """Where the virtual environment of ``series`` lives: outside the repository, the same on every run."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "module_auto_update" / f"venv-{series}"


def apt_install(*packages):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise StepFailed(f"install Debian's {' '.join(packages)} (as root: apt-get install {' '.join(packages)})")
    run("apt-get", "update", "-qq")
    run("apt-get", "install", "-y", "-qq", *packages, env={"DEBIAN_FRONTEND": "noninteractive"})


def install_odoo_requirements(python, root):
    """``root``'s requirements.txt into ``python``: python-ldap's headers first, setuptools<70 for the pins."""
    if not Path("/usr/include/ldap.h").exists() or not Path("/usr/include/sasl/sasl.h").exists():
        apt_install("libldap2-dev", "libsasl2-dev")  # python-ldap builds against them
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraint:
        constraint.write("setuptools<70\n")
    try:
        run(
            python, "-m", "pip", "install", "-q", "-r", root / "requirements.txt",
            env={"PIP_CONSTRAINT": constraint.name},
        )  # fmt: skip
    finally:
        os.unlink(constraint.name)


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
    install_odoo_requirements(sys.executable, root)
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


def tested_series():
    return ["18.0", *(series for series, var in OTHER_SERIES.items() if os.environ.get(var))]


def step_series(series):
    """Odoo ``series`` in its own virtual environment, from the checkout its variable names."""
    var = OTHER_SERIES[series]
    src = os.environ.get(var)
    if not src:
        tested = sorted(tested_series())
        raise NotSet(
            f"{var} is not set: only {' and '.join(tested)} {'is' if len(tested) == 1 else 'are'} tested "
            f"({var}=/path/to/odoo-{series} prepares it)"
        )
    root = Path(src).expanduser().resolve()
    release = root / "odoo" / "release.py"
    if not release.is_file():
        raise StepFailed(f"{var}={src} is not an Odoo source checkout (no odoo/release.py)")
    found = runpy.run_path(str(release)).get("series")  # release.py imports nothing: no requirement needed yet
    if found != series:
        raise StepFailed(f"{var}={src} is Odoo {found}: Odoo {series} is needed")
    venv = venv_dir(series)
    python = venv / "bin" / "python"
    works = python.exists() and subprocess.run([str(python), "-c", ""], capture_output=True).returncode == 0
    if works:
        made = "reused"
    else:
        run(sys.executable, "-m", "venv", "--clear", venv)  # clean: no system site packages
        made = "made"
    install_odoo_requirements(python, root)
    run(python, "-m", "pip", "install", "-q", "-r", REPO / "tests" / "requirements.txt")
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / PTH).write_text(f"{root}\n")
    found = odoo_series(python=python)
    if not found or Path(found[1]).resolve() != root / "odoo":
        where = f"Odoo {found[0]} from {found[1]}" if found else "no Odoo"
        raise StepFailed(f"wrote {site / PTH}, but {python} imports {where}: remove the other Odoo from {venv}")
    return f"{venv} ({made}): Odoo's and tests/ requirements installed; its {PTH} makes {root} importable"


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
    ("Odoo 18.0", step_odoo),
    ("test tools", step_requirements),
    *((f"Odoo {series}", lambda series=series: step_series(series)) for series in OTHER_SERIES),
    ("Chromium", step_chromium),
    ("PostgreSQL", step_postgres),
)


def main():
    rows, failed = [], False
    for name, step in STEPS:
        print(f"== {name}", flush=True)
        try:
            rows.append((name, "ok", step()))
        except NotSet as exc:
            rows.append((name, "not set", str(exc)))
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
