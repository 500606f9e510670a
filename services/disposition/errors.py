"""Domain refusals of the case workflow: one class per reason, each with its message in
Bahasa Indonesia and English. Pure. `kind` says what sort of refusal it is; the mapping to
HTTP is `chassis.errors` (unknown -> 404, forbidden -> 403, refused -> 409, invalid -> 422
with `field`).
"""

from __future__ import annotations

from typing import ClassVar

from chassis import errors
from chassis.i18n import Text

STATUS_ID = {
    "requested": "diajukan", "registered": "diagendakan", "disposed": "didisposisikan",
    "received": "diterima Kepala Bidang", "assigned": "petugas ditugaskan",
    "prepared": "dipersiapkan", "informed": "pemohon diinformasikan",
    "directed": "diarahkan ke petugas", "held": "audiensi dilaksanakan",
    "reported": "laporan disampaikan", "forwarded": "laporan diteruskan",
    "closed": "selesai", "withdrawn": "dibatalkan pemohon", "cancelled": "dibatalkan",
    "declined": "audiensi ditolak",
}


class DomainError(errors.DomainError):
    """A command the workflow refuses. Subclasses set `kind`, `code`, the texts (Bahasa
    Indonesia first) and, for an invalid value, the `field` it is about."""

    field_name: ClassVar[str | None] = None

    def __init__(self, text_id: str, text_en: str) -> None:
        super().__init__(Text(text_id, text_en), field=self.field_name)


# --- 404 -----------------------------------------------------------------------------------
class CaseUnknown(DomainError):
    kind = "unknown"
    code = "case-unknown"

    def __init__(self, case_id: str) -> None:
        super().__init__(f"Kasus {case_id} tidak ditemukan", f"case {case_id} is unknown")


# --- 403 -----------------------------------------------------------------------------------
class WrongRole(DomainError):
    kind = "forbidden"
    code = "wrong-role"

    def __init__(self, roles: tuple[str, ...]) -> None:
        need = ", ".join(roles)
        super().__init__(f"Peran Anda tidak diizinkan untuk langkah ini; diperlukan: {need}",
                         f"your role may not take this step; required: {need}")


class NotYourDivision(DomainError):
    kind = "forbidden"
    code = "not-your-division"

    def __init__(self, division: str | None) -> None:
        super().__init__(
            f"Hanya Kepala Bidang {division} yang dapat melakukan langkah ini",
            f"only the head of division {division} may take this step")


class NotTheAssignedOfficer(DomainError):
    kind = "forbidden"
    code = "not-the-assigned-officer"

    def __init__(self) -> None:
        super().__init__("Hanya petugas yang ditugaskan untuk kasus ini yang dapat melakukannya",
                         "only the officer assigned to this case may take this step")


class ReportWaitsForDivisionHead(DomainError):
    kind = "forbidden"
    code = "report-waits-for-division-head"

    def __init__(self, division: str | None) -> None:
        super().__init__(
            f"Laporan menunggu penerusan oleh Kepala Bidang {division}: hanya ia yang dapat "
            "mengembalikannya",
            f"the report waits for forwarding by the head of division {division}: only they "
            "may return it")


class ReportWaitsForHeadOfOffice(DomainError):
    kind = "forbidden"
    code = "report-waits-for-head-of-office"

    def __init__(self) -> None:
        super().__init__(
            "Laporan sudah diteruskan dan menunggu penutupan: hanya Kepala Dinas yang dapat "
            "mengembalikannya",
            "the report was forwarded and waits for closure: only the Head of Office may "
            "return it")


# --- 409 -----------------------------------------------------------------------------------
class CaseDeclined(DomainError):
    code = "case-declined"

    def __init__(self) -> None:
        super().__init__(
            "Audiensi telah ditolak dan pemohon sudah dijawab; kasus hanya dapat ditutup atau "
            "dibatalkan oleh Kepala Dinas",
            "the audience was declined and the applicant answered; the Head of Office may "
            "only close or cancel the case")


class DivisionWithoutHead(DomainError):
    code = "division-without-head"

    def __init__(self, division: str) -> None:
        super().__init__(
            f"Bidang {division} tidak memiliki Kepala Bidang yang aktif: disposisi tidak akan "
            "dapat diterima",
            f"division {division} has no active head: the disposition could never be received")


class SameOfficer(DomainError):
    code = "same-officer"

    def __init__(self, officer_id: str) -> None:
        super().__init__(f"{officer_id} sudah menjadi petugas kasus ini",
                         f"{officer_id} is already the officer of this case")


class CaseFinished(DomainError):
    code = "case-finished"

    def __init__(self, status: str) -> None:
        super().__init__(f"Kasus sudah berakhir (status: {STATUS_ID.get(status, status)})",
                         f"the case is already finished (status: {status})")


class StepOutOfOrder(DomainError):
    """The step comes too early: a previous step of the standard is missing."""

    code = "step-out-of-order"


