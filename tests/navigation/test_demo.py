from consilium.core.demo_data import load_foundation
from consilium.navigation import demo
from consilium.navigation.models import (
    AbandonmentStatus,
    Contact,
    PlannedVisit,
    ProposedAbandonment,
    Support,
    TreatmentPlan,
    VisitStatus,
)
from consilium.navigation.queries import missed_count


def test_the_demo_loads_at_vnch_through_the_actions_and_only_once(db):
    from consilium.library.demo import load_demo as library_demo
    from consilium.network.demo import load_demo as network_demo
    from consilium.registry.demo import load_demo as registry_demo

    load_foundation()
    network_demo()
    registry_demo()
    library_demo()
    demo.load_demo()
    counts = [m.objects.count() for m in (TreatmentPlan, PlannedVisit, Contact, Support)]
    demo.load_demo()
    assert [m.objects.count() for m in (TreatmentPlan, PlannedVisit, Contact, Support)] == counts

    assert TreatmentPlan.objects.filter(protocol_version__document__code="WILMS-VN").count() == 6
    proposal = ProposedAbandonment.objects.get()
    assert proposal.status == AbandonmentStatus.PROPOSED and proposal.returned_on is None
    vnch = proposal.institution
    today = demo.plan_actions.local_today(vnch)
    yesterday = today - demo.datetime.timedelta(days=1)
    assert missed_count(vnch, yesterday) > 0
    assert Contact.objects.filter(reached=True, spoke_with="Mẹ").exists()
    assert Support.objects.filter(kind="transport").exists()
    # the child brought back: missed visits, then attended today
    back = Contact.objects.get(reached=True).patient
    assert back.navigation_visits.filter(status=VisitStatus.MISSED).exists()
    assert back.navigation_visits.filter(status=VisitStatus.ATTENDED, date=today).exists()
