"""Who may read a case's personal data (the applicant, the texts they wrote): the rule of the
case file, in one place for every service that answers such a read.

- front_office, secretariat and head_of_office: every case;
- a division_head: the cases disposed to their division, or copied to it (tembusan);
- an officer (or a division head acting as one): the case assigned or directed to them;
- everyone else (ops, analyst, admin): nothing — their views carry no personal data.

Confidential complaint content: only the secretariat and the Head of Office.
Pure: the caller gives what it knows of the case (`CaseAccess`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .auth import Principal

#: roles that read every case
ALL_CASES = frozenset({"front_office", "secretariat", "head_of_office"})
#: roles that may ask at all (the scoped ones are checked against the case)
CASE_READERS = ALL_CASES | {"division_head", "officer"}
#: roles that read a confidential complaint's content
CONFIDENTIAL_READERS = frozenset({"secretariat", "head_of_office"})


class CaseAccess(BaseModel):
    """What decides who may read a case: where it was disposed or directed, and to whom."""

    model_config = ConfigDict(frozen=True)
    division: str | None = None
    copies: tuple[str, ...] = ()
    officer_id: str | None = None


def may_read_case(reader: Principal, access: CaseAccess | None) -> bool:
    if reader.has_any(ALL_CASES):
        return True
    a = access or CaseAccess()
    if ("division_head" in reader.roles and reader.division
            and reader.division in {a.division, *a.copies}):
        return True
    # a division head may have assigned the case to themself
    return reader.has_any(("officer", "division_head")) and a.officer_id == reader.sub


def may_read_confidential(reader: Principal) -> bool:
    return reader.has_any(CONFIDENTIAL_READERS)
