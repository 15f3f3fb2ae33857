"""Catalog maintenance: ``extract`` (refresh .pot and merge into every .po), ``compile`` and
``check`` (CI: fails on a stale .pot, an untranslated or fuzzy message, or a translation whose
``{placeholders}`` differ from the English)."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES_DIR, compile_catalogs
from services.users import LANGUAGES

ROOT = LOCALES_DIR.parent
SOURCES = ("bot", "handlers", "services")
POT = LOCALES_DIR / f"{DOMAIN}.pot"
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extract_catalog() -> Catalog:
    catalog = Catalog(project="BiznesPilot", version="1", charset="utf-8")
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "__": None}
    for source in SOURCES:
        for _filename, _lineno, message, comments, context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=keywords,
        ):
            catalog.add(message, None, auto_comments=comments, context=context)
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=99, no_location=True, omit_header=False, sort_output=True,
             ignore_obsolete=True)
    return buf.getvalue()


def _po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def extract() -> None:
    template = extract_catalog()
    POT.parent.mkdir(parents=True, exist_ok=True)
    POT.write_bytes(_po_bytes(template))
    for locale in LANGUAGES:
        path = _po_path(locale)
        if path.exists():
            catalog = _read(path, locale)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, project="BiznesPilot", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        if locale == "en":  # msgids are English sentences
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
                elif isinstance(message.id, tuple) and not all(message.string or ()):
                    message.string = tuple(message.id)
        path.write_bytes(_po_bytes(catalog))


def problems() -> list[str]:
    found: list[str] = []
    template = extract_catalog()
    if not POT.exists() or _read(POT).__len__() != len(template) or {
        m.id for m in _read(POT) if m.id} != {m.id for m in template if m.id}:
        found.append(f"{POT.relative_to(ROOT)} is stale: run `biznespilot i18n extract`")
    for locale in LANGUAGES:
        path = _po_path(locale)
        if not path.exists():
            found.append(f"{locale}: no catalog")
            continue
        catalog = _read(path, locale)
        for message in template:
            if not message.id:
                continue
            translated = catalog.get(message.id)
            strings = (translated.string if translated is not None and isinstance(
                translated.string, tuple) else (translated.string if translated else "",))
            if translated is None or not all(strings) or translated.fuzzy:
                found.append(f"{locale}: untranslated: {message.id!r}")
                continue
            if set(_PLACEHOLDER.findall(str(message.id))) != set(
                    _PLACEHOLDER.findall(str(translated.string))):
                found.append(f"{locale}: placeholders differ: {message.id!r}")
    return found


def run(action: str) -> int:
    if action == "extract":
        extract()
        print(f"updated {POT.relative_to(ROOT)} and {len(LANGUAGES)} catalogs")
    elif action == "compile":
        built = compile_catalogs()
        print(f"compiled {len(built)} catalogs")
    else:
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print(f"i18n check failed: {len(found)} problems", file=sys.stderr)
            return 1
        print("i18n check passed")
    return 0
