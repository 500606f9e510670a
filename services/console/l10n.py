"""The console's language: gettext catalogues read with Babel.

Every string the console shows is a **symbolic msgid** (`sign_in`, `status.requested`,
`field.letter.subject`, ...) translated by two catalogues,
`locale/{id,en}/LC_MESSAGES/console.po`, with `locale/console.pot` their template. The
`.po` files are read at start and compiled in memory (`babel.support.Translations`): no
`.mo` step, so a clean clone works as it is.

Code marks a msgid with `N_("...")` (a `Msg`, translated when shown: `msg.get(lang)`) or
asks for one with `texts.text("key", lang)`; templates call `t("key", name=...)` (and the
`jinja2.ext.i18n` extension is installed per language). `babel.cfg` with the keywords
`t`, `text` and `N_` lets `pybabel extract` find them all.

Commands (`python -m services.console.l10n ...`):
- `extract` — `pybabel extract` into `locale/console.pot`, then `pybabel update` of both
  catalogues (new msgids arrive empty: fill them; the unit test fails until both are).
- `import-texts [--from FILE]` — moves the `Text(id, en)` pairs left in the `T` dict of
  `texts.py` into both catalogues (and the template) and deletes them from `texts.py`.
  With `--from FILE` it reads the pairs of another copy of `texts.py` (e.g.
  `git show other-branch:services/console/texts.py > /tmp/texts.py`) and leaves the files
  of this checkout's code alone.
"""

from __future__ import annotations

import argparse
import ast
import functools
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

HERE = Path(__file__).resolve().parent
LOCALE_DIR = HERE / "locale"
DOMAIN = "console"
LANGS = ("id", "en")
#: the extraction keywords besides Babel's defaults (gettext, _, ngettext, ...)
KEYWORDS = ("t", "text", "N_")
BABEL_CFG = HERE / "babel.cfg"


@dataclass(frozen=True)
class Msg:
    """A msgid, translated when shown (module-level tables are built before any request)."""

    msgid: str

    def get(self, lang: str = "id", **values) -> str:
        found = lookup(self.msgid, lang)
        if found is None:
            return self.msgid
        return found.format(**values) if values else found

    @property
    def id(self) -> str:  # read like chassis.i18n.Text
        return self.get("id")

    @property
    def en(self) -> str:
        return self.get("en")


def N_(msgid: str) -> Msg:  # noqa: N802 - gettext's name for a marked, not yet translated msgid
    return Msg(msgid)


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def pot_path(locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / f"{DOMAIN}.pot"


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> Translations:
    """The catalogue of `lang` (`id` for anything else), compiled in memory once."""
    lang = lang if lang in LANGS else "id"
    buf = io.BytesIO()
    write_mo(buf, read_catalog(po_path(lang), lang))
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def load() -> None:
    """Read both catalogues now (at start), so a broken one fails the start, not a page."""
    for lang in LANGS:
        translations(lang)


def lookup(msgid: str, lang: str) -> str | None:
    """The translation of a symbolic msgid, or None when the catalogue lacks it (gettext
    answers the msgid itself; a symbolic msgid is never its own translation)."""
    found = translations(lang).gettext(msgid)
    return None if found == msgid else found


# -- import-texts ------------------------------------------------------------------------

@dataclass(frozen=True)
class Pair:
    key: str
    id: str
    en: str
    first_line: int  # 1-based, the entry's key
    last_line: int  # the entry's value's end


def pairs_of(source: str, table: str = "T") -> list[Pair]:
    """The `"key": Text("id", "en")` entries of the dict literal assigned to `table`."""
    out: list[Pair] = []
    for node in ast.walk(ast.parse(source)):
        target = (node.target if isinstance(node, ast.AnnAssign) else
                  node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else None)
        if not (isinstance(target, ast.Name) and target.id == table
                and isinstance(node.value, ast.Dict)):
            continue
        for k, v in zip(node.value.keys, node.value.values, strict=True):
            if (isinstance(k, ast.Constant) and isinstance(k.value, str)
                    and isinstance(v, ast.Call) and getattr(v.func, "id", None) == "Text"
                    and len(v.args) == 2
                    and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                            for a in v.args)):
                out.append(Pair(k.value, v.args[0].value, v.args[1].value, k.lineno,
                                v.end_lineno))
    return out


