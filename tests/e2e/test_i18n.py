# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The shipped translation template and French translation match what Odoo exports."""

import polib
from i18n_export import ADDON, I18N, POT, export_pot


def msgids(catalog):
    return {(entry.msgctxt, entry.msgid) for entry in catalog if not entry.obsolete}


def test_shipped_pot_has_every_term_odoo_exports(db, tmp_path):
    fresh = polib.pofile(str(export_pot(db.odoo, db.name, tmp_path / f"{ADDON}.pot", addons=[db.addons_dir])))
    assert len(fresh) > 10, "the export found almost no term: is the addon installed?"
    missing = sorted(msgid for _ctxt, msgid in msgids(fresh) - msgids(polib.pofile(str(POT))))
    assert not missing, f"{POT.name} lacks terms: run python3 tools/i18n_export.py --merge\n" + "\n".join(missing)


def test_french_translation_is_complete():
    pot, french = polib.pofile(str(POT)), polib.pofile(str(I18N / "fr.po"))
    untranslated = sorted(msgid for _ctxt, msgid in msgids(pot) - msgids(french.translated_entries()))
    assert not untranslated, "fr.po does not translate:\n" + "\n".join(untranslated)
    assert not french.fuzzy_entries(), "fr.po has fuzzy entries"
