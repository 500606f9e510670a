"""Erasure of a record's personal data, decided. Pure.

The HTTP side finds the records (a person's through the key store's links, or the one case
or complaint named) and asks each record's owner to erase it; the owner answers with one
`PersonalDataErased` per record, naming the record ids (a walk-in case names its guest-book
visit too, whose sealed name and phone it carries) and no personal data. The HTTP side then
deletes the keys of those records (`keys_of`), which makes every sealed copy unreadable;
reporting and documents drop what they derived from them when the event reaches them.
"""

from __future__ import annotations

from datetime import datetime

from contracts.intake import PersonalDataErased
from contracts.sealed import case_key, complaint_key, visit_key

from . import cases, complaints
from . import commands as c


def erase(state: cases.RequestCase | complaints.Complaint | None, cmd: c.ErasePersonalData,
          actor: str, at: datetime) -> list[PersonalDataErased]:
    if cmd.record_kind == "case":
        cases.known(state if isinstance(state, cases.RequestCase) else None)  # or NotFound
    elif cmd.record_kind == "complaint":
        complaints.known(state if isinstance(state, complaints.Complaint) else None)
    ids: dict[str, list[str]] = {"case": [], "complaint": [], "visit": []}
    ids[cmd.record_kind].append(cmd.record_id)
    if isinstance(state, cases.RequestCase) and state.visit_id:
        ids["visit"].append(state.visit_id)
    return [PersonalDataErased(erasure_id=cmd.erasure_id, scope=cmd.scope,
                               case_ids=ids["case"], complaint_ids=ids["complaint"],
                               visit_ids=ids["visit"], erased_by=actor, erased_at=at)]


def keys_of(event: PersonalDataErased) -> list[str]:
    """The data keys of the records an erasure names."""
    return sorted({*map(case_key, event.case_ids), *map(complaint_key, event.complaint_ids),
                   *map(visit_key, event.visit_ids)})
