"""Search index keys: Redis-native (sorted sets), one key per normalised term, in the
subject's partition (same hash tag as its document: Cluster-ready). Pure.

    s:ref:<reference>   agenda number, its serial, letter number, tracking id, case id
    s:name:<blind>      every prefix of every word of the applicant's name, blinded
                        (a keyed HMAC: `personal.Personal.terms`; Redis never sees a name)

Score = the subject's request (or filing) time, so results come newest first. A query's
words must each be a prefix of a word of the name ("siti am" finds "Siti Aminah"); case
and accents do not matter (NFKD, marks dropped, casefold). A reference is matched whole.
"""

from __future__ import annotations

import re
import unicodedata

from .model import View
from .timefmt import epoch

MAX_PREFIX = 24
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def reference(text: str) -> str:
    return "".join(fold(text).split())


def references(view: View) -> set[str]:
    refs = {view["subject"]}
    if view.get("agenda_number"):
        refs.add(view["agenda_number"])
        refs.add(view["agenda_number"].rsplit("/", 1)[-1])  # the serial: 000123
    if (view.get("file") or {}).get("letter_number"):
        refs.add(view["file"]["letter_number"])
    if view.get("tracking_id"):
        refs.add(view["tracking_id"])
    return {reference(r) for r in refs if r}


def name_prefixes(name: str) -> set[str]:
    out: set[str] = set()
    for w in words(name):
        for n in range(1, min(len(w), MAX_PREFIX) + 1):
            out.add(w[:n])
    return out


def index(view: View | None) -> dict[str, dict[str, float]]:
    """Index key -> {subject: score} of one view."""
    if not view or view.get("kind") not in ("case", "complaint"):
        return {}
    since = view.get("requested_at") or view.get("filed_at") or view["first_at"]
    score = epoch(since)
    subject = view["subject"]
    out = {f"s:ref:{r}": {subject: score} for r in references(view)}
    for term in (view.get("applicant") or {}).get("terms") or ():
        out[f"s:name:{term}"] = {subject: score}
    return out


def query_prefixes(q: str) -> list[str]:
    """The name prefixes a query looks up (to be blinded like the index's terms)."""
    return [w[:MAX_PREFIX] for w in words(q)]


def plan(q: str, blinded: list[str]) -> tuple[str, list[str]]:
    """(the reference key, the name keys) a query looks up; `blinded`: its
    `query_prefixes`, blinded."""
    return f"s:ref:{reference(q)}", [f"s:name:{t}" for t in blinded]