class NotRegistered(StepOutOfOrder):
    code = "not-registered"

    def __init__(self) -> None:
        super().__init__("Permohonan belum diagendakan oleh Sekretariat",
                         "the request has not been registered by the secretariat yet")


class NotDisposed(StepOutOfOrder):
    code = "not-disposed"

    def __init__(self) -> None:
        super().__init__("Permohonan belum didisposisikan oleh Kepala Dinas",
                         "the request has not been disposed by the Head of Office yet")


class NotReceived(StepOutOfOrder):
    code = "not-received"

    def __init__(self) -> None:
        super().__init__("Disposisi belum diterima oleh Kepala Bidang",
                         "the disposition has not been received by the division head yet")


class NoOfficer(StepOutOfOrder):
    code = "no-officer"

    def __init__(self) -> None:
        super().__init__("Belum ada petugas yang ditugaskan atau diarahkan",
                         "no officer has been assigned or directed yet")


class NotInformed(StepOutOfOrder):
    code = "not-informed"

    def __init__(self) -> None:
        super().__init__("Pemohon belum diberi informasi jadwal audiensi",
                         "the applicant has not been informed of the audience yet")


class StaffReviewMissing(StepOutOfOrder):
    code = "staff-review-missing"

    def __init__(self) -> None:
        super().__init__("Telaahan staf diperlukan sebelum pemohon diinformasikan",
                         "a staff review is required before the applicant is informed")


class NotHeld(StepOutOfOrder):
    code = "not-held"

    def __init__(self) -> None:
        super().__init__("Audiensi belum dilaksanakan", "the audience has not been held yet")


class NotReported(StepOutOfOrder):
    code = "not-reported"

    def __init__(self) -> None:
        super().__init__("Laporan hasil audiensi belum disampaikan",
                         "the result report has not been submitted yet")


class NotForwarded(StepOutOfOrder):
    code = "not-forwarded"

    def __init__(self) -> None:
        super().__init__("Laporan hasil audiensi belum diteruskan oleh Kepala Bidang",
                         "the result report has not been forwarded by the division head yet")


class StepAlreadyDone(DomainError):
    """The step (or a later one) was already taken."""

    code = "step-already-done"

    def __init__(self, step_id: str, step_en: str) -> None:
        super().__init__(f"Langkah ini sudah dilakukan: {step_id}",
                         f"this step was already taken: {step_en}")


class AlreadyReceived(StepAlreadyDone):
    code = "already-received"

    def __init__(self) -> None:
        DomainError.__init__(
            self, "Disposisi sudah diterima oleh Kepala Bidang; tidak dapat didisposisikan ulang",
            "the disposition was already received by the division head; it cannot be "
            "re-disposed")


class AlreadyAssigned(StepAlreadyDone):
    code = "already-assigned"

    def __init__(self) -> None:
        DomainError.__init__(
            self, "Petugas sudah ditugaskan; disposisi tidak dapat dikembalikan lagi",
            "an officer was already assigned; the disposition can no longer be returned")


class AlreadyInformed(StepAlreadyDone):
    code = "already-informed"

    def __init__(self) -> None:
        DomainError.__init__(
            self, "Pemohon sudah diinformasikan jadwal audiensi; audiensi tidak dapat ditolak "
            "lagi", "the applicant was already informed of the audience; it can no longer be "
            "declined")


class AlreadyHeld(StepAlreadyDone):
    code = "already-held"

    def __init__(self) -> None:
        DomainError.__init__(self, "Audiensi sudah dilaksanakan",
                             "the audience was already held")


class AlreadyReported(StepAlreadyDone):
    code = "already-reported"

    def __init__(self) -> None:
        DomainError.__init__(
            self, "Laporan hasil audiensi sudah disampaikan; petugas tidak dapat diganti lagi",
            "the result report was already submitted; the officer can no longer be replaced")


class UrgentWalkInPath(DomainError):
    """An urgent walk-in is directed to an officer: no letter, no disposition."""

    code = "urgent-walk-in"

    def __init__(self) -> None:
        super().__init__(
            "Audiensi mendesak tanpa surat diarahkan langsung ke petugas, tanpa disposisi",
            "an urgent walk-in is directed straight to an officer, without a disposition")


class NotUrgentWalkIn(DomainError):
    code = "not-urgent-walk-in"

    def __init__(self) -> None:
        super().__init__(
            "Hanya audiensi mendesak tanpa surat yang diarahkan langsung ke petugas",
            "only urgent walk-ins are directed straight to an officer")


# --- 422 -----------------------------------------------------------------------------------
class OfficerNotInDivision(DomainError):
    kind = "invalid"
    code = "officer-not-in-division"
    field_name = "officer_id"

    def __init__(self, officer_id: str, division: str | None) -> None:
        super().__init__(f"{officer_id} bukan petugas Bidang {division}",
                         f"{officer_id} is not an officer of division {division}")
