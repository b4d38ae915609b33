# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Regenerate module_auto_update/i18n/module_auto_update.pot with Odoo's own export.

    python3 tools/i18n_export.py [--merge]

Installs the addon on a throwaway database, exports its terms as a template
(``odoo-bin --i18n-export``) and drops the database. ``--merge`` then brings
every .po of the addon in line with the new template (new terms untranslated,
vanished ones dropped), for a translator to complete.
"""

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
import odoo_env  # noqa: E402

ADDON = "module_auto_update"
I18N = odoo_env.REPO / ADDON / "i18n"
POT = I18N / f"{ADDON}.pot"


def export_pot(odoo, db, path, addons=()):
    """Odoo's .pot export of the addon's terms from ``db`` (where it is installed) into ``path``."""
    odoo.run(
        ["-d", db, f"--i18n-export={path}", f"--modules={ADDON}", "--stop-after-init", "--no-http", "--log-level=warn"],
        addons=addons,
    )
    return Path(path)


def fresh_pot(path):
    """Export the terms from a new throwaway database."""
    odoo = odoo_env.find_odoo()
    odoo_env.check_postgres()
    db = odoo_env.unique_db("mau_i18n")
    try:
        odoo_env.install(odoo, db, [ADDON])
        return export_pot(odoo, db, path)
    finally:
        odoo_env.drop_db(db)


def merge(po_path, pot_path):
    import polib

    po = polib.pofile(str(po_path))
    po.merge(polib.pofile(str(pot_path)))
    po.save(str(po_path))


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        pot = fresh_pot(Path(tmp) / f"{ADDON}.pot")
        I18N.mkdir(exist_ok=True)
        POT.write_text(pot.read_text())
    print(f"wrote {POT.relative_to(odoo_env.REPO)}")
    if "--merge" in argv:
        for po in sorted(I18N.glob("*.po")):
            merge(po, POT)
            print(f"merged {po.relative_to(odoo_env.REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
