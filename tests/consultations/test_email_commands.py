import pytest
from django.utils import translation

from consilium.consultations.mail.commands import MAX_DECLINE_REASON, CommandError, Kind, parse


@pytest.fixture(autouse=True)
def _english():
    # The explanations are translated; these tests read them in English, whatever an
    # earlier test left active.
    with translation.override("en"):
        yield


def test_it_reads_an_ordinary_message():
    command = parse("Agree with the plan.\n\nClaire")
    assert command.kind == Kind.MESSAGE
    assert command.text == "Agree with the plan.\n\nClaire"


def test_it_leaves_clinical_hashtags_as_text():
    assert parse("#MYCN amplified, so high risk").kind == Kind.MESSAGE
    assert parse("#1 priority: MIBG").kind == Kind.MESSAGE


def test_it_accepts_in_any_case_with_text_below_it():
    command = parse("\n  #Accept  \nI will look at the images tonight.")
    assert command.kind == Kind.ACCEPT
    assert command.text == "I will look at the images tonight."
    assert parse("#accept").text == ""
    assert parse("#accept.").text == ""  # a phone's full stop


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("#decline Away until 15 June", "Away until 15 June"),
        ("#decline\nNot my field: ask a neurosurgeon.", "Not my field: ask a neurosurgeon."),
    ],
)
def test_it_reads_the_reason_for_declining(text, reason):
    command = parse(text)
    assert (command.kind, command.reason) == (Kind.DECLINE, reason)


def test_declining_needs_a_short_reason():
    with pytest.raises(CommandError, match="write the reason"):
        parse("#decline")
    with pytest.raises(CommandError, match="longer than 300"):
        parse("#decline " + "x" * (MAX_DECLINE_REASON + 1))


def test_it_reads_a_recommendation_with_multi_line_values():
    command = parse(
        "#recommend\n"
        "Diagnosis: neuroblastoma, MYCN amplified\n"
        "Stage: INRGSS M\n"
        "Treatment: rapid COJEC induction\n"
        "- then surgery\n"
        "- then HDCT\n"
        "\n"
        "Investigations: MIBG\n"
        "Feasibility: busulfan unavailable"
    )
    assert command.kind == Kind.RECOMMEND
    assert command.fields == {
        "diagnostic_opinion": "neuroblastoma, MYCN amplified",
        "stage_risk_opinion": "INRGSS M",
        "recommended_treatment": "rapid COJEC induction\n- then surgery\n- then HDCT",
        "further_investigations": "MIBG",
        "local_feasibility": "busulfan unavailable",
    }
    assert command.text == ""


@pytest.mark.parametrize(
    "labels",
    [
        ("Diagnostic", "Stade", "Traitement", "Examens", "Faisabilité"),
        ("Диагноз", "Стадия", "Лечение", "Обследования", "Возможности"),
        ("Chẩn đoán", "Giai đoạn", "Điều trị", "Xét nghiệm", "Khả năng"),
        ("DIAGNOSIS", "stage", "**Treatment**", "- Investigations", "Feasibility"),
    ],
)
def test_it_reads_recommendation_labels_in_the_networks_languages(labels):
    # French typography puts a (non-breaking) space before the colon.
    text = "#recommend\n" + "\n".join(f"{label}\u00a0: value {i}" for i, label in enumerate(labels))
    command = parse(text)
    assert list(command.fields.values()) == [f"value {i}" for i in range(5)]


def test_text_before_the_first_label_is_kept_to_post():
    command = parse("#recommend\nThank you for this case.\nDiagnosis: Wilms tumour")
    assert command.text == "Thank you for this case."
    assert command.fields == {"diagnostic_opinion": "Wilms tumour"}


def test_a_recommendation_without_labels_is_explained():
    with pytest.raises(CommandError, match="Diagnosis:, Stage:, Treatment:"):
        parse("#recommend\nCOJEC then surgery")


