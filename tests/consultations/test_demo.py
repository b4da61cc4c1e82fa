"""The demo's consultations read as real ones: each thread fits its child's diagnosis."""

from consilium.consultations.demo import load_demo
from consilium.consultations.models import Consultation, RecommendationStatus
from consilium.registry.demo import load_demo as load_registry


def test_it_gives_each_demo_case_a_thread_that_fits_its_diagnosis(personas, partnership):
    load_registry()
    load_demo()
    medulloblastoma = Consultation.objects.get(template="cns")
    text = " ".join(medulloblastoma.messages.values_list("body", flat=True))
    final = medulloblastoma.recommendations.get(status=RecommendationStatus.FINAL)
    text += " " + final.recommended_treatment + " " + final.diagnostic_opinion
    assert "medulloblastoma" in text.lower() and "craniospinal" in text
    assert "neuroblastoma" not in text.lower() and "MIBG" not in text
    neuroblastoma = Consultation.objects.get(template="neuroblastoma")
    final = neuroblastoma.recommendations.get(status=RecommendationStatus.FINAL)
    assert "neuroblastoma" in final.diagnostic_opinion


def test_the_demo_question_about_all_goes_to_a_child_with_all(personas, partnership):
    """ICCC group I holds AML too: the ALL question was once asked about a child with AML."""
    from consilium.consultations.demo import ALL_MORPHOLOGIES

    load_registry()
    load_demo()
    leukaemia = Consultation.objects.get(template="leukaemia")
    [diagnosis] = leukaemia.patient.diagnoses.all()[:1]
    assert "ALL" in leukaemia.question
    assert diagnosis.morphology in ALL_MORPHOLOGIES
