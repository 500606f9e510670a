"""Small builders for the intake unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contracts.intake import Applicant, Identity, Letter, RequestForm
from contracts.sealed import sample as sealed
from services.intake.commands import CheckIn, RequestAudience

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
IDENTITY = Identity(kind="KTP", masked=sealed("1971**********01"), ref="hmac-sha256:aa",
                    sealed=sealed("1971015708900001"),
                    key_id="dk-1")


def check_in_cmd(visit_id: str = "v-1", identity: Identity = IDENTITY) -> CheckIn:
    return CheckIn(visit_id=visit_id, name=sealed("Siti"), phone=sealed("0812"),
                   purpose=sealed("konsultasi PKH"),
                   identity=identity)


def letter_cmd(case_id: str = "c-1") -> RequestAudience:
    return RequestAudience(
        case_id=case_id, channel="letter", applicant=Applicant(name=sealed("Budi")),
        purpose=sealed("bantuan"), form=RequestForm(subject="PKH", participants=2),
        letter=Letter(number="001/2026", dated=date(2026, 3, 1), addressed_to="Kadis",
                      sender=sealed("Kades Air Itam")))


def walk_in_cmd(case_id: str = "c-2", visit_id: str = "v-1", urgent: bool = False):
    return RequestAudience(case_id=case_id, channel="walk_in", urgent=urgent,
                           visit_id=visit_id, purpose=sealed("darurat"),
                           form=RequestForm(subject="bencana", participants=1))
