"""The board's minutes as a PDF."""

import io

from django.urls import reverse
from pypdf import PdfReader

from consilium.meetings import attendance, conclusion
from tests.meetings.conftest import on_agenda, start_now


def test_it_prints_the_cases_and_conclusions(client_for, personas, next_board, cases):
    item = on_agenda(personas, next_board, cases[0])
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    start_now(next_board)
    conclusion.record_conclusion(
        actor=personas["expert"],
        item=item,
        fields={"plan": "Rapid COJEC then tandem HDCT."},
        next_step="Dr Lan starts COJEC.",
    )
    response = client_for("coordinator").get(reverse("meetings:minutes", args=[next_board.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert cases[0].patient.pseudonym in text
    assert "Rapid COJEC then tandem HDCT." in text
    assert "Dr Claire Martin" in text
    assert "Nguyễn Văn An" not in text


def test_no_minutes_for_an_outsider_or_an_empty_agenda(client_for, personas, next_board, cases):
    url = reverse("meetings:minutes", args=[next_board.pk])
    assert client_for("coordinator").get(url).status_code == 404
    on_agenda(personas, next_board, cases[0])
    assert client_for("outsider").get(url).status_code == 404


def test_it_lists_who_attended_not_everyone_registered(client_for, personas, next_board, cases):
    on_agenda(personas, next_board, cases[0])
    joined = attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["clinician"], mode="online"
    )
    start_now(next_board)
    attendance.record_online_join(registration=joined)
    personas["coordinator"].language = "en"
    personas["coordinator"].save(update_fields=["language"])
    response = client_for("coordinator").get(reverse("meetings:minutes", args=[next_board.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    attended = text.split("Attended:", 1)[1].split("Registered, did not attend:", 1)
    assert personas["expert"].full_name in attended[0]
    assert personas["clinician"].full_name not in attended[0]
    assert personas["clinician"].full_name in attended[1].split("Case 1")[0]


def test_nobody_attended_says_so_rather_than_listing_the_registrants(
    client_for, personas, next_board, cases
):
    on_agenda(personas, next_board, cases[0])
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["clinician"], mode="online"
    )
    personas["coordinator"].language = "en"
    personas["coordinator"].save(update_fields=["language"])
    response = client_for("coordinator").get(reverse("meetings:minutes", args=[next_board.pk]))
    text = " ".join(
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Attended: No attendance recorded." in text
    # In the reader's zone (the coordinator's, Hanoi), the board's own (Paris) beside it.
    assert "(Asia/Ho_Chi_Minh)" in text.split("Organised by")[0]


def test_a_vietnamese_reader_gets_the_conclusion_under_vietnamese_labels(
    client_for, personas, next_board, cases
):
    # The conclusion is stored in the consultation's language (English here); the minutes
    # and the presentation view label it in the reader's.
    item = on_agenda(personas, next_board, cases[0])
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    start_now(next_board)
    conclusion.record_conclusion(
        actor=personas["expert"],
        item=item,
        fields={"plan": "Rapid COJEC then tandem HDCT."},
        next_step="Dr Lan starts COJEC.",
    )
    personas["clinician"].language = "vi"
    personas["clinician"].save(update_fields=["language"])
    clinician = client_for("clinician")
    response = clinician.get(reverse("meetings:minutes", args=[next_board.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Kế hoạch khuyến nghị" in text and "Recommended plan" not in text
    assert "Rapid COJEC then tandem HDCT." in text
    page = clinician.get(reverse("meetings:present", args=[next_board.pk, 1])).content.decode()
    assert "Kế hoạch khuyến nghị" in page and "Recommended plan" not in page
