"""The citizen's status code: stable per command, keyed, forgiving in how it is typed."""

from chassis.keystore import MemoryKeyStore
from chassis.status_codes import ALPHABET, LENGTH, StatusCodes, normalize


def test_a_code_is_eight_unambiguous_characters_the_same_for_the_same_command():
    codes = StatusCodes(MemoryKeyStore())
    code = codes.issue("cmd-1")
    assert len(code) == LENGTH and set(code) <= set(ALPHABET)
    assert not set(code) & set("ILOU")
    assert codes.issue("cmd-1") == code and codes.issue("cmd-2") != code
    many = {codes.issue(f"cmd-{n}") for n in range(2000)}
    assert len(many) == 2000  # 40 bits: no collision in a small office's year


def test_a_code_is_keyed_nobody_else_derives_or_checks_it():
    one, two = StatusCodes(MemoryKeyStore()), StatusCodes(MemoryKeyStore())
    assert one.issue("cmd-1") != two.issue("cmd-1")
    code = one.issue("cmd-1")
    assert not two.matches(code, one.digest(code))


def test_the_digest_matches_the_code_as_a_person_types_it_and_nothing_else():
    codes = StatusCodes(MemoryKeyStore())
    code = codes.issue("cmd-1")
    digest = codes.digest(code)
    assert code not in digest and len(digest) == 64
    typed = f" {code[:4].lower()}-{code[4:]} "
    assert codes.matches(typed, digest)
    assert not codes.matches(codes.issue("cmd-2"), digest)
    assert not codes.matches(code, None) and not codes.matches("", digest)


def test_normalize_forgives_look_alikes_and_refuses_what_is_no_code():
    assert normalize("abcd-efgh") == "ABCDEFGH"
    assert normalize("O1IL 2345") == "01112345"
    assert normalize("ABCDEFG") is None and normalize("ABCDEFGHJ") is None
    assert normalize("ABCD!FGH") is None and normalize("ÄBCDEFGH") is None
