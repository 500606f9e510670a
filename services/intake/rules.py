"""The requirements of the standard that a request body must meet before anything is written
(422 with every broken rule, nothing echoed back). Pure: `today` comes in."""

from __future__ import annotations

from datetime import date

from chassis.i18n import Text

from .identity import Issue, check_document
from .schemas import ComplaintIn, IdentityIn, RequestIn, VisitIn


def identity_issues(identity: IdentityIn, today: date, at: str) -> list[Issue]:
    return [Issue(f"{at}.{i.field}", i.reason)
            for i in check_document(identity.kind, identity.number, identity.valid_until, today)]


def visit_issues(body: VisitIn, today: date) -> list[Issue]:
    return identity_issues(body.identity, today, "identity")


def request_issues(body: RequestIn, today: date) -> list[Issue]:
    issues: list[Issue] = []
    if body.urgent and body.channel != "walk_in":
        issues.append(Issue("urgent", Text(
            "Hanya permohonan langsung (walk-in) yang dapat mendesak; surat tidak",
            "Only a walk-in request can be urgent, not a letter")))
    if body.channel == "letter":
        if body.letter is None:
            issues.append(Issue("letter", Text("Permohonan surat memerlukan data surat",
                                               "A letter request needs its letter fields")))
        if body.applicant is None:
            issues.append(Issue("applicant", Text("Data pemohon wajib diisi",
                                                  "The applicant is required")))
    else:
        if body.visit_id is None:
            issues.append(Issue("visit_id", Text(
                "Permohonan langsung memerlukan kunjungan di buku tamu (visit_id)",
                "A walk-in request needs a guest-book visit (visit_id)")))
        if body.urgent and body.letter is not None:
            issues.append(Issue("letter", Text(
                "Permohonan mendesak datang tanpa surat resmi",
                "An urgent walk-in comes without a formal letter")))
        if body.applicant is not None and body.applicant.identity is not None:
            issues.append(Issue("applicant.identity", Text(
                "Identitas pemohon langsung diambil dari buku tamu",
                "A walk-in's identity is taken from the guest-book visit")))
    if body.letter is not None and body.letter.dated > today:
        issues.append(Issue("letter.dated", Text("Tanggal surat tidak boleh di masa depan",
                                                 "The letter cannot be dated in the future")))
    if body.form.preferred_date is not None and body.form.preferred_date < today:
        issues.append(Issue("form.preferred_date", Text(
            "Tanggal yang diinginkan sudah lewat", "The preferred date is in the past")))
    if body.channel == "letter" and body.applicant and body.applicant.identity:
        issues += identity_issues(body.applicant.identity, today, "applicant.identity")
    return issues


def complaint_issues(body: ComplaintIn, today: date) -> list[Issue]:
    issues: list[Issue] = []
    if body.channel == "sp4n_lapor" and not body.lapor_tracking_id:
        issues.append(Issue("lapor_tracking_id", Text(
            "Pengaduan SP4N-LAPOR! memerlukan nomor pelacakan LAPOR!",
            "An SP4N-LAPOR! complaint needs its LAPOR! tracking id")))
    if body.channel != "sp4n_lapor" and body.lapor_tracking_id:
        issues.append(Issue("lapor_tracking_id", Text(
            "Nomor pelacakan LAPOR! hanya untuk kanal sp4n_lapor",
            "A LAPOR! tracking id belongs to the sp4n_lapor channel only")))
    if body.anonymous and body.channel != "sp4n_lapor":
        issues.append(Issue("anonymous", Text(
            "Hanya pengaduan melalui SP4N-LAPOR! yang boleh anonim; pengaduan langsung "
            "memerlukan dokumen identitas diri yang sah",
            "Only a complaint through SP4N-LAPOR! may be anonymous; a direct complaint needs "
            "a valid identity document")))
    if body.anonymous and body.identity is not None:
        issues.append(Issue("identity", Text(
            "Pengaduan anonim tidak menyertakan identitas",
            "An anonymous complaint carries no identity")))
    if not body.anonymous and body.identity is None:
        issues.append(Issue("identity", Text(
            "Pengaduan memerlukan dokumen identitas diri yang sah",
            "A complaint needs a valid identity document")))
    if body.identity is not None:
        issues += identity_issues(body.identity, today, "identity")
    return issues
