import base64
import contextlib
import dataclasses
import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consilium.consultations.mail.reply_tokens import (
    ExpiredToken,
    InvalidToken,
    ReplyToken,
    TokenError,
    make_reply_address,
    parse_reply_address,
)

SECRET = b"0123456789abcdef-test-secret-not-for-production"
DOMAIN = "consilium.example.org"
ISSUED = 1_717_408_800  # 2024-06-03 10:00 UTC
DAY = 86_400
MAX_AGE = 90 * DAY


def make(**overrides) -> str:
    kwargs = {
        "secret": SECRET,
        "thread_id": 42,
        "person_id": 7,
        "domain": DOMAIN,
        "issued_at": ISSUED,
    }
    kwargs.update(overrides)
    return make_reply_address(**kwargs)


def parse(address: str, **overrides) -> ReplyToken:
    kwargs = {"secret": SECRET, "domain": DOMAIN, "max_age_seconds": MAX_AGE, "now": ISSUED + 60}
    kwargs.update(overrides)
    return parse_reply_address(address, **kwargs)


def token_of(address: str) -> str:
    return address.split("@")[0].removeprefix("reply+")


def test_it_round_trips_thread_person_and_issue_time():
    assert parse(make()) == ReplyToken(thread_id=42, person_id=7, issued_at=ISSUED)


def test_it_gives_a_short_lowercase_base32_local_part():
    address = make(thread_id=2**53 - 1, person_id=2**53 - 1, issued_at=2**40 - 1)
    local, domain = address.split("@")
    assert domain == DOMAIN
    assert re.fullmatch(r"reply\+[a-z2-7]+", local)
    assert len(local) <= 64  # RFC 5321 limit on local parts


def test_it_carries_at_least_80_bits_of_mac():
    # version + 3 varints of one byte each + the MAC
    token = token_of(make(thread_id=1, person_id=1, issued_at=1)).upper()
    raw = base64.b32decode(token + "=" * (-len(token) % 8))
    assert (len(raw) - 4) * 8 >= 80


def test_it_accepts_an_upper_cased_address():
    # Some MTAs and users change the case of the whole address.
    assert parse(make().upper()).thread_id == 42
    assert parse("Reply+" + token_of(make()) + "@Consilium.Example.ORG").person_id == 7


def test_it_accepts_angle_brackets_and_whitespace():
    assert parse(f"  <{make()}> ").thread_id == 42


@pytest.mark.parametrize("position", range(len("reply+"), len("reply+") + 32))
def test_it_rejects_a_token_with_any_character_changed(position):
    local = make().split("@")[0]
    assert len(local) == len("reply+") + 32
    swapped = "b" if local[position] != "b" else "c"
    tampered = local[:position] + swapped + local[position + 1 :] + "@" + DOMAIN
    with pytest.raises(InvalidToken):
        parse(tampered)


def test_it_rejects_a_token_for_another_thread_spliced_in():
    mine = token_of(make(thread_id=42))
    other = token_of(make(thread_id=43))
    spliced = other[:10] + mine[10:]
    with pytest.raises(InvalidToken):
        parse(f"reply+{spliced}@{DOMAIN}")


def test_it_rejects_a_token_signed_with_another_secret():
    address = make(secret=b"another-secret-of-enough-length!!")
    with pytest.raises(InvalidToken) as excinfo:
        parse(address)
    assert excinfo.value.code == "bad-signature"


def test_it_rejects_an_expired_token():
    with pytest.raises(ExpiredToken) as excinfo:
        parse(make(), now=ISSUED + MAX_AGE + 1)
    assert excinfo.value.code == "expired"
    assert isinstance(excinfo.value, TokenError)
    assert isinstance(excinfo.value, ValueError)


def test_it_accepts_a_token_on_the_last_valid_second():
    assert parse(make(), now=ISSUED + MAX_AGE).thread_id == 42


def test_it_tolerates_small_clock_skew_but_not_tokens_from_the_future():
    assert parse(make(), now=ISSUED - 60).thread_id == 42
    with pytest.raises(InvalidToken) as excinfo:
        parse(make(), now=ISSUED - DAY)
    assert excinfo.value.code == "issued-in-future"


def test_it_checks_the_signature_before_the_age():
    # An attacker must not learn anything (such as "expired") from a forged token.
    forged = make(secret=b"another-secret-of-enough-length!!")
    with pytest.raises(InvalidToken):
        parse(forged, now=ISSUED + 10 * MAX_AGE)


def test_it_rejects_another_domain():
    with pytest.raises(InvalidToken) as excinfo:
        parse(make(domain="evil.example.com"))
    assert excinfo.value.code == "wrong-domain"


@pytest.mark.parametrize(
    "address",
    [
        "",
        "reply+",
        "reply+@consilium.example.org",
        "reply@consilium.example.org",
        "someone@consilium.example.org",
        "reply+!!!!@consilium.example.org",
        "reply+aaaa@consilium.example.org",
        "reply+" + "a" * 200 + "@consilium.example.org",
        "reply+ütf8ñ@consilium.example.org",
        "reply+abc=@consilium.example.org",
        "not an address",
        "@@@",
    ],
)
def test_it_rejects_garbage(address):
    with pytest.raises(InvalidToken):
        parse(address)


