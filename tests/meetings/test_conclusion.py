"""The board's conclusion: who may record it, where it goes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consilium.consultations.actions import accept, save_recommendation
from consilium.meetings import attendance, conclusion
from tests.meetings.conftest import on_agenda, start_now

TEMPLATE = {
    "diagnosis": "Neuroblastoma, MYCN not amplified.",
    "stage_risk": "M, high risk",
    "plan": "Rapid COJEC then tandem HDCT.",
}


def _register(personas, event, *keys):
    for key in keys:
        attendance.register(
            actor=personas["coordinator"], event=event, user=personas[key], mode="online"
        )


def test_it_posts_in_the_thread_and_becomes_the_recommendation(personas, next_board, cases):
    item = on_agenda(personas, next_board, cases[0])
    _register(personas, next_board, "expert")
    start_now(next_board)
    conclusion.record_conclusion(
        actor=personas["expert"], item=item, fields=TEMPLATE, next_step="Dr Lan starts COJEC."
    )
    case = cases[0]
    case.refresh_from_db()
    message = case.messages.get(source="board")
    assert "Rapid COJEC then tandem HDCT." in message.body
    assert "Dr Lan starts COJEC." in message.body
    [recommendation] = case.recommendations.all()
    assert (recommendation.status, recommendation.source) == ("final", "board")
    assert recommendation.stage_risk_opinion == "M, high risk"
    # The closed loop now asks the treating team whether it was followed.
    assert case.status == "recommended" and case.follow_up_due_on is not None
    item.refresh_from_db()
    assert (item.message, item.recommendation) == (message, recommendation)


def test_a_case_with_a_recommendation_keeps_it_and_gets_the_post(personas, next_board, cases):
    accept(actor=personas["expert"], consultation=cases[0])
    earlier = save_recommendation(
        actor=personas["expert"],
        consultation=cases[0],
        fields={"recommended_treatment": "Written advice."},
        finalise=True,
    )
    item = on_agenda(personas, next_board, cases[0])
    _register(personas, next_board, "expert")
    start_now(next_board)
    conclusion.record_conclusion(
        actor=personas["expert"], item=item, fields=TEMPLATE, next_step="VNCH."
    )
    assert list(cases[0].recommendations.all()) == [earlier]
    assert cases[0].messages.filter(source="board").exists()
    item.refresh_from_db()
    assert item.recommendation is None and item.recorded_at is not None


@pytest.mark.parametrize("key", ["expert", "coordinator", "outsider"])
def test_it_refuses_a_non_participant_and_changes_nothing(personas, next_board, cases, key):
    item = on_agenda(personas, next_board, cases[0])
    start_now(next_board)
    with pytest.raises(PermissionDenied, match="registered participant"):
        conclusion.record_conclusion(actor=personas[key], item=item, fields=TEMPLATE, next_step="x")
    assert not cases[0].messages.exists()
    assert not cases[0].recommendations.exists()


def test_a_participant_without_a_clinical_part_is_refused(personas, next_board, cases):
    item = on_agenda(personas, next_board, cases[0])
    _register(personas, next_board, "coordinator")
    start_now(next_board)
    with pytest.raises(PermissionDenied, match="treating team"):
        conclusion.record_conclusion(
            actor=personas["coordinator"], item=item, fields=TEMPLATE, next_step="x"
        )


def test_it_needs_the_template_and_the_meeting_and_only_once(personas, next_board, cases):
    item = on_agenda(personas, next_board, cases[0])
    _register(personas, next_board, "clinician")
    with pytest.raises(ValidationError, match="not before it"):
        conclusion.record_conclusion(
            actor=personas["clinician"], item=item, fields=TEMPLATE, next_step="x"
        )
    start_now(next_board)
    with pytest.raises(ValidationError, match="who acts next"):
        conclusion.record_conclusion(
            actor=personas["clinician"], item=item, fields=TEMPLATE, next_step=" "
        )
    with pytest.raises(ValidationError, match="diagnosis or its plan"):
        conclusion.record_conclusion(
            actor=personas["clinician"], item=item, fields={"stage_risk": "M"}, next_step="x"
        )
    conclusion.record_conclusion(
        actor=personas["clinician"], item=item, fields=TEMPLATE, next_step="x"
    )
    with pytest.raises(ValidationError, match="already been recorded"):
        conclusion.record_conclusion(
            actor=personas["clinician"], item=item, fields=TEMPLATE, next_step="x"
        )
    assert cases[0].messages.filter(source="board").count() == 1


def test_the_thread_shows_the_conclusion_under_labels_in_the_readers_language(
    client_for, personas, next_board, cases
):
    from django.urls import reverse

    # The consultation is discussed in English; its Vietnamese requester reads the board's
    # conclusion with Vietnamese labels (found showing "Recommended plan" to her).
    assert cases[0].language == "en"
    item = on_agenda(personas, next_board, cases[0])
    _register(personas, next_board, "expert")
    start_now(next_board)
    conclusion.record_conclusion(
        actor=personas["expert"], item=item, fields=TEMPLATE, next_step="Dr Lan starts COJEC."
    )
    personas["clinician"].language = "vi"
    personas["clinician"].save(update_fields=["language"])
    text = client_for("clinician").get(reverse("consultations:detail", args=[cases[0].pk]))
    text = text.content.decode()
    thread = text.split('class="thread"', 1)[1]
    assert "Kế hoạch khuyến nghị" in thread and "Ai thực hiện tiếp theo" in thread
    assert "Recommended plan" not in thread and "Who acts next" not in thread
    assert "Rapid COJEC then tandem HDCT." in thread
