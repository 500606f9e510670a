"""User-facing text in Bahasa Indonesia, with English available (AUDIENSI_LANG=en or
the request's Accept-Language)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    id: str
    en: str

    def get(self, lang: str = "id") -> str:
        return self.en if lang.lower().startswith("en") else self.id


def pick_lang(accept_language: str | None, default: str = "id") -> str:
    if not accept_language:
        return default
    first = accept_language.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "id" if first.startswith("id") else default