def test_it_rejects_a_non_string():
    with pytest.raises(InvalidToken):
        parse(None)  # type: ignore[arg-type]


def test_it_has_readable_error_messages():
    for error in (InvalidToken("malformed"), ExpiredToken()):
        assert len(str(error)) > 20


def test_it_refuses_a_short_secret():
    with pytest.raises(ValueError):
        make(secret=b"short")
    with pytest.raises(ValueError):
        parse(make(), secret=b"")


@pytest.mark.parametrize("bad", [-1, 2**53, True, 1.5])
def test_it_refuses_out_of_range_ids(bad):
    with pytest.raises(ValueError, match="thread_id must be an integer between 0 and"):
        make(thread_id=bad)


@given(
    thread_id=st.integers(min_value=0, max_value=2**53 - 1),
    person_id=st.integers(min_value=0, max_value=2**53 - 1),
    issued_at=st.integers(min_value=0, max_value=2**40 - 1),
)
def test_it_round_trips_any_ids(thread_id, person_id, issued_at):
    address = make(thread_id=thread_id, person_id=person_id, issued_at=issued_at)
    assert len(address.split("@")[0]) <= 64
    token = parse(address, now=issued_at)
    assert (token.thread_id, token.person_id, token.issued_at) == (
        thread_id,
        person_id,
        issued_at,
    )


@given(st.text(max_size=120))
def test_it_only_ever_raises_token_errors_on_arbitrary_text(text):
    for address in (text, f"reply+{text}@{DOMAIN}"):
        with contextlib.suppress(TokenError):
            parse(address)


def test_it_raises_the_token_error_itself_for_a_wrong_secret():
    """Not merely a ValueError: the gateway catches InvalidToken to bounce with its message;
    anything else would be a crash, and a parser that skipped the MAC would return a token."""
    address = make(secret=b"a-different-secret-of-enough-length")
    with pytest.raises(InvalidToken) as excinfo:
        parse(address)
    assert type(excinfo.value) is InvalidToken
    assert excinfo.value.code == "bad-signature"


def test_a_short_secret_is_a_configuration_error_not_a_bad_token():
    with pytest.raises(ValueError, match="at least 16 bytes") as excinfo:
        parse(make(), secret=b"")
    assert not isinstance(excinfo.value, TokenError)


# The layout of the module's docstring, built by hand: version 1, LEB128 varints of thread 42,
# person 7 and 1,717,408,800 seconds, then HMAC-SHA256 over the purpose tag and those bytes,
# cut to 96 bits; base32, lower case, unpadded. Addresses sit in experts' inboxes for months:
# a change to any part would turn every reply to them into a bounce after an upgrade.
def signed(body: bytes) -> str:
    mac = hmac.new(
        SECRET, b"consilium.consultations.reply-token.v1\x00" + body, hashlib.sha256
    ).digest()[:12]
    return "reply+" + base64.b32encode(body + mac).decode().rstrip("=").lower() + "@" + DOMAIN


def test_it_issues_and_reads_the_documented_layout():
    address = signed(bytes([1, 42, 7, 0xA0, 0xA8, 0xF6, 0xB2, 0x06]))

    assert make() == address
    assert parse(address) == ReplyToken(thread_id=42, person_id=7, issued_at=ISSUED)


def test_it_accepts_five_minutes_of_clock_skew_and_not_a_second_more():
    assert parse(make(), now=ISSUED - 300).thread_id == 42
    with pytest.raises(InvalidToken) as excinfo:
        parse(make(), now=ISSUED - 301)
    assert excinfo.value.code == "issued-in-future"


@pytest.mark.parametrize(
    ("field", "bad"),
    [("person_id", 2**53), ("person_id", -1), ("issued_at", 2**40), ("issued_at", -1)],
)
def test_it_refuses_out_of_range_people_and_times(field, bad):
    limit = 2**40 - 1 if field == "issued_at" else 2**53 - 1
    message = f"{field} must be an integer between 0 and {limit}, not {bad}"
    with pytest.raises(ValueError) as excinfo:
        make(**{field: bad})
    assert str(excinfo.value) == message


def test_it_issues_up_to_the_largest_ids_and_time():
    token = parse(make(person_id=2**53 - 1, issued_at=2**40 - 1), now=2**40 - 1)
    assert (token.person_id, token.issued_at) == (2**53 - 1, 2**40 - 1)


@pytest.mark.parametrize("domain", ["", "  ", "a@consilium.example.org", "consilium example.org"])
def test_it_refuses_to_issue_for_something_that_is_not_a_domain(domain):
    with pytest.raises(ValueError) as excinfo:
        make(domain=domain)
    assert str(excinfo.value) == f"not a mail domain: {domain.strip().lower()!r}"


def test_it_issues_for_the_domain_in_lower_case():
    assert make(domain=" Consilium.Example.ORG ").endswith("@consilium.example.org")


