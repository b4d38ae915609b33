# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End-to-end fixtures: real Odoo 18 processes on real PostgreSQL databases.

A template database (base, module_auto_update and the sample addons, no
demo data) is built once per session; every test gets its own copy of it
(CREATE DATABASE ... TEMPLATE, about a second) and its own copy of the sample
addons, which it may edit freely. Everything is dropped afterwards.
"""

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "tools"))
import odoo_env  # noqa: E402

SAMPLES = (
    "mau_sample_a",
    "mau_sample_b",
    "mau_sample_c",
    "mau_sample_e",
    "mau_sample_f",
    "mau_sample_g",  # e <- f <- g: a cascade through two levels
    "mau_sample_partner",
)
# An upgrade with every stage (see test_all_or_nothing.change): mau_probe_new is installed by it.
PROBES = ("mau_probe_a", "mau_probe_b", "mau_probe_c", "mau_probe_new")


class Database:
    """One throwaway database and the addons folder it is run with."""

    def __init__(self, odoo, name, addons_dir):
        self.odoo = odoo
        self.name = name
        self.addons_dir = Path(addons_dir)

    def shell(self, code, check=True):
        """Run Python in ``odoo-bin shell``; ``result(x)`` in the code returns x."""
        return odoo_env.shell(self.odoo, self.name, code, addons=[self.addons_dir], check=check)

    def odoo_bin(self, *args, check=True, **kwargs):
        """Run ``odoo-bin [command] -d <db> args``; the command, if any, goes first."""
        args = list(args)
        head = [args.pop(0)] if args and not args[0].startswith("-") else []
        return self.odoo.run([*head, "-d", self.name, *args], addons=[self.addons_dir], check=check, **kwargs)

    def sql(self, query, params=None):
        return odoo_env.sql(self.name, query, params)

    def states(self, *names):
        rows = self.sql("SELECT name, state FROM ir_module_module WHERE name = ANY(%s)", (list(names),))
        return dict(rows)

    def pending(self):
        """Addons left in to install / to upgrade / to remove."""
        return self.sql("SELECT name, state FROM ir_module_module WHERE state LIKE 'to %%' ORDER BY name")

    def saved(self):
        return dict(self.sql("SELECT name, checksum FROM module_auto_update_checksum"))

    def addon(self, name):
        return self.addons_dir / name


@pytest.fixture(scope="session")
def odoo():
    odoo_env.check_postgres()
    if odoo_env.SERIES == "18.0":
        return odoo_env.find_odoo()
    try:
        return odoo_env.find_odoo()
    except odoo_env.Missing as exc:  # another series (MAU_ODOO_SERIES) not prepared on this machine
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def template_db(odoo, tmp_path_factory):
    addons = copy_samples(tmp_path_factory.mktemp("template_addons"))
    name = odoo_env.unique_db("mau_tpl")
    odoo_env.install(odoo, name, ("module_auto_update", *SAMPLES), addons=[addons])
    yield name
    odoo_env.drop_db(name)


def copy_samples(addons, names=SAMPLES):
    """Copy the sample addons ``names`` into the folder ``addons``; return it."""
    for name in names:
        shutil.copytree(odoo_env.SAMPLE_ADDONS / name, addons / name)
        if odoo_env.SERIES != "18.0":  # the samples' versions are 18.0's: another series would not install them
            manifest = addons / name / "__manifest__.py"
            manifest.write_text(manifest.read_text().replace('"18.0.', f'"{odoo_env.SERIES}.'))
    return addons


@pytest.fixture(scope="session")
def recorded_template_db(odoo, template_db, tmp_path_factory):
    """The template with the current fingerprints recorded: a run on a copy finds nothing changed."""
    name = odoo_env.unique_db("mau_tplrec")
    odoo_env.create_db(name, template=template_db)
    odoo_env.shell(
        odoo,
        name,
        'env["ir.module.module"]._save_installed_checksums(); env.cr.commit()',
        addons=[copy_samples(tmp_path_factory.mktemp("recorded_addons"))],
    )
    yield name
    odoo_env.drop_db(name)


def lose_code(db):
    """Two installed addons without code: mau_sample_c's folder removed (a deploy that forgot it), and
    Studio's ``studio_customization``, which exists only in the database."""
    shutil.rmtree(db.addon("mau_sample_c"))
    db.sql(
        "INSERT INTO ir_module_module (name, state, latest_version, create_date, write_date) "
        "VALUES ('studio_customization', 'installed', '18.0.1.0', now(), now())"
    )


def database_from(odoo, template, tmp_path):
    """A copy of ``template`` and a private copy of the sample addons; dropped afterwards."""
    addons = copy_samples(tmp_path / "addons")
    name = odoo_env.unique_db()
    odoo_env.create_db(name, template=template)
    yield Database(odoo, name, addons)
    odoo_env.drop_db(name)


@pytest.fixture
def db(odoo, template_db, tmp_path):
    yield from database_from(odoo, template_db, tmp_path)


@pytest.fixture
def recorded_db(odoo, recorded_template_db, tmp_path):
    """Like ``db``, with every installed addon's fingerprint already recorded."""
    yield from database_from(odoo, recorded_template_db, tmp_path)


@pytest.fixture(scope="session")
def probe_template(odoo, tmp_path_factory):
    """base, module_auto_update and the probes (but the new dependency), fingerprints recorded."""
    addons = copy_probes(tmp_path_factory.mktemp("probe_addons"))
    name = odoo_env.unique_db("mau_tplprobe")
    odoo_env.install(odoo, name, ("module_auto_update", "mau_probe_a", "mau_probe_b", "mau_probe_c"), addons=[addons])
    odoo_env.shell(odoo, name, 'env["ir.module.module"]._save_installed_checksums(); env.cr.commit()', addons=[addons])
    yield name
    odoo_env.drop_db(name)


def copy_probes(folder):
    return copy_samples(folder, PROBES)


@pytest.fixture
def probe_db(odoo, probe_template, tmp_path):
    """A copy of the probe template and a private copy of the probes; dropped afterwards."""
    name = odoo_env.unique_db()
    odoo_env.create_db(name, template=probe_template)
    yield Database(odoo, name, copy_probes(tmp_path / "addons"))
    odoo_env.drop_db(name)
