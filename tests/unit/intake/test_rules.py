from datetime import date

from services.intake.rules import complaint_issues, request_issues, visit_issues
from services.intake.schemas import ComplaintIn, RequestIn, VisitIn

TODAY = date(2026, 11, 28)
FORM = {"subject": "PKH", "participants": 1}
LETTER = {"number": "1/2026", "dated": "2026-11-20", "addressed_to": "Kadis", "sender": "Kades"}


def fields(issues) -> list[str]:
    return [i.field for i in issues]


def request(**kw) -> RequestIn:
    return RequestIn.model_validate({"purpose": "bantuan", "form": FORM, **kw})


def test_a_complete_letter_and_a_walk_in_pass():
    assert request_issues(request(channel="letter", letter=LETTER,
                                  applicant={"name": "Budi"}), TODAY) == []
    assert request_issues(request(channel="walk_in", visit_id="v"), TODAY) == []
    assert request_issues(request(channel="walk_in", visit_id="v", urgent=True), TODAY) == []


def test_a_letter_needs_its_letter_and_cannot_be_urgent():
    assert fields(request_issues(request(channel="letter", applicant={"name": "B"}), TODAY)) == [
        "letter"]
    issues = request_issues(request(channel="letter", urgent=True, letter=LETTER,
                                    applicant={"name": "B"}), TODAY)
    assert fields(issues) == ["urgent"]


def test_a_walk_in_needs_a_visit_and_an_urgent_one_has_no_letter():
    assert fields(request_issues(request(channel="walk_in"), TODAY)) == ["visit_id"]
    assert fields(request_issues(request(channel="walk_in", visit_id="v", urgent=True,
                                         letter=LETTER), TODAY)) == ["letter"]
    walk_in_with_id = request(channel="walk_in", visit_id="v", applicant={
        "name": "B", "identity": {"kind": "KTP", "number": "1971015708900001"}})
    assert fields(request_issues(walk_in_with_id, TODAY)) == ["applicant.identity"]


def test_dates_must_make_sense():
    future_letter = {**LETTER, "dated": "2026-11-29"}
    past_wish = {**FORM, "preferred_date": "2026-11-27"}
    issues = request_issues(request(channel="letter", letter=future_letter, form=past_wish,
                                    applicant={"name": "B"}), TODAY)
    assert fields(issues) == ["letter.dated", "form.preferred_date"]


def test_a_letters_applicant_identity_is_checked_with_its_path():
    body = request(channel="letter", letter=LETTER, applicant={
        "name": "B", "identity": {"kind": "KTP", "number": "9971015708900001"}})
    assert fields(request_issues(body, TODAY)) == ["applicant.identity.number"]


def test_a_visit_needs_a_valid_unexpired_document():
    visit = VisitIn.model_validate({"name": "S", "purpose": "p", "identity": {
        "kind": "SIM", "number": "123456789012", "valid_until": "2026-01-01"}})
    assert fields(visit_issues(visit, TODAY)) == ["identity.valid_until"]


def complaint(**kw) -> ComplaintIn:
    return ComplaintIn.model_validate({"subject": "s", "content": "c", **kw})


KTP = {"kind": "KTP", "number": "1971015708900001"}


def test_complaint_rules():
    assert complaint_issues(complaint(channel="website", identity=KTP), TODAY) == []
    # the standard: a valid identity document, except through SP4N-LAPOR!
    assert fields(complaint_issues(complaint(channel="letter", anonymous=True), TODAY)) == [
        "anonymous"]
    assert complaint_issues(complaint(channel="sp4n_lapor", anonymous=True,
                                      lapor_tracking_id="L-1"), TODAY) == []
    assert complaint_issues(complaint(channel="sp4n_lapor", anonymous=True, confidential=True,
                                      lapor_tracking_id="L-1"), TODAY) == []
    assert fields(complaint_issues(complaint(channel="sp4n_lapor", identity=KTP), TODAY)) == [
        "lapor_tracking_id"]
    assert fields(complaint_issues(complaint(channel="website", identity=KTP,
                                             lapor_tracking_id="L-1"), TODAY)) == [
        "lapor_tracking_id"]
    assert fields(complaint_issues(complaint(channel="in_person"), TODAY)) == ["identity"]
    assert fields(complaint_issues(complaint(channel="in_person", anonymous=True,
                                             identity=KTP), TODAY)) == ["anonymous", "identity"]
    assert fields(complaint_issues(complaint(channel="sp4n_lapor", anonymous=True,
                                             identity=KTP, lapor_tracking_id="L-1"),
                                   TODAY)) == ["identity"]
