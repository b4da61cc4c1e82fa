from consilium.meetings import demo
from consilium.meetings.models import Event, Registration, Series
from consilium.meetings.report import build_report
from consilium.network import demo as network_demo


def test_the_demo_holds_the_congress_the_workshop_and_the_board(personas):
    network_demo.load_demo()
    demo.load_demo()
    congress = Event.objects.get(title=demo.CONGRESS)
    report = build_report(congress)
    assert dict(report.sessions_by_kind) == {
        "Section": 19,
        "Workshop": 2,
        "Round table": 1,
        "Seminar": 1,
        "Site visit": 3,
    }
    assert report.registered == 302
    assert report.countries == 18  # Uzbekistan and the 17 countries abroad
    assert len(report.agreements) == 4
    assert all(a.partnership.title.startswith("UZPHO") for a in report.agreements)

    workshop = build_report(Event.objects.get(title=demo.WORKSHOP))
    assert workshop.presentations == 20
    assert {label for label, _n, _a in workshop.by_mode} == {"In person", "Online"}
    assert len(workshop.agreements) == 1

    series = Series.objects.get()
    assert series.events.count() > 4
    count = Registration.objects.count()
    demo.load_demo()  # idempotent
    assert Registration.objects.count() == count
    assert Event.objects.filter(title=demo.CONGRESS).count() == 1
