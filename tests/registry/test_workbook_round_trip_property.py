"""Any registry the actions can build, exported as .xlsx, as a .zip of CSV files and as a FHIR
R4 Bundle and read back into an empty institution, is the same registry, markers included
(hypothesis builds the registries; the Bundle carries no names: compared without them)."""

import datetime
import io
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consilium.network.models import Institution
from consilium.registry import actions, exports, fhir
from consilium.registry.importer import import_csv
from tests.registry import test_fhir_import
from tests.registry.conftest import diagnosis_data, identity, patient_data
from tests.registry.test_workbook_round_trip import _registry

CASES = [
    {"topography": "C74.9", "morphology": "9500", "stage_tumour": "neuroblastoma",
     "stage_tier": 2, "stage_value": "L2"},
    {"topography": "C64.9", "morphology": "8960", "stage_tumour": "wilms",
     "stage_tier": 2, "stage_value": "III"},
    {"topography": "C42.1", "morphology": "9836", "basis_of_diagnosis": "5",
     "stage_tumour": "all", "stage_tier": 2, "stage_value": "CNS1"},
]  # fmt: skip
TODAY = datetime.date(2026, 1, 1)
_codes = itertools.count()

child = st.fixed_dictionaries(
    {
        "case": st.sampled_from(CASES),
        "sex": st.sampled_from(["male", "female"]),
        "age_days": st.integers(60, 14 * 365),
        "diagnosed": st.dates(datetime.date(2012, 1, 1), datetime.date(2024, 12, 31)),
        "events": st.lists(
            st.tuples(
                st.sampled_from(["remission", "relapse", "progression", "abandonment"]),
                st.integers(1, 300),
                st.text("abc é", max_size=8),
            ),
            max_size=3,
        ),
        "death": st.one_of(st.none(), st.sampled_from(["disease", "treatment", "other"])),
        "treatments": st.lists(
            st.tuples(
                st.lists(
                    st.sampled_from(["surgery", "chemotherapy", "radiotherapy"]),
                    min_size=1,
                    max_size=2,
                    unique=True,
                ),
                st.integers(0, 100),
                st.one_of(st.none(), st.integers(0, 200)),
                st.sampled_from(["curative", "palliative"]),
                st.text("SIOP-=+ 2", max_size=10),
            ),
            max_size=2,
        ),
        "markers": st.lists(
            st.tuples(
                st.sampled_from(["MYCN", "other"]),
                st.sampled_from(["detected", "not_detected", "gain"]),
                st.sampled_from(["fish", "pcr"]),
                st.one_of(st.none(), st.integers(0, 60)),
                st.text("Lab é,=", max_size=8),
            ),
            max_size=2,
        ),
    }
)


def _build(institution: Institution, children: list[dict], actor) -> None:
    for n, c in enumerate(children):
        diagnosed = c["diagnosed"]
        patient = actions.register_patient(
            actor=actor,
            institution=institution,
            identity=identity(
                name=f"Child {n} Nguyễn",
                birth_date=diagnosed - datetime.timedelta(days=c["age_days"]),
                hospital_number=f"=H-{n}",
                phone=f"+84 {n}",
            ),
            patient=patient_data(sex=c["sex"], last_contact=diagnosed),
            diagnosis=diagnosis_data(date=diagnosed, **c["case"]),
        )
        day = diagnosed
        for kind, gap, note in c["events"]:
            day += datetime.timedelta(days=gap)
            actions.record_event(actor=actor, patient=patient, kind=kind, date=day, note=note)
        if c["death"]:
            day += datetime.timedelta(days=5)
            actions.record_event(
                actor=actor, patient=patient, kind="death", date=day, death_cause=c["death"]
            )
        for modalities, start, length, intent, protocol in c["treatments"]:
            begin = diagnosed + datetime.timedelta(days=start)
            actions.add_treatment(
                actor=actor,
                patient=patient,
                start_date=begin,
                end_date=None if length is None else begin + datetime.timedelta(days=length),
                modalities=modalities,
                intent=intent,
                protocol_name=protocol,
                diagnosis=patient.diagnoses.get(),
            )
        for marker, result, method, gap, lab in c["markers"]:
            actions.add_marker(
                actor=actor,
                diagnosis=patient.diagnoses.get(),
                marker=marker,
                other_name="TP53" if marker == "other" else "",
                result=result,
                method=method,
                lab=lab.strip(),
                date=None if gap is None else diagnosed + datetime.timedelta(days=gap),
            )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    children=st.lists(child, min_size=1, max_size=4),
    kind=st.sampled_from(["xlsx", "zip", "json"]),
)
def test_it_reads_back_any_registry_it_exports(personas, tmp_path, children, kind):
    number = next(_codes)
    source = Institution.objects.create(code=f"SRC{number}", name="Source")
    target = Institution.objects.create(code=f"DST{number}", name="Target")
    _build(source, children, personas["clinician"])
    out = io.BytesIO()
    if kind == "json":
        out.write("".join(fhir.bundle_chunks(source)).encode())
    else:
        (exports.write_xlsx if kind == "xlsx" else exports.write_zip)(source, out)
    path = tmp_path / f"registry-{number}.{kind}"
    path.write_bytes(out.getvalue())

    outcome = import_csv(path, target, actor=None)

    assert outcome.ok, outcome.errors[:5]
    if kind == "json":
        assert test_fhir_import._registry(target, source=False) == test_fhir_import._registry(
            source, source=True
        )
    else:
        assert _registry(target) == _registry(source)