def test_it_accepts_an_upper_cased_address_at_a_domain_ending_in_x():
    # Mexican and other ".mx" hospitals: upper-casing gives "...@HOSPITAL.MX", whose X is part
    # of the domain, not something to strip like the angle brackets around it.
    address = make(domain="hospital.mx").upper()
    assert parse(f"<{address}>", domain="hospital.mx").thread_id == 42


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("not an address", "not-an-address"),
        ("someone@consilium.example.org", "not-a-reply-address"),
        ("reply+aaaa@consilium.example.org", "malformed"),
    ],
)
def test_it_says_what_is_wrong_with_an_address(address, code):
    # The code is what the admin reads in the mail log ("invalid reply address (malformed)").
    with pytest.raises(InvalidToken) as excinfo:
        parse(address)
    assert excinfo.value.code == code


def test_it_explains_the_refusal_in_the_bounce():
    # The bounce quotes these to the expert: what went wrong and what to do instead.
    assert InvalidToken().code == "invalid"
    assert str(TokenError()) == "This reply address is not valid."
    assert str(InvalidToken("malformed")) == (
        "This reply address is not valid: it may have been changed or copied incompletely. "
        "Please reply to the most recent notification email, or answer on the website."
    )
    assert str(ExpiredToken()) == (
        "This reply address has expired. Please reply to a more recent notification email, "
        "or answer on the website."
    )
    assert str(InvalidToken("malformed", "Another reason.")) == "Another reason."


def test_it_refuses_a_non_string_as_not_an_address():
    with pytest.raises(InvalidToken) as excinfo:
        parse(b"reply+abc@consilium.example.org")  # type: ignore[arg-type]
    assert excinfo.value.code == "not-an-address"


def test_a_token_too_short_for_its_mac_is_malformed_and_a_longer_one_is_checked():
    def address_of(raw: bytes) -> str:
        return "reply+" + base64.b32encode(raw).decode().rstrip("=").lower() + "@" + DOMAIN

    for size in (12, 13):  # no room for a version byte and a MAC
        with pytest.raises(InvalidToken) as excinfo:
            parse(address_of(bytes(range(1, size + 1))))
        assert excinfo.value.code == "malformed"
    with pytest.raises(InvalidToken) as excinfo:
        parse(address_of(bytes(range(1, 15))))
    assert excinfo.value.code == "bad-signature"


def test_a_parsed_token_cannot_be_pointed_at_another_thread():
    token = parse(make())
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.thread_id = 43  # type: ignore[misc]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        # A later layout, signed with our secret: refused, not read as this one.
        (bytes([2, 42, 7, 0xA0, 0xA8, 0xF6, 0xB2, 0x06]), "unknown-version"),
        # Signed but damaged: the issue time cut short, or a byte too many after it.
        (bytes([1, 42, 7, 0xA0, 0xA8]), "malformed"),
        (bytes([1, 42, 7, 0xA0, 0xA8, 0xF6, 0xB2, 0x06, 0x00]), "malformed"),
        # Thread 42 written in two bytes (0xAA 0x00): each value has one token, not several.
        (bytes([1, 0xAA, 0x00, 7, 0xA0, 0xA8, 0xF6, 0xB2, 0x06]), "malformed"),
    ],
)
def test_it_refuses_a_genuine_signature_over_a_body_it_cannot_read(body, code):
    with pytest.raises(InvalidToken) as excinfo:
        parse(signed(body))
    assert excinfo.value.code == code


def test_it_accepts_a_secret_of_sixteen_bytes_and_not_fifteen():
    assert parse(make(secret=b"s" * 16), secret=b"s" * 16).thread_id == 42
    with pytest.raises(ValueError) as excinfo:
        make(secret=b"s" * 15)
    # What an administrator reads when the configured secret is too short.
    assert str(excinfo.value) == "secret must be at least 16 bytes"


def test_it_accepts_every_token_it_issues_whatever_its_last_letter():
    # Tokens of 20 bytes fill their 32 characters: the last one is any of the 32 letters,
    # including "x", which must not be mistaken for anything but part of the token.
    addresses = [make(thread_id=n) for n in range(128)]
    assert any(token_of(a).endswith("x") for a in addresses)
    for n, address in enumerate(addresses):
        assert parse(address).thread_id == n


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("reply+" + "a" * 200 + "@consilium.example.org", id="too long to decode"),
        pytest.param("reply+!!!!@consilium.example.org", id="not base32"),
        pytest.param("reply+ütf8ñ@consilium.example.org", id="not ASCII"),
    ],
)
def test_it_calls_an_undecodable_token_malformed(address):
    with pytest.raises(InvalidToken) as excinfo:
        parse(address)
    assert excinfo.value.code == "malformed"


def test_it_accepts_only_the_spelling_it_issued():
    # The last character of a 26-character token carries 3 bits and 2 zero bits: "a" and "b"
    # decode to the same bytes, but only the issued spelling is accepted.
    address = make(thread_id=1, person_id=1, issued_at=1)
    token = token_of(address)
    assert len(token) == 26
    other = token[:-1] + chr(ord(token[-1]) + 1)
    with pytest.raises(InvalidToken) as excinfo:
        parse(f"reply+{other}@{DOMAIN}", now=1)
    assert excinfo.value.code == "malformed"
