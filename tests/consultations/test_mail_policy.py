"""The Postfix policy service refuses at RCPT what `consilium smtpd` refuses there."""

import io

from django.conf import settings

from consilium.consultations.management.commands.mail_policy import serve
from tests.consultations.fixtures import reply_address, tamper


def _ask(*recipients: str) -> list[str]:
    requests = "".join(
        f"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@b.example\nrecipient={r}\n\n"
        for r in recipients
    )
    out = io.StringIO()
    serve(io.StringIO(requests), out)
    return [block for block in out.getvalue().split("\n\n") if block]


def test_it_lets_a_valid_reply_address_through_and_refuses_forged_ones(consultation, personas):
    good = reply_address(consultation, personas["expert"])
    domain = settings.CONSILIUM_REPLY_DOMAIN
    answers = _ask(
        good,
        tamper(good),
        f"reply+aaaa@{domain}",
        f"postmaster@{domain}",
        "someone@elsewhere.example",
    )
    assert answers[0] == "action=DUNNO"
    assert answers[1].startswith("action=REJECT 5.1.1 ")
    assert answers[2].startswith("action=REJECT 5.1.1 ")
    assert answers[3].startswith("action=REJECT 5.1.1 ")
    assert answers[4] == "action=DUNNO"
