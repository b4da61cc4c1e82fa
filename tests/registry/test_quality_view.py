from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from consilium.registry.models import QualityIssue
from tests.registry.conftest import diagnosis_data, identity, patient_data


def _registry(register):
    register()  # stale follow-up: no contact since the diagnosis in 2024
    register(
        identity=identity(name="Trần Thị Mai", hospital_number="2"),
        patient=patient_data(last_contact=timezone.localdate()),
        diagnosis=diagnosis_data(basis_of_diagnosis="2", stage_value=""),
    )


def test_it_shows_completeness_verification_warnings_and_stale_follow_up(register, client_for):
    _registry(register)

    response = client_for("data_manager").get(reverse("registry:quality", args=["VNCH"]))

    report = response.context["report"]
    assert (report.patients, report.diagnoses) == (2, 2)
    assert report.microscopic_percent == 50.0
    assert report.stale_follow_up == 1
    assert report.open_warnings == 3  # stale follow-up, basis vs morphology, stage missing
    staged = next(c for c in report.completeness if "Toronto" in str(c.label))
    assert (staged.complete, staged.total) == (1, 2)
    assert "VNCH-2024-0001" in response.content.decode()


def test_it_shows_only_the_figures_to_a_coordinator(register, client_for):
    _registry(register)

    response = client_for("coordinator").get(reverse("registry:quality", args=["VNCH"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "VNCH-2024" not in html
    assert response.context["report"].patients == 2


def test_it_refuses_other_institutions(client_for):
    for persona in ("expert", "outsider"):
        assert (
            client_for(persona).get(reverse("registry:quality", args=["VNCH"])).status_code == 404
        )


def test_it_runs_every_check_in_bulk_from_the_command_line(register, capsys):
    _registry(register)
    QualityIssue.objects.all().delete()

    call_command("registry_check", institution="VNCH")

    assert "2 patients checked, 0 errors" in capsys.readouterr().out
    assert QualityIssue.objects.filter(code="follow_up_stale").count() == 1
    assert QualityIssue.objects.filter(code="basis_morphology").count() == 1
