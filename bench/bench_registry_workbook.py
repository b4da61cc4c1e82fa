"""Registry import of everything (issue 19): patients with 1.5 follow-up events, 2 treatments
and 1 marker each, as a .zip of CSV files and as an .xlsx workbook; time and peak memory of
one import into an empty institution. Peak memory is the import's own: the process's peak
is reset just before it (Linux), as setting up the database peaks higher than a small import.

With --reimport, the same file with 5% of its patients changed (their region, and the
protocol version of their first treatment) is then previewed as a hospital's monthly
re-export is: checked and compared with the registry, nothing written; the preview's time.

Targets at 100,000 patients (150,000 events, 200,000 treatments, 100,000 markers): under 90 s
and 400 MB; the .xlsx within 2x the CSV time; the preview of the re-import under 60 s.

Run: .venv/bin/python bench/bench_registry_workbook.py --rows 20000 --format zip
     .venv/bin/python bench/bench_registry_workbook.py --rows 20000 --format xlsx --reimport
(SQLite in a new data directory of its own; with DATABASE_URL set, that PostgreSQL database,
where the previous run's patients are deleted first.)"""

import argparse
import contextlib
import csv
import datetime
import io
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_setup import setup_django, write_csv


def _sheets(rows: int, folder: Path, *, changed: bool = False) -> dict[str, list[list]]:
    plain = folder / "plain.csv"
    write_csv(plain, rows)
    with plain.open(encoding="utf-8") as handle:
        patients = list(csv.reader(handle))
    header, body = patients[0], patients[1:]
    at = {name: i for i, name in enumerate(header)}
    events, treatments, markers = [], [], []
    for i, row in enumerate(body):
        number = row[at["hospital_number"]]
        moved = changed and i % 20 == 0  # 5% of the patients, in two sheets
        diagnosed = datetime.date.fromisoformat(row[at["diagnosis_date"]])
        contact = datetime.date.fromisoformat(row[at["last_contact"]])
        events.append([number, diagnosed + datetime.timedelta(days=30), "remission", "", ""])
        if i % 4 == 1:
            events.append([number, contact, "relapse", "", ""])
        if i % 4 == 3:
            row[at["vital_status"]] = "dead"
            events.append([number, contact, "death", "disease", ""])
        if moved:
            row[at["region"]] = "Huế"
        version = "2005" if moved else "2001"
        treatments.append([number, diagnosed, "", "chemotherapy", "curative", "SIOP", version])
        treatments.append(
            [number, diagnosed + datetime.timedelta(days=20), "", "surgery", "", "", ""]
        )
        markers.append([number, "MYCN", "", "not_detected", "fish", "", ""])
    return {
        "patients": [header, *body],
        "events": [["hospital_number", "date", "kind", "death_cause", "note"], *events],
        "treatments": [
            [
                "hospital_number",
                "start_date",
                "end_date",
                "modalities",
                "intent",
                "protocol_name",
                "protocol_version",
            ],
            *treatments,
        ],
        "markers": [
            ["hospital_number", "marker", "other_name", "result", "method", "lab", "date"],
            *markers,
        ],
    }


def write_zip(sheets: dict[str, list[list]], path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in sheets.items():
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            archive.writestr(f"{name}.csv", text.getvalue().encode())


def write_xlsx(sheets: dict[str, list[list]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(
                [
                    datetime.date.fromisoformat(v)
                    if isinstance(v, str) and len(v) == 10 and v[4] == "-"
                    else v
                    for v in row
                ]
            )
    book.save(path)


def _reset_peak() -> None:
    """The process's peak RSS starts again from its current size (Linux's clear_refs)."""
    with contextlib.suppress(OSError):  # not Linux: the process's peak, setup included
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kb) / 1024


def _write(sheets: dict[str, list[list]], path: Path) -> None:
    (write_zip if path.suffix == ".zip" else write_xlsx)(sheets, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--format", choices=("zip", "xlsx"), default="zip")
    parser.add_argument(
        "--reimport", action="store_true", help="then preview the file with 5%% changed"
    )
    args = parser.parse_args()
    setup_django(tempfile.mkdtemp(prefix="consilium-bench-workbook-"))

    from django.db import connection

    from consilium.network.models import Institution
    from consilium.registry.importer import import_csv
    from consilium.registry.models import Patient

    institution = Institution.objects.get(code="KHOSP")
    for _start in range(0, 10**9, 2000):  # a previous run's patients (PostgreSQL)
        ids = list(
            Patient.objects.filter(institution=institution).values_list("pk", flat=True)[:2000]
        )
        if not ids:
            break
        Patient.objects.filter(pk__in=ids).delete()
    with tempfile.TemporaryDirectory() as folder:
        sheets = _sheets(args.rows, Path(folder))
        counts = {name: len(rows) - 1 for name, rows in sheets.items()}
        path = Path(folder) / f"registry.{args.format}"
        _write(sheets, path)
        del sheets
        size = path.stat().st_size
        _reset_peak()
        before = _peak_mb()
        started, cpu = time.perf_counter(), time.process_time()
        outcome = import_csv(path, institution, actor=None)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _peak_mb()
        assert outcome.ok, outcome.errors[:5]
        print(
            f"Registry workbook import ({args.format}) on {connection.vendor}: "
            + ", ".join(f"{n:,} {name}" for name, n in counts.items())
            + f" ({size / 1e6:.1f} MB) in {seconds:.1f} s ({cpu:.1f} s of this process's CPU);"
            f" peak RSS {peak:.0f} MB"
            f" (at its start {before:.0f} MB)"
        )
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        if args.reimport:
            again = Path(folder) / f"again.{args.format}"
            _write(_sheets(args.rows, Path(folder), changed=True), again)
            _reset_peak()
            before = _peak_mb()
            started, cpu = time.perf_counter(), time.process_time()
            preview = import_csv(again, institution, actor=None, apply=False)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = _peak_mb()
            assert preview.ok, preview.errors[:5]
            shown = preview.preview()
            print(
                f"Re-import preview ({args.format}) on {connection.vendor}, 5% changed: "
                f"{shown['new']:,} new, {shown['changed']:,} changed, "
                f"{shown['unchanged']:,} unchanged in {seconds:.1f} s ({cpu:.1f} s of this"
                f" process's CPU); peak RSS {peak:.0f} MB"
                f" (at its start {before:.0f} MB)"
            )
            print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
