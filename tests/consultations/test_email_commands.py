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


# ------------------------------------------------------------- what mutation testing found


def test_the_kinds_keep_the_words_the_mail_log_stores():
    """The gateway writes the kind into the mail log ("accept by …", "held: decline by …")
    and reads a held message's kind back from there: the stored words must not change."""
    assert [kind.value for kind in Kind] == [
        "message",
        "accept",
        "decline",
        "recommend",
        "followed",
    ]


@pytest.mark.parametrize("text", ["", "\n", "  \n\t\n  "])
def test_an_empty_reply_is_an_empty_message(text):
    """So the gateway bounces it as empty rather than posting anything."""
    command = parse(text)
    assert (command.kind, command.text) == (Kind.MESSAGE, "")


def test_a_reply_with_windows_line_ends_reads_as_any_other():
    command = parse("#accept\r\nI will look at the images tonight.\r\nClaire\r\n")
    assert command.text == "I will look at the images tonight.\nClaire"
    command = parse("#recommend\r\nThanks.\r\nDiagnosis: Wilms tumour\r\nStage: II\r\n")
    assert (command.text, command.fields) == (
        "Thanks.",
        {"diagnostic_opinion": "Wilms tumour", "stage_risk_opinion": "II"},
    )


@pytest.mark.parametrize(
    "text",
    ["#decline Away until 15 June", "#followed fully", "#followed not drug\nNo busulfan."],
)
def test_a_decline_or_a_follow_up_answer_posts_nothing_in_the_thread(text):
    """Only a message, an #accept and a #recommend's preamble carry text to post."""
    assert parse(text).text == ""


def test_a_reason_for_declining_may_be_exactly_the_longest_allowed():
    reason = "x" * MAX_DECLINE_REASON
    assert parse(f"#decline {reason}").reason == reason


def test_a_label_written_twice_keeps_both_values():
    command = parse("#recommend\nTreatment: COJEC induction\nDiagnosis: NB\nTreatment: then HDCT")
    assert command.fields["recommended_treatment"] == "COJEC induction\n\nthen HDCT"


# Every label an expert may write, by the field it fills: those the invitation teaches in
# the five languages (consultations/email/_expert_commands.txt) and their usual variants.
EVERY_LABEL = {
    "diagnostic_opinion": [
        "Diagnosis", "Diagnostic opinion", "Diagnostic", "Avis diagnostique",
        "Диагноз", "Диагностическое заключение",
        "Chẩn đoán", "Ý kiến chẩn đoán",
        "Tashxis", "Tashxis fikri",
    ],
    "stage_risk_opinion": [
        "Stage", "Stage and risk", "Stage/risk", "Risk", "Stade", "Stade et risque", "Risque",
        "Стадия", "Стадия и риск", "Группа риска", "Риск",
        "Giai đoạn", "Giai đoạn và nguy cơ", "Nhóm nguy cơ", "Nguy cơ",
        "Bosqich", "Bosqich va xavf", "Xavf guruhi", "Xavf",
    ],
    "recommended_treatment": [
        "Treatment", "Recommended treatment", "Traitement", "Traitement recommandé",
        "Лечение", "Рекомендуемое лечение",
        "Điều trị", "Điều trị khuyến nghị",
        "Davolash", "Tavsiya etilgan davolash",
    ],
    "further_investigations": [
        "Investigations", "Further investigations", "Examens", "Examens complémentaires",
        "Обследования", "Обследование", "Дополнительные обследования",
        "Xét nghiệm", "Xét nghiệm thêm", "Cận lâm sàng",
        "Tekshiruvlar", "Tekshiruv", "Qoʻshimcha tekshiruvlar",
    ],
    "local_feasibility": [
        "Feasibility", "Local feasibility", "Faisabilité", "Faisabilite", "Faisabilité locale",
        "Возможности", "Выполнимость", "Возможности на месте",
        "Khả năng", "Khả năng thực hiện", "Khả năng tại chỗ",
        "Imkoniyat", "Imkoniyatlar", "Mahalliy imkoniyatlar",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("label", "name"), [(label, name) for name, labels in EVERY_LABEL.items() for label in labels]
)
def test_every_label_fills_its_field(label, name):
    command = parse(f"#recommend\nThanks.\n{label}: the opinion")
    assert (command.text, command.fields) == ("Thanks.", {name: "the opinion"})


EVERY_ADHERENCE_WORD = {
    "fully": [
        "fully", "full", "yes", "completely", "entièrement", "complètement", "totalement",
        "oui", "полностью", "да", "hoàn toàn", "có", "toʻliq", "ha",
    ],
    "partly": [
        "partly", "partially", "partial", "en partie", "partiellement", "частично",
        "một phần", "qisman",
    ],
    "not": ["not", "no", "non", "pas", "нет", "không", "yoʻq"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("word", "adherence"),
    [(word, value) for value, words in EVERY_ADHERENCE_WORD.items() for word in words],
)
def test_every_answer_word_says_how_far_it_was_followed(word, adherence):
    assert parse(f"#followed {word.upper()}, drug").adherence == adherence


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("#followed non equipement", ("equipment",)),
        ("#followed không có thiết bị", ("equipment",)),
        ("#followed частично стоимость", ("cost",)),
        ("#followed không, không đủ tiền", ("cost",)),
        ("#followed нет несогласие семьи", ("family_decision", "disagreed")),
        ("#followed không, không đồng ý", ("disagreed",)),
    ],
)
def test_it_reads_the_reasons_in_the_networks_languages(text, reasons):
    assert parse(text).reasons == reasons


