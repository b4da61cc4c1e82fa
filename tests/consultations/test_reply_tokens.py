import base64
import contextlib
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
    with pytest.raises(ValueError):
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