def write_catalog(catalog: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, omit_header=False)
    path.write_bytes(buf.getvalue())


def add_to_catalogues(pairs: list[Pair], locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Adds each pair to both catalogues and the template; an existing msgid is kept as
    it is (and reported)."""
    kept: list[str] = []
    for lang in LANGS:
        path = po_path(lang, locale_dir)
        catalog = read_catalog(path, lang)
        for p in pairs:
            if catalog.get(p.key) is not None and catalog[p.key].string:
                if lang == "id":
                    kept.append(p.key)
                continue
            catalog.add(p.key, p.id if lang == "id" else p.en)
        write_catalog(catalog, path)
    pot = pot_path(locale_dir)
    template = read_catalog(pot)
    for p in pairs:
        if template.get(p.key) is None:
            template.add(p.key, "")
    write_catalog(template, pot)
    return kept


def remove_lines(source: str, pairs: list[Pair]) -> str:
    drop = {n for p in pairs for n in range(p.first_line, p.last_line + 1)}
    lines = source.splitlines(keepends=True)
    return "".join(line for n, line in enumerate(lines, start=1) if n not in drop)


def import_texts(texts_file: Path, locale_dir: Path = LOCALE_DIR, *,
                 rewrite: bool = True) -> tuple[list[Pair], list[str]]:
    source = texts_file.read_text(encoding="utf-8")
    pairs = pairs_of(source)
    kept = add_to_catalogues(pairs, locale_dir) if pairs else []
    if rewrite and pairs:
        texts_file.write_text(remove_lines(source, pairs), encoding="utf-8")
    return pairs, kept


# -- extract -----------------------------------------------------------------------------

def extract(locale_dir: Path = LOCALE_DIR) -> None:
    """`pybabel extract` + `pybabel update` (the same as the two commands in the README)."""
    from babel.messages.frontend import CommandLineInterface

    keywords = [a for k in KEYWORDS for a in ("-k", k)]
    CommandLineInterface().run(["pybabel", "extract", "-F", str(BABEL_CFG), *keywords,
                                "--no-location", "--sort-output", "--width", "100",
                                "--project", "Audiensi console", "--version", "0.1.0",
                                "--copyright-holder", "Audiensi",
                                "-o", str(pot_path(locale_dir)), str(HERE)])
    CommandLineInterface().run(["pybabel", "update", "-i", str(pot_path(locale_dir)),
                                "-d", str(locale_dir), "-D", DOMAIN, "--no-fuzzy-matching",
                                "--width", "100"])
    for lang in LANGS:
        revive(po_path(lang, locale_dir), lang)


def revive(path: Path, lang: str) -> None:
    """A msgid used again gets back the translation `pybabel update` made obsolete."""
    catalog = read_catalog(path, lang)
    back = [m for m in catalog.obsolete.values()
            if m.string and catalog.get(m.id) is not None and not catalog[m.id].string]
    for old in back:
        catalog[old.id].string = old.string
        del catalog.obsolete[old.id]
    if back:
        write_catalog(catalog, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.console.l10n")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-texts", help="move texts.py's Text pairs into the catalogues")
    imp.add_argument("--from", dest="source", type=Path, default=None,
                     help="read the pairs from this copy of texts.py (left unchanged)")
    sub.add_parser("extract", help="pybabel extract + update")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract()
        return 0
    source = args.source or HERE / "texts.py"
    pairs, kept = import_texts(source, rewrite=args.source is None)
    for p in pairs:
        if p.key not in kept:
            print(f"added: {p.key}")
    print(f"{len(pairs)} pair(s) from {source}: {len(pairs) - len(kept)} added, "
          f"{len(kept)} already translated (kept as they are)")
    if pairs:
        print("next: python -m services.console.l10n extract (regenerates the template)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