@pytest.mark.parametrize(
    "text",
    [
        "#followed not drug not available and an equipment change",
        "#followed non médicament et équipement",
        "#followed không gia đình quyết định",
    ],
)
def test_words_that_only_join_the_reasons_are_not_kept_as_a_note(text):
    command = parse(text)
    assert command.reasons and command.note == ""


def test_unmapped_words_are_kept_as_written():
    assert parse("#followed partly drug, no MTX").note == "drug, no MTX"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("acept", "accept"),
        ("declin", "decline"),
        ("recomend", "recommend"),
        ("folowed", "followed"),
    ],
)
def test_a_mistyped_command_is_answered_with_the_command_meant(typed, meant):
    with pytest.raises(CommandError) as raised:
        parse(f"#{typed}\nsome text")
    assert str(raised.value) == (
        f"The first line of your reply, #{typed}, is not a command Consilium knows. "
        f"Did you mean #{meant}? The commands are #accept, #decline, #recommend and #followed."
    )


REASONS = "Reasons: drug, equipment, cost, family, clinical, disagreed, other."


@pytest.mark.parametrize(
    ("text", "bounce"),
    [
        (
            "#decline",
            "To decline, write the reason after the command, for example: "
            "#decline I am away until next month.",
        ),
        (
            "#decline " + "x" * (MAX_DECLINE_REASON + 1),
            "The reason for declining is longer than 300 characters. Please shorten it, or "
            "decline on the consultation page.",
        ),
        (
            "#recommend\nCOJEC then surgery",
            "#recommend needs the recommendation on the lines below it, each starting with its "
            "label: Diagnosis:, Stage:, Treatment:, Investigations:, Feasibility:.",
        ),
        (
            "#followed maybe",
            "After #followed, write fully, partly or not, and for partly or not the reasons, "
            "for example: #followed partly drug cost. " + REASONS,
        ),
        (
            "#followed not",
            "Say why the recommendation was not fully followed, after the answer, for "
            "example: #followed not drug. " + REASONS,
        ),
    ],
)
def test_the_bounce_says_exactly_what_to_write(text, bounce):
    """The explanation is all the sender gets back: its example and its word list must be
    ones the parser reads."""
    with pytest.raises(CommandError) as raised:
        parse(text)
    assert str(raised.value) == bounce


@pytest.mark.parametrize(
    "example",
    ["#decline I am away until next month.", "#followed partly drug cost", "#followed not drug"],
)
def test_the_examples_the_bounces_give_are_read(example):
    assert parse(example).kind in (Kind.DECLINE, Kind.FOLLOWED)
