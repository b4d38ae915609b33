# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odd and hostile input to the pure core: each gets a defined outcome, never a hang or a wrong digest.

Unreadable files: the tests run as root, for whom permission bits stop no
read, so a mode-000 file is checked by hashing in a child process that runs
as an unprivileged user (skipped if there is none); the other unreadable
cases (a FIFO, a dangling symlink, a loop of symlinks) behave the same for
any user.
"""

import hashlib
import os
import pwd
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from trees import make

from module_auto_update.addon_hash import _walk, addon_hash
from module_auto_update.core import commas, compare
from module_auto_update.core.fingerprint import UnreadableFileError, fingerprint

REPO = Path(__file__).resolve().parents[2]
DEFAULT = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*"


@pytest.fixture
def bounded():
    """Fail instead of hanging if a read blocks (a FIFO without a writer would)."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the fingerprint hung"))
    signal.alarm(10)
    yield
    signal.alarm(0)


# The exclude-pattern parameter ------------------------------------------------


@pytest.mark.parametrize("value", ["", ",,,", " , ,", None])
def test_empty_exclude_parameter_excludes_nothing(tmp_path, value):
    top = make(tmp_path, {"a.py": b"a", "a.pyc": b"c", "static/x.js": b"x"})
    assert list(_walk(top, commas.split(value), [])) == ["a.py", "a.pyc", "static/x.js"]


def test_padded_exclude_parameter_is_the_same_as_unpadded(tmp_path):
    top = make(tmp_path, {"a.py": b"a", "a.pyc": b"c", "static/x.js": b"x"})
    padded = " " + DEFAULT.replace(",", " ,  ") + "  "
    assert addon_hash(top, commas.split(padded), []) == addon_hash(top, commas.split(DEFAULT), [])
    assert list(_walk(top, commas.split(padded), [])) == ["a.py"]


@pytest.mark.parametrize("pattern", ["[", "static/[", "*[", "[!", "[]"])
def test_unbalanced_brackets_never_raise_and_match_literally(tmp_path, pattern):
    top = make(tmp_path, {"a.py": b"a", "static/x.js": b"x"})
    assert list(_walk(top, commas.split(f"{pattern},*.pyc"), [])) == ["a.py", "static/x.js"]


# Unreadable files -------------------------------------------------------------


def test_fifo_is_unreadable_and_named_without_hanging(tmp_path, bounded):
    top = make(tmp_path, {"a.py": b"a"})
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnreadableFileError, match="pipe: not a regular file") as exc:
        fingerprint(top, [], [])
    assert exc.value.relpath == "pipe"


def test_dangling_symlink_is_unreadable_and_named(tmp_path):
    top = make(tmp_path, {"a.py": b"a"})
    os.symlink(tmp_path / "gone", tmp_path / "dangling.py")
    with pytest.raises(UnreadableFileError, match="dangling.py") as exc:
        addon_hash(top, [], [])
    assert exc.value.relpath == "dangling.py"


def test_symlink_loop_is_unreadable_and_named(tmp_path, bounded):
    top = make(tmp_path, {"a.py": b"a"})
    os.symlink(tmp_path / "loop_b", tmp_path / "loop_a")
    os.symlink(tmp_path / "loop_a", tmp_path / "loop_b")
    with pytest.raises(UnreadableFileError, match="loop_a") as exc:
        fingerprint(top, [], [])
    assert "symbolic links" in exc.value.reason


def test_symlink_to_its_own_folder_is_not_entered(tmp_path, bounded):
    top = make(tmp_path, {"a.py": b"a", "sub/b.py": b"b"})
    os.symlink(tmp_path, tmp_path / "sub" / "up")
    assert list(_walk(top, [], [])) == ["a.py", "sub/b.py"]


def test_file_symlink_outside_the_addon_is_read_through(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"one")
    top = make(tmp_path / "addon", {"a.py": b"a"})
    os.symlink(outside, tmp_path / "addon" / "outside.txt")
    before = addon_hash(top, [], [])
    outside.write_bytes(b"two")
    assert addon_hash(top, [], []) != before, "a change of the target is a change of the addon"


def executable_by_all(path):
    path = Path(path).resolve()
    return path.is_file() and all(p.stat().st_mode & 0o001 for p in (path, *path.parents))


UNPRIVILEGED_HASH = """
import sys
from module_auto_update.core.fingerprint import UnreadableFileError, fingerprint
try:
    fingerprint(sys.argv[1], [], [])
except UnreadableFileError as exc:
    print(exc.relpath, exc.reason, sep="|")
"""


def hash_as_nobody(top):
    python, user = sys.executable, None
    if os.geteuid() == 0:
        # root's own interpreter may sit in a folder only root may enter
        python = next((p for p in (sys.executable, "/usr/bin/python3") if executable_by_all(p)), None)
        try:
            user = pwd.getpwnam("nobody").pw_uid
        except KeyError:
            python = None
        if python is None:
            pytest.skip("no unprivileged user, or no Python it may run, to read as")
    proc = subprocess.run(
        [python, "-c", UNPRIVILEGED_HASH, top],
        user=user,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


@pytest.mark.parametrize("target", ["secret.py", "locked"])
def test_mode_000_file_or_folder_is_unreadable_and_named(target):
    with tempfile.TemporaryDirectory() as top:
        os.chmod(top, 0o755)
        make(top, {"a.py": b"a", "secret.py": b"s", "locked/b.py": b"b"})
        os.chmod(os.path.join(top, target), 0)
        assert hash_as_nobody(top) == f"{target}|Permission denied"


# File names that are not UTF-8 ------------------------------------------------


def test_names_that_are_not_utf8_hash_their_bytes(tmp_path):
    top = make(tmp_path, {"a.py": b"a"})
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin-1")
    sha = hashlib.sha1()
    for name, content in ((b"a.py", b"a"), (b"caf\xe9.txt", b"latin-1")):
        sha.update(name + content)
    fp = fingerprint(top, [], [])
    assert fp.digest == sha.hexdigest() == addon_hash(top, [], [])
    assert os.fsdecode(b"caf\xe9.txt") in fp.files


# Stored data that makes no sense ------------------------------------------------


def test_recorded_data_of_unknown_addons_or_empty_is_no_excuse_to_skip():
    current = {"a": "1", "b": "2", "c": "3"}
    saved = {"a": "1", "b": "", "ghost": "9"}
    assert compare.changed_addons(current, saved) == {"b": compare.NEVER_RECORDED, "c": compare.NEVER_RECORDED}
