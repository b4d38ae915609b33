# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every command the documentation shows runs as written.

The commands are read from ``README.rst``, ``docs/*.rst`` and the addon's
``readme/*.md``: each line of a literal block (rst ``::``, markdown fences)
and each inline code span that starts with a program (``odoo-bin``,
``python3``, ``pip``, ``odoo-auto-upgrade``,
``module_auto_update/cli/odoo-auto-upgrade``, after ``NAME=value``
assignments), and each block of Python for ``odoo-bin shell`` (lines
starting with ``env[``, ``env.`` or ``print(env``). A literal block that
does not start with a command is output or a file, not run; spans that only
name a command in a sentence (``NAMES``) are not run either.

Each runs from a fresh copy of the repository (its files, as a clone has
them), against a throwaway database with the addon installed, its
placeholders replaced (``PLACEHOLDERS``: ``mydb``, ``odoo.conf``, the
addons path...). ``ODOO_RC`` names a configuration file for the commands
that give none: the database settings without the addons path, so that
``odoo-bin`` finds the addon's command only as the docs say (its
``dbfilter`` keeps ``--all-databases`` to the throwaway database). A command passes when it exits with 0 (or what
``EXPECT`` says), prints what ``EXPECT`` says, and no traceback. ``pip``
and the pip-installed ``odoo-auto-upgrade`` run in a fresh virtual
environment that sees this machine's Odoo. The commands that cannot run
here are listed in ``SKIP`` with the reason, and the test suites and
files (``python3 tests/run.py``, ``python3 -m pytest``) are left to the
suites (``skip_reason``); a benchmark among them has its options checked
against its ``--help``.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import odoo_env
import pytest

REPO = odoo_env.REPO
DOCS = [
    REPO / "README.rst",
    *sorted((REPO / "docs").glob("*.rst")),
    *sorted((REPO / "module_auto_update" / "readme").glob("*.md")),
]
PROGRAMS = ("odoo-bin", "python3", "pip", "odoo-auto-upgrade", "module_auto_update/cli/odoo-auto-upgrade")
SHELL_CODE = ("env[", "env.", "print(env")
# Inline spans that name a command in a sentence; they are not commands to run.
NAMES = {
    "odoo-bin",
    "odoo-bin auto-upgrade",
    "odoo-bin auto_upgrade",  # the command's name on Odoo 19.0
    "odoo-bin shell",
    "odoo-bin -u",
    "odoo-bin module upgrade",  # Odoo 19.0's own command, which the coexistence tests run
    "odoo-auto-upgrade",
    "module_auto_update/cli/odoo-auto-upgrade",
    "python3 -m odoo",
    "odoo-bin -u project_todo --stop-after-init",  # what a benchmark measures ours against
}
# Commands that cannot run here, and why.
SKIP = {
    "ODOO_SRC=/path/to/odoo-18.0 python3 tools/setup.py": (
        "it changes this machine's Python and system packages (pip, apt-get, a .pth file) for everyone on it; "
        "CI (.ci/run) runs it as written on a fresh machine"
    ),
    "pip install -e /path/to/odoo --config-settings editable_mode=compat": (
        "it installs Odoo itself and its requirements from the package index; tests/e2e/test_wheel.py installs "
        "a copy of Odoo this way (offline, --no-deps) and runs the addon beside it"
    ),
}
BENCHMARK = "a benchmark of minutes on an otherwise idle machine: its options are checked against its --help"
for _command in (
    "python3 tools/bench.py",
    "python3 tools/bench.py --quick",
    "python3 tools/bench.py --only cold",
    "python3 tools/bench_deploy.py --runs 5",
    "python3 tools/bench_steps.py --runs 5",
    "python3 tools/bench_cli.py --runs 5",
    "python3 tools/bench_series.py --runs 5 --series 18.0 19.0",
    "python3 tools/load.py",
    "python3 tools/load.py --clients 4 --hot 8 --before 2 --after 2",
):
    SKIP[_command] = BENCHMARK
# Test suites and test files (python3 tests/run.py [suite], python3 -m pytest ...), on any series.
SUITE = "tests: tests/run.py runs them, this test among its suites"


def skip_reason(text):
    """Why the command ``text`` of the docs is not run here, or None."""
    words = text.split()
    while words and re.fullmatch(r"[A-Z_]+=\S+", words[0]):
        words = words[1:]
    if words[:2] == ["python3", "tests/run.py"] or words[:3] == ["python3", "-m", "pytest"]:
        return SUITE
    return SKIP.get(text)


# What a command must print (stdout and stderr), and its exit code when not 0.
EXPECT = {
    "odoo-bin --addons-path=... auto-upgrade -c odoo.conf -d mydb --init-hashes": {"out": ["{db}: hashes recorded"]},
    "odoo-bin --addons-path=... auto-upgrade -c odoo.conf -d mydb --dry-run": {"out": ["{db}:"]},
    "odoo-bin --addons-path=... auto-upgrade -c odoo.conf -d mydb": {"out": ["{db}:"]},
    "odoo-bin --addons-path=... auto-upgrade --help": {"out": ["--init-hashes", "--dry-run"]},
    "module_auto_update/cli/odoo-auto-upgrade -c odoo.conf -d mydb": {"out": ["{db}: nothing to do"]},
    "python3 tools/demo.py": {"out": ["Column demo_field_", "in table mau_sample_a: yes", "Remove it all"]},
    "python3 tools/demo.py --cleanup": {"out": ["Removed the database"]},
}
# Options added to a command, and why: the demo's database and port are the
# test's own, so that it never meets a demo someone keeps, or a server on 8069.
EXTRA = {
    "python3 tools/demo.py": ["--db", "{demo_db}", "--port", "{port}"],
    "python3 tools/demo.py --cleanup": ["--db", "{demo_db}"],
}
# Placeholders of the docs and what they stand for here (whole arguments).
PLACEHOLDERS = {
    "odoo.conf": "{conf}",
    "/etc/odoo.conf": "{conf}",
    "mydb": "{db}",
    "prod": "{db}",
    "DB": "{db}",
    "/path/to/this/checkout": "{clone}",
}


@dataclass(frozen=True)
class Shown:
    """A command as the docs show it: where, its text, and ``cli`` or ``shell`` (Python for odoo-bin shell)."""

    doc: str
    text: str
    kind: str = "cli"


def _is_command(text):
    words = text.split()
    while words and re.fullmatch(r"[A-Z_]+=\S+", words[0]):
        words = words[1:]
    return bool(words) and words[0] in PROGRAMS


def _from_block(doc, lines):
    """The commands of a literal block; none when it does not start with one (output, a configuration file)."""
    first = next((line.strip() for line in lines if line.strip()), "")
    if not (first.startswith(SHELL_CODE) or _is_command(first.split(" #")[0])):
        return []
    shown, code = [], []
    for line in [*lines, ""]:
        line = line.strip()
        if line.startswith(SHELL_CODE):
            code.append(line)
            continue
        if code:
            shown.append(Shown(doc, "\n".join(code), "shell"))
            code = []
        text = line.split(" #")[0].strip()
        if _is_command(text):
            shown.append(Shown(doc, " ".join(text.split())))
    return shown


def _rst_blocks(text):
    """``(literal blocks, the text without them)`` of reStructuredText."""
    lines, blocks, rest, i = text.splitlines(), [], [], 0
    while i < len(lines):
        line = lines[i]
        rest.append(line)
        i += 1
        if not line.rstrip().endswith("::") or line.lstrip().startswith(".."):
            continue
        indent = len(line) - len(line.lstrip())
        block = []
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            block.append(lines[i])
            i += 1
        blocks.append(block)
    return blocks, "\n".join(rest)


def _md_blocks(text):
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M)
    return [block.splitlines() for block in blocks], re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def shown_commands():
    """Every command the docs show, in the order they show them, each once."""
    found = {}
    for path in DOCS:
        doc, text = str(path.relative_to(REPO)), path.read_text()
        blocks, prose = _rst_blocks(text) if path.suffix == ".rst" else _md_blocks(text)
        spans = re.findall(r"``(.+?)``", prose, re.S) if path.suffix == ".rst" else re.findall(r"`([^`]+)`", prose)
        shown = [item for block in blocks for item in _from_block(doc, block)]
        for span in spans:
            span = " ".join(span.split())
            if span.startswith(SHELL_CODE):
                shown.append(Shown(doc, span, "shell"))
            elif _is_command(span) and span not in NAMES:
                shown.append(Shown(doc, span))
        for item in shown:
            found.setdefault(item.text, item)
    return list(found.values())


COMMANDS = shown_commands()


class Site:
    """A fresh copy of the repository, an Odoo configuration file and a database with the addon installed."""

    def __init__(self, odoo, tmp):
        self.odoo, self.tmp = odoo, tmp
        self.clone = tmp / "clone"
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout.decode()
        for name in filter(None, listed.split("\0")):
            if (REPO / name).is_file():
                (self.clone / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, self.clone / name)
        self.db = odoo_env.unique_db("mau_docs")
        self.demo_db = odoo_env.unique_db("mau_docs_demo")
        self.addons = ",".join(str(p) for p in (*odoo.addons_paths, self.clone))
        # ODOO_RC, for the commands without -c: the database settings, and no
        # addons path, which would let odoo-bin find the command without --addons-path=.
        server = (
            f"data_dir = {tmp / 'data'}\n"
            f"db_name = {self.db}\n"
            f"dbfilter = ^{self.db}$\n"
            f"http_port = {odoo_env.free_port()}\n"
            "http_interface = 127.0.0.1\n"
            "max_cron_threads = 0\n"
            "without_demo = all\n"
        )
        self.odoorc = tmp / "odoorc"
        self.odoorc.write_text(f"[options]\n{server}")
        self.conf = tmp / "odoo.conf"
        self.conf.write_text(f"[options]\naddons_path = {self.addons}\n{server}")
        self.env = {**os.environ, **odoo.env, "ODOO_RC": str(self.odoorc)}
        self._venv = None

    def install(self):
        self.run(
            [*self.odoo.command, "-c", str(self.conf), "-d", self.db, "-i", "module_auto_update", "--stop-after-init"]
        )

    def values(self):
        return {
            "conf": str(self.conf),
            "db": self.db,
            "demo_db": self.demo_db,
            "clone": str(self.clone),
            "port": str(odoo_env.free_port()),
        }

    def run(self, argv, check=True, env=None, **kwargs):
        proc = subprocess.run(
            argv,
            cwd=self.clone,
            env=env or self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
            **kwargs,
        )
        if check:
            assert proc.returncode == 0, (
                f"{shlex.join(argv)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
            )
        return proc

    def venv(self):
        """A fresh virtual environment seeing this machine's Odoo and its requirements (not this addon)."""
        if self._venv is None:
            folder = self.tmp / "venv"
            self.run([sys.executable, "-m", "venv", str(folder)])
            site = self.run(
                [str(folder / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
            )
            here = self.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
            (Path(site.stdout.strip()) / "odoo-deps.pth").write_text(f"{here.stdout.strip()}\n")
            (Path(site.stdout.strip()) / "odoo-src.pth").write_text(f"{self.odoo.root}\n")
            self._venv = folder / "bin"
        return self._venv

    def argv(self, shown):
        """The command line of ``shown`` here: ``(env assignments, argv)``."""
        values = self.values()
        words = shlex.split(shown.text, comments=True)
        env = {}
        while re.fullmatch(r"[A-Z_]+=\S+", words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        program, args = words[0], words[1:]
        head = {
            "odoo-bin": list(self.odoo.command),
            "python3": [sys.executable],
            "module_auto_update/cli/odoo-auto-upgrade": [str(self.clone / program)],
        }.get(program)
        if program == "pip":
            head = [str(self.venv() / "pip")]
        elif program == "odoo-auto-upgrade":
            # "installed with pip: on the PATH"
            self.pip_installed()
            head = [str(self.venv() / "odoo-auto-upgrade")]
        out = []
        for word in args:
            if word.startswith("--addons-path="):
                word = f"--addons-path={self.addons}"
            out.append(PLACEHOLDERS.get(word, word).format(**values))
        out += [word.format(**values) for word in EXTRA.get(shown.text, ())]
        return env, [*head, *out], values

    def pip_installed(self):
        """The addon installed with pip in the virtual environment, by the README's command, once."""
        if not (self.venv() / "odoo-auto-upgrade").exists():
            self.run(
                [str(self.venv() / "pip"), "install", str(self.clone)],
                env={**self.env, "ODOO_SERIES": self.odoo.series},
            )


@pytest.fixture(scope="module")
def site(odoo, tmp_path_factory):
    built = Site(odoo, tmp_path_factory.mktemp("docs"))
    try:
        built.install()
        yield built
    finally:
        for name in (built.db, built.demo_db):
            odoo_env.drop_db(name)
        shutil.rmtree(Path(tempfile.gettempdir()) / built.demo_db, ignore_errors=True)


def test_the_docs_show_the_commands_this_test_knows():
    texts = [item.text for item in COMMANDS]
    # The first run, the command line, the quick start, the demo, a shell snippet.
    for text in (
        "odoo-bin --addons-path=... auto-upgrade -c odoo.conf -d mydb --init-hashes",
        "odoo-bin --addons-path=... auto-upgrade -c odoo.conf -d mydb --dry-run",
        "module_auto_update/cli/odoo-auto-upgrade -c odoo.conf -d mydb",
        "python3 tools/demo.py",
        'env["ir.module.module"].upgrade_changed_checksum()',
    ):
        assert text in texts, f"{text!r} is no longer found in the docs: {texts}"
    # Every entry of the tables is still a command of the docs: none is stale.
    for table in (SKIP, EXPECT, EXTRA):
        assert not set(table) - set(texts), set(table) - set(texts)


def test_the_forms_the_docs_avoid_fail_here_and_pip_makes_the_addons_path_optional(site):
    # What the docs said before: these fail here as they do for a user, so
    # this environment cannot hide a command missing its --addons-path=.
    conf, db = str(site.conf), site.db
    wrong = site.run([*site.odoo.command, "-c", conf, "auto-upgrade", "-d", db, "--init-hashes"], check=False)
    assert wrong.returncode != 0 and "no such option: --init-hashes" in wrong.stderr, wrong.stderr[-3000:]
    unknown = site.run([*site.odoo.command, "auto-upgrade", "-c", conf, "-d", db, "--dry-run"], check=False)
    assert unknown.returncode != 0 and "Unknown command 'auto-upgrade'" in unknown.stderr, unknown.stderr[-3000:]
    # With the addon installed with pip, odoo-bin finds the command without it.
    site.pip_installed()
    python = str(site.venv() / "python")
    found = site.run([python, *site.odoo.command[1:], "auto-upgrade", "-c", conf, "-d", db, "--dry-run"])
    assert f"{db}:" in found.stdout


@pytest.mark.parametrize("shown", COMMANDS, ids=[f"{c.doc}: {c.text[:70]}" for c in COMMANDS])
def test_command_runs_as_written(site, shown):
    if shown.kind == "shell":
        argv = [*site.odoo.command, "shell", "-c", str(site.conf), "-d", site.db, "--no-http", "--log-level=warn"]
        proc = site.run(argv, input=shown.text + "\n")
        assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-5000:]
        return
    env, argv, values = site.argv(shown)
    if skip_reason(shown.text):
        if skip_reason(shown.text) == BENCHMARK:
            help_text = site.run([*argv[:2], "--help"]).stdout
            for option in (word for word in argv[2:] if word.startswith("--")):
                assert option in help_text, f"{shown.text}: {option} is not an option of {argv[1]}"
        pytest.skip(skip_reason(shown.text))
    site.env.update(env)
    try:
        proc = site.run(argv, check=False)
    finally:
        for name in env:
            site.env.pop(name)
    expect = EXPECT.get(shown.text, {})
    output = proc.stdout + proc.stderr
    assert proc.returncode == expect.get("code", 0), (
        f"{shown.doc}: {shown.text}\nran as {shlex.join(argv)}\nexited {proc.returncode}:\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    )
    assert "Traceback" not in output, output[-5000:]
    for fragment in expect.get("out", ()):
        assert fragment.format(**values) in output, f"{shown.text}: no {fragment!r} in:\n{output[-5000:]}"
    if shown.text == "python3 tools/demo.py":
        check_the_demo_server(site, proc.stdout)


def check_the_demo_server(site, printed):
    """The command the demo tells you to run starts an Odoo that serves its database."""
    lines = printed.splitlines()
    command = lines[lines.index("Look at it in a browser: start Odoo on it,") + 1].strip()
    url = re.search(r"then open (http://localhost:\d+)/odoo", printed)[1]
    words = shlex.split(command)
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=\S+", word))
    argv = [word for word in words if not re.fullmatch(r"[A-Z_]+=\S+", word)]
    with open(site.tmp / "demo_server.log", "w") as log:
        proc = subprocess.Popen(argv, cwd=site.tmp, env={**site.env, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url.replace('localhost', '127.0.0.1')}/web/login", timeout=30) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (site.tmp / "demo_server.log").read_text()[
                    -4000:
                ]
                time.sleep(0.5)
    finally:
        odoo_env.stop(proc)
