from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.identity import PROVINCES, check_document, check_nik, mask, nik_birth_date

TODAY = date(2026, 11, 28)
# 19 Babel, 71 Kota Pangkalpinang, 01 district, woman born 17-08-1990 (57 = 17 + 40), 0001
NIK_WOMAN = "1971015708900001"
NIK_MAN = "3173021205850042"  # DKI, man born 12-05-1985


def reasons(nik: str) -> list[str]:
    return [t.en for t in check_nik(nik, TODAY)]


def test_a_well_formed_nik_passes():
    assert check_nik(NIK_WOMAN, TODAY) == []
    assert check_nik(NIK_MAN, TODAY) == []


def test_the_birth_date_and_sex_are_read_with_forty_added_for_women():
    assert nik_birth_date(NIK_WOMAN, TODAY) == (date(1990, 8, 17), "P")
    assert nik_birth_date(NIK_MAN, TODAY) == (date(1985, 5, 12), "L")


def test_the_century_is_the_latest_that_is_not_in_the_future():
    assert nik_birth_date("1971011508050001", TODAY)[0] == date(2005, 8, 15)
    # 15-12-26 would be after today: born 1926
    assert nik_birth_date("1971011512260001", TODAY)[0] == date(1926, 12, 15)


@pytest.mark.parametrize("nik", ["197101570890001", "19710157089000011", "19710157O8900001", ""])
def test_a_nik_is_sixteen_digits(nik):
    assert reasons(nik) == ["A NIK must be 16 digits"]


@pytest.mark.parametrize("code", ["00", "10", "20", "37", "50", "54", "66", "77", "83", "90", "97",
                                  "99"])
def test_an_unknown_province_is_refused(code):
    assert "The NIK's province code is not a real province" in reasons(code + NIK_WOMAN[2:])


def test_every_listed_province_is_accepted():
    for code in PROVINCES:
        assert check_nik(code + NIK_WOMAN[2:], TODAY) == [], code
    assert {"19", "21", "65", "76", "91", "96"} <= set(PROVINCES) and len(PROVINCES) == 38


@pytest.mark.parametrize("ddmmyy", ["310290",   # 31 February
                                    "320190",   # day 32
                                    "400190",   # day 40 (neither man nor woman)
                                    "720190",   # woman's day 32
                                    "001090",   # day 0
                                    "151390",   # month 13
                                    "150090",   # month 0
                                    "690201",   # woman, 29 Feb 2001 (not a leap year)
                                    ])
def test_an_impossible_birth_date_is_refused(ddmmyy):
    nik = NIK_WOMAN[:6] + ddmmyy + NIK_WOMAN[12:]
    assert "The NIK's birth date digits are not a real date" in reasons(nik)


def test_a_leap_day_is_a_real_birth_date():
    assert check_nik(NIK_WOMAN[:6] + "690200" + NIK_WOMAN[12:], TODAY) == []


def test_regency_district_and_serial_must_not_be_zero():
    assert "The NIK's regency/city code is not valid" in reasons("1900015708900001")
    assert "The NIK's district code is not valid" in reasons("1971005708900001")
    assert "The NIK's serial number is not valid" in reasons("1971015708900000")


def test_every_problem_is_reported_at_once():
    assert len(reasons("9900003202900000")) == 5


@pytest.mark.parametrize("kind,number,ok", [
    ("SIM", "123456789012", True), ("SIM", "12345678901234", True),
    ("SIM", "1234-5678-9012", True), ("SIM", "12345678901", False),
    ("SIM", "123456789012345", False), ("SIM", "12345678901A", False),
    ("PASPOR", "A1234567", True), ("PASPOR", "xc1234567", True),
    ("PASPOR", "1234567", False), ("PASPOR", "ABC1234567", False), ("PASPOR", "A123456", False),
    ("KITAS", "2C11JE12345", True), ("KITAS", "AB123456789", True),
    ("KITAS", "12345678901", False), ("KITAS", "ABCDEFGHIJK", False),
    ("KITAS", "2C11JE1234", False),
])
def test_other_documents_have_their_own_formats(kind, number, ok):
    issues = check_document(kind, number, date(2030, 1, 1), TODAY)
    assert (issues == []) is ok, issues


def test_an_expired_document_is_refused():
    issues = check_document("KTP", NIK_WOMAN, date(2026, 11, 27), TODAY)
    assert [(i.field, i.reason.en) for i in issues] == [
        ("valid_until", "The identity document has expired")]
    assert check_document("KTP", NIK_WOMAN, TODAY, TODAY) == []


def test_a_ktp_is_valid_for_life_but_other_documents_need_an_expiry_date():
    assert check_document("KTP", NIK_WOMAN, None, TODAY) == []
    for kind, number in [("SIM", "123456789012"), ("PASPOR", "A1234567"),
                         ("KITAS", "2C11JE12345")]:
        assert [i.field for i in check_document(kind, number, None, TODAY)] == ["valid_until"]


def test_masks_show_only_the_ends():
    assert mask("KTP", NIK_WOMAN) == "1971**********01"
    assert mask("SIM", "1234-5678-9012") == "1234******12"
    assert mask("PASPOR", "A1234567") == "A*****67"
    assert mask("KITAS", "2C11JE12345") == "2C*******45"


def test_no_message_repeats_the_number():
    bad = "9900003202901234"
    for issue in check_document("KTP", bad, date(2020, 1, 1), TODAY):
        for text in (issue.reason.id, issue.reason.en):
            assert "99" not in text and "1234" not in text and bad not in text


niks = st.builds(
    lambda p, r, d, born, woman, s: (f"{p}{r:02d}{d:02d}{born.day + 40 * woman:02d}"
                                     f"{born.month:02d}{born.year % 100:02d}{s:04d}"),
    st.sampled_from(sorted(PROVINCES)), st.integers(1, 99), st.integers(1, 99),
    st.dates(date(TODAY.year - 99, 1, 1), TODAY), st.booleans(), st.integers(1, 9999))


@given(niks)
def test_any_well_formed_nik_passes_and_its_mask_hides_ten_digits(nik):
    assert check_nik(nik, TODAY) == []
    masked = mask("KTP", nik)
    assert masked[:4] == nik[:4] and masked[-2:] == nik[-2:] and masked[4:14] == "*" * 10
