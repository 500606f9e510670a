"""The console's gettext catalogues: every msgid the code and templates use (found by
Babel's own extractor with the console's mapping) is translated in both languages, and
`l10n import-texts` moves `Text` pairs into the catalogues."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from services.console import l10n, texts
from services.console.views import wib

pytestmark = pytest.mark.unit


def used_msgids() -> set[str]:
    with l10n.BABEL_CFG.open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, **{k: None for k in l10n.KEYWORDS}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            l10n.HERE, method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_used_msgid_is_translated_in_both_catalogues():
    used = used_msgids()
    assert {"sign_in", "status.requested", "field.letter.subject", "sla_breached",
            "option.priorities.segera", "dash.open_cases"} <= used  # code, tables, templates
    for lang in l10n.LANGS:
        catalog = l10n.read_catalog(l10n.po_path(lang), lang)
        missing = sorted(m for m in used if not (catalog.get(m) and catalog[m].string))
        assert missing == [], f"{lang}: no translation for {missing}"
    template = l10n.read_catalog(l10n.pot_path())
    assert used <= {m.id for m in template if m.id}, "run python -m services.console.l10n extract"


def test_no_pair_is_left_outside_the_catalogues():
    assert texts.T == {}, ("run `python -m services.console.l10n import-texts`: "
                           f"{sorted(texts.T)} are not in the catalogues")


def test_texts_come_from_the_catalogue_of_the_language():
    assert texts.text("sign_in", "id") == "Masuk"
    assert texts.text("sign_in", "en") == "Sign in"
    assert texts.text("too_many", "en", seconds=3) == ("Too many failed sign-ins. Try again "
                                                       "in 3 seconds.")
    assert texts.label(texts.STATUSES, "disposed", "id") == "didisposisi"
    assert texts.label(texts.STATUSES, "disposed", "en") == "disposed"
    assert texts.label(texts.STATUSES, "unheard-of", "en") == "unheard-of"


def test_dates_in_wib_formatted_by_babel_for_each_language():
    assert wib("2026-12-03T08:05:00+00:00", "id") == "3 Des 2026 15.05 WIB"
    assert wib("2026-05-03T20:05:00+00:00", "id") == "4 Mei 2026 03.05 WIB"
    assert wib("2026-05-03T20:05:00+00:00", "en") == "4 May 2026 03:05 WIB"


TEXTS = '''from chassis.i18n import Text

T: dict[str, Text] = {
    "kept": Text("Tetap", "Kept"),
    # --- added by consolea ---
    "fresh": Text("Baru saja "
                  "ditambahkan", "Just added"),
    "sign_in": Text("Masuk lain", "Other sign in"),
}
'''


def test_import_texts_moves_pairs_into_both_catalogues(tmp_path: Path):
    locale = tmp_path / "locale"
    shutil.copytree(l10n.LOCALE_DIR, locale)
    source = tmp_path / "texts.py"
    source.write_text(TEXTS, encoding="utf-8")
    pairs, kept = l10n.import_texts(source, locale)
    assert [p.key for p in pairs] == ["kept", "fresh", "sign_in"] and kept == ["sign_in"]
    ids = l10n.read_catalog(l10n.po_path("id", locale), "id")
    ens = l10n.read_catalog(l10n.po_path("en", locale), "en")
    assert ids["fresh"].string == "Baru saja ditambahkan" and ens["fresh"].string == "Just added"
    assert ids["sign_in"].string == "Masuk"  # an existing translation is not overwritten
    assert l10n.read_catalog(l10n.pot_path(locale)).get("fresh") is not None
    left = source.read_text(encoding="utf-8")
    assert "Text(" not in left.split("= {", 1)[1] and "# --- added by consolea ---" in left
    compile(left, "texts.py", "exec")
    # a second run has nothing to move; --from leaves the file alone
    assert l10n.import_texts(source, locale) == ([], [])
    other = tmp_path / "other.py"
    other.write_text(TEXTS, encoding="utf-8")
    l10n.import_texts(other, locale, rewrite=False)
    assert other.read_text(encoding="utf-8") == TEXTS


def test_jinja_i18n_is_installed_with_each_languages_catalogue():
    from services.console.app import templates

    envs = templates()
    source = '{{ t("sign_in") }} / {{ _("sign_out") }} / {% trans %}home{% endtrans %}'
    assert envs["id"].env.from_string(source).render() == "Masuk / Keluar / Beranda"
    assert envs["en"].env.from_string(source).render() == "Sign in / Sign out / Home"


def test_the_names_templates_look_up_by_a_computed_key_are_in_both_catalogues():
    # `t("kind_" ~ kind)` in case.html: no extractor sees these keys, so they are marked
    # with N_ (routes_documents.KIND_NAMES); a missing one shows its key on the page
    from services.console.routes_documents import KIND_NAMES
    from services.console.texts import text
    from services.documents.domain import KINDS

    assert set(KIND_NAMES) == set(KINDS)
    for kind in KINDS:
        for lang in ("id", "en"):
            assert text(f"kind_{kind}", lang) not in ("", f"kind_{kind}"), (kind, lang)
