import csv
import io

from django.urls import reverse
from pypdf import PdfReader

from consilium.meetings import actions, attendance
from consilium.meetings.report import build_report
from tests.meetings.conftest import at, guest


def _fill(personas, workshop, morning, partnership):
    coord = personas["coordinator"]
    actions.update_event(actor=coord, event=workshop, capacity=3)
    people = [
        ("Nguyễn Thị Hương", "VN", "nurse", "in_person", "Bệnh viện K"),
        ("Trần Văn Dũng", "VN", "doctor", "in_person", "Bệnh viện K"),
        ("Анна Иванова", "RU", "doctor", "online", "Городская больница"),
        ("Sarah Miller", "GB", "doctor", "online", "Great Ormond Street"),
        ("Lê Thị Hà", "VN", "nurse", "in_person", "Bệnh viện Nhi Thanh Hóa"),
        ("Vũ Hải", "VN", "technician", "in_person", "Bệnh viện K"),  # waiting list
    ]
    regs = [
        attendance.register(
            actor=coord,
            event=workshop,
            mode=mode,
            guest=guest(name, country, profession=prof, institution_name=inst),
        )
        for name, country, prof, mode, inst in people
    ]
    attendance.check_in(actor=coord, event=workshop, registration=regs[0])
    attendance.check_in(actor=coord, event=workshop, registration=regs[1])
    attendance.check_in(actor=coord, event=workshop, registration=regs[2])
    afternoon = actions.add_session(
        actor=coord,
        event=workshop,
        kind="case_discussion",
        title="Cases",
        room="Main hall",
        starts_at=at(2024, 12, 2, 13, 30),
        ends_at=at(2024, 12, 2, 16, 30),
    )
    actions.add_session(
        actor=coord,
        event=workshop,
        kind="break",
        title="Lunch",
        room="Main hall",
        starts_at=at(2024, 12, 2, 11, 45),
        ends_at=at(2024, 12, 2, 13, 30),
    )
    for title, groups, disciplines in (
        ("Neuroblastoma risk", ["neuroblastoma"], []),
        ("Induction", ["neuroblastoma"], ["chemotherapy", "surgery"]),
        ("Nursing", [], ["nursing"]),
    ):
        actions.add_presentation(
            actor=coord,
            session=morning,
            title=title,
            guest_speakers=["Dr X"],
            diagnosis_groups=groups,
            disciplines=disciplines,
        )
    actions.add_presentation(
        actor=coord,
        session=afternoon,
        title="A case",
        guest_speakers=["Dr Y"],
        diagnosis_groups=["neuroblastoma"],
    )
    actions.link_agreement(actor=coord, event=workshop, partnership=partnership)


def test_the_report_counts_what_happened(personas, workshop, morning, partnership):
    _fill(personas, workshop, morning, partnership)
    report = build_report(workshop)
    assert (report.registered, report.attended, report.waiting) == (5, 3, 1)
    assert report.by_country == [("VN", 3, 2), ("GB", 1, 0), ("RU", 1, 1)]
    assert report.by_profession == [("Doctor", 3, 2), ("Nurse", 2, 1)]
    assert report.by_mode == [("In person", 3, 2), ("Online", 2, 1)]
    assert report.by_institution[0] == ("Bệnh viện K", 2, 2)
    assert report.countries == 3
    assert dict(report.sessions_by_kind) == {"Section": 1, "Case discussion": 1, "Break": 1}
    assert dict(report.presentations_by_topic) == {
        "Neuroblastoma": 3,
        "Chemotherapy": 1,
        "Surgery": 1,
        "Nursing": 1,
    }
    assert [a.partnership.title for a in report.agreements] == ["VNCH – Institut Curie"]
    # 08:30–11:45 and 13:30–16:30; lunch is not teaching.
    assert str(report.hours) == "6.25"


def test_it_exports_csv_and_pdf(client_for, personas, workshop, morning, partnership):
    _fill(personas, workshop, morning, partnership)
    client = client_for("coordinator")
    response = client.get(reverse("meetings:report_download", args=[workshop.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "registered", "attended"]
    assert ["country", "VN", "3", "2"] in rows
    assert ["mode", "Online", "2", "1"] in rows
    assert ["agreement", "VNCH – Institut Curie", "2024-12-02", ""] in rows
    pdf = client.get(reverse("meetings:report_download", args=[workshop.pk, "pdf"]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Participants by country" in text
    assert "Bệnh viện K" in text
    page = client.get(reverse("meetings:report", args=[workshop.pk]))
    assert "5 registered, 3 attended, from 3 countries" in page.content.decode()


def test_csv_cells_never_become_formulas(personas, workshop):
    attendance.register(
        actor=personas["coordinator"],
        event=workshop,
        mode="online",
        guest=guest(institution_name='=HYPERLINK("x")'),
    )
    from consilium.meetings.report import report_csv

    assert "'=HYPERLINK" in report_csv(build_report(workshop))


def test_only_the_organisers_see_the_report(client_for, workshop):
    for persona in ("expert", "outsider", "clinician"):
        assert (
            client_for(persona).get(reverse("meetings:report", args=[workshop.pk])).status_code
            == 403
        )


def test_an_event_title_never_becomes_a_formula(personas, workshop):
    from consilium.meetings.models import Event
    from consilium.meetings.report import report_csv

    Event.objects.filter(pk=workshop.pk).update(title='=HYPERLINK("http://x","y")')
    workshop.refresh_from_db()
    rows = list(csv.reader(io.StringIO(report_csv(build_report(workshop)))))
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'
