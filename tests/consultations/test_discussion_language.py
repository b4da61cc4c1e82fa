"""The discussion language defaults to one the chosen partner's experts read, the form says
why, and the matching of experts prefers those who read it."""

from django.utils import timezone, translation

from consilium.accounts.models import Membership, Role, User
from consilium.consultations import actions
from consilium.consultations.assignment import candidates, partner_languages

URL = "/consultations/new/"


def _expert(institution, email: str, languages: list[str], language: str = "") -> User:
    user = User.objects.create_user(
        email,
        "x",
        full_name=email.split("@")[0].title(),
        specialty="Paediatric oncology (neuroblastoma)",
        languages=languages,
        language=language,
    )
    Membership.objects.create(user=user, institution=institution, role=Role.EXPERT)
    return user


def test_it_defaults_to_a_language_the_partners_experts_read_and_says_why(
    client_for, personas, partnership
):
    clinician = personas["clinician"]
    clinician.language = "en"
    clinician.save()
    response = client_for("clinician").get(URL)
    assert response.context["form"]["language"].value() == "fr"
    assert "Experts at Institut Curie read French and English." in response.content.decode()


def test_it_says_why_in_the_readers_language(client_for, partnership):
    page = client_for("clinician").get(URL).content.decode()  # Dr Lan reads Vietnamese
    assert "Các chuyên gia tại Institut Curie đọc" in page
    assert "Experts at" not in page


def test_htmx_swaps_the_language_when_the_partner_changes(client_for, institutions, partnership):
    response = client_for("clinician").get(
        URL, {"expert_institution": institutions["CURIE"].pk}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="language-field"')
    assert '<option value="fr" selected>' in body


def test_the_default_is_one_the_asker_reads_too(personas, institutions, partnership):
    curie = institutions["CURIE"]
    for n in range(2):
        _expert(curie, f"ivanova{n}@curie.demo", ["ru"])
    asker = personas["clinician"]  # reads vi, en, fr; not Russian
    spoken = partner_languages([curie], asker)[curie.pk]
    assert spoken.languages[0] == "ru"  # most of Curie's experts read Russian now
    assert spoken.default == "fr"  # but Dr Lan does not
    with translation.override("en"):
        assert spoken.why == "Experts at Institut Curie read Russian, French and English."


def test_experts_who_left_do_not_count(personas, institutions, partnership):

    curie = institutions["CURIE"]
    gone = _expert(curie, "gone@curie.demo", ["uz"])
    Membership.objects.filter(user=gone).update(ended_at=timezone.now())
    spoken = partner_languages([curie], personas["clinician"])[curie.pk]
    assert "uz" not in spoken.languages


def test_bad_partner_values_change_nothing_and_never_fail(client_for, institutions, partnership):
    client = client_for("clinician")
    for value in ("abc", "99999999", "-1", str(institutions["PMC"].pk), "1" * 40):
        response = client.get(URL, {"expert_institution": value})
        assert response.status_code == 200
        assert "Princess Máxima" not in response.content.decode()


def test_the_outsider_is_refused(client_for, institutions, partnership):
    response = client_for("outsider").get(URL, {"expert_institution": institutions["CURIE"].pk})
    assert response.status_code == 403


def test_matching_offers_first_an_expert_who_reads_the_discussion_language(
    personas, institutions, partnership, patient
):
    curie = institutions["CURIE"]
    Membership.objects.filter(user=personas["expert"]).update(ended_at=timezone.now())
    _expert(curie, "anna@curie.demo", ["en"])
    reads_russian = _expert(curie, "boris@curie.demo", ["ru", "en"])
    consultation = actions.request_consultation(
        actor=personas["clinician"],
        patient=patient,
        expert_institution=curie,
        question="Neuroblastoma: tandem HDCT?",
        urgency="routine",
        specialty="neuroblastoma",
        language="ru",
    )
    assert consultation.assignments.get().expert == reads_russian
    assert candidates(consultation)[0] == reads_russian