@pytest.mark.parametrize(
    ("text", "adherence", "reasons"),
    [
        ("#followed fully", "fully", ()),
        ("#followed partly drug cost", "partly", ("drug_unavailable", "cost")),
        ("#followed not family decision", "not", ("family_decision",)),
        ("#followed not drug not available, equipment", "not", ("drug_unavailable", "equipment")),
        ("#followed partiellement médicament, coût", "partly", ("drug_unavailable", "cost")),
        ("#followed частично лекарства", "partly", ("drug_unavailable",)),
        ("#followed không có thuốc", "not", ("drug_unavailable",)),
        ("#followed not clinical change, disagreed, other", "not",
         ("clinical_change", "disagreed", "other")),
    ],
)  # fmt: skip
def test_it_reads_whether_the_recommendation_was_followed(text, adherence, reasons):
    command = parse(text)
    assert command.kind == Kind.FOLLOWED
    assert (command.adherence, command.reasons) == (adherence, reasons)
    assert command.note == ""


def test_lines_below_followed_are_the_note_and_unknown_words_are_kept():
    command = parse("#followed not cost, the family could not pay the transport\nSad.")
    assert command.reasons == ("cost", "family_decision")
    assert command.note == "cost, the family could not pay the transport\nSad."


def test_followed_needs_an_answer_and_reasons():
    with pytest.raises(CommandError, match="fully, partly or not"):
        parse("#followed maybe")
    with pytest.raises(CommandError, match="Say why"):
        parse("#followed not")


def test_a_mistyped_command_is_explained_rather_than_posted():
    with pytest.raises(CommandError, match="Did you mean #recommend"):
        parse("#recomend\nDiagnosis: x")


# --------------------------------------------------------------------------- five languages

FIVE_LANGUAGES = {
    "fr": "Diagnostic : neuroblastome\nStade : M\nTraitement : chimiothérapie\n"
    "Examens : MIBG\nFaisabilité : oui",
    "ru": "Диагноз: нейробластома\nСтадия: M\nЛечение: химиотерапия\n"
    "Обследования: MIBG\nВозможности: да",
    "vi": "Chẩn đoán: u nguyên bào thần kinh\nGiai đoạn: M\nĐiều trị: hóa trị\n"
    "Xét nghiệm: MIBG\nKhả năng: có",
    "uz": "Tashxis: neyroblastoma\nBosqich: M\nDavolash: kimyoterapiya\n"
    "Qoʻshimcha tekshiruvlar: MIBG\nImkoniyatlar: bor",
    "en": "Diagnosis: neuroblastoma\nStage: M\nTreatment: chemotherapy\n"
    "Investigations: MIBG\nFeasibility: yes",
}


@pytest.mark.parametrize("language", sorted(FIVE_LANGUAGES))
def test_it_reads_the_recommendation_labels_in_each_language(language):
    command = parse("#recommend\n" + FIVE_LANGUAGES[language])
    assert command.kind == Kind.RECOMMEND
    assert set(command.fields) == {
        "diagnostic_opinion",
        "stage_risk_opinion",
        "recommended_treatment",
        "further_investigations",
        "local_feasibility",
    }
    assert command.fields["stage_risk_opinion"] == "M"


@pytest.mark.parametrize("language", ["en", "fr", "ru", "vi", "uz"])
def test_it_understands_the_labels_its_mail_teaches_in_each_language(language):
    """The invitation shows the labels in the reader's language; each must parse."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        text = render_to_string("consultations/email/_expert_commands.txt", {})
    labels = [line.strip()[: -len(": …")] for line in text.splitlines() if line.endswith(": …")]
    reply = "#recommend\n" + "\n".join(f"{label}: x{n}" for n, label in enumerate(labels))
    assert len(parse(reply).fields) == 5, (language, labels)


def test_it_reads_uzbek_followed_words_with_any_apostrophe():
    for word in ("to'liq", "toʻliq", "to‘liq"):
        assert parse(f"#followed {word}").adherence == "fully"
    assert parse("#followed yoʻq drug").adherence == "not"
