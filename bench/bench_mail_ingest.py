"""Mail ingestion through SMTP: realistic replies, each with a small phone photo, to a real
consultation, over several parallel SMTP connections to `consilium smtpd`.

Target (issue 5): at least 50 accepted messages per second through SMTP on this machine.
Also timed, separately: processing what was stored (`consilium worker --batch`: the
process_inbound tasks, with de-identification of every photo, the audit log and the
notifications each new message sends).

Run: .venv/bin/python bench/bench_mail_ingest.py [--messages 2000] [--connections 8]

Everything runs on SQLite in a temporary data directory of its own (migrated first with
`consilium migrate`); the consultation is made through the actions, the reply addresses are
the ones notifications carry. Outgoing mail goes to the data directory's outbox.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSILIUM = [sys.executable, "-m", "consilium"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="Keep the data directory.")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="consilium-bench-mail-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "CONSILIUM_EMAIL_HOST"}
    }
    env.update(
        CONSILIUM_DATA_DIR=str(data_dir),
        CONSILIUM_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="consilium.settings",
    )
    os.environ.clear()
    os.environ.update(env)
    try:
        run(args, data_dir, env)
    finally:
        if args.keep:
            print(f"data directory kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def run(args: argparse.Namespace, data_dir: Path, env: dict[str, str]) -> None:
    subprocess.run([*CONSILIUM, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    expert, consultation, replies = prepare(args.messages)
    connection.close()  # the receiver and the worker are other processes
    size = sum(len(raw) for _address, raw in replies) / len(replies)
    print(
        f"{len(replies)} replies by {expert.email} to consultation #{consultation.pk}, "
        f"{size / 1024:.1f} KiB each on average (text, HTML, quoted original, JPEG with EXIF)"
    )

    port = free_port()
    receiver = subprocess.Popen(
        [*CONSILIUM, "smtpd", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for(port, receiver)
        accepted, failed, elapsed = send_all(port, expert.email, replies, args.connections)
    finally:
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(60)
    load = os.getloadavg()[0]
    rate = accepted / elapsed
    verdict = "meets" if rate >= 50 and not failed else "MISSES"
    print(
        f"SMTP: {accepted} accepted (250 after the commit), {failed} not, in {elapsed:.2f} s "
        f"over {args.connections} connections: {rate:.0f} messages/s ({verdict} the target of "
        f"50/s); load average {load:.1f} on {os.cpu_count()} CPUs"
    )

    started = time.perf_counter()
    subprocess.run([*CONSILIUM, "worker", "--batch", "--verbosity", "0"], env=env, check=True)
    worker_seconds = time.perf_counter() - started
    report_processing(worker_seconds)


def prepare(count: int):
    """A consultation made through the actions, and ``count`` replies from its expert."""
    import datetime

    from consilium.consultations.actions import request_consultation
    from consilium.consultations.mail import notify
    from consilium.core.demo_data import load_foundation
    from consilium.network import actions as network_actions
    from consilium.network.models import AreaKind, Institution, PartnershipStatus
    from consilium.registry.actions import register_patient
    from consilium.registry.validation import DiagnosisData, IdentityData, PatientData

    personas = load_foundation()
    vnch, curie = Institution.objects.get(code="VNCH"), Institution.objects.get(code="CURIE")
    network_actions.create_partnership(
        actor=personas["coordinator"],
        title="VNCH – Institut Curie",
        institutions=[vnch, curie],
        valid_from=datetime.date(2024, 12, 2),
        valid_until=datetime.date(2029, 12, 1),
        signed_on=datetime.date(2024, 12, 2),
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "Case discussion"},
    )
    patient = register_patient(
        actor=personas["clinician"],
        institution=vnch,
        identity=IdentityData(
            name="Nguyễn Văn An",
            birth_date=datetime.date(2021, 3, 14),
            hospital_number="BN-2024-77123",
        ),
        patient=PatientData(
            sex="male", region="Hà Nội", consent_status="given", consent_date=datetime.date.today()
        ),
        diagnosis=DiagnosisData(
            date=datetime.date(2024, 5, 2),
            topography="C740",
            morphology="9500",
            behaviour="3",
            basis_of_diagnosis="7",
            stage_tumour="neuroblastoma",
            stage_tier=2,
            stage_value="M",
        ),
        confirm_duplicate=True,
    )
    consultation = request_consultation(
        actor=personas["clinician"],
        patient=patient,
        expert_institution=curie,
        question="High-risk neuroblastoma, MYCN amplified: is tandem HDCT feasible here?",
        urgency="routine",
        specialty="neuroblastoma",
    )
    expert = personas["expert"]
    address = notify.reply_address(consultation, expert)
    rng = random.Random(5)
    replies = [(address, reply(expert, address, n, photo(rng))) for n in range(count)]
    return expert, consultation, replies


def photo(rng: random.Random) -> bytes:
    """A small phone photo (320 x 240 JPEG, about 10 KiB) with camera and GPS EXIF."""
    from PIL import Image

    image = Image.new("RGB", (320, 240), (rng.randrange(256), 80, 80))
    for _ in range(40):
        x, y = rng.randrange(300), rng.randrange(220)
        image.paste((rng.randrange(256), rng.randrange(256), 90), (x, y, x + 20, y + 20))
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 13"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (48.0, 50.0, 38.0), 3: "E", 4: (2.0, 20.0, 56.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


QUOTED = """\
> Dear Dr Claire Martin,
>
> Vietnam National Children's Hospital asks for your advice.
>
> Patient: VNCH-2024-0001 (Male)
> Urgency: Routine · neuroblastoma
>
> Question:
> High-risk neuroblastoma, MYCN amplified: is tandem HDCT feasible here?
>
> --
> Open the consultation: http://127.0.0.1:8000/consultations/1/
"""


def reply(expert, address: str, n: int, jpeg: bytes) -> bytes:
    """A Gmail-shaped reply: text and HTML alternatives quoting the notification, one photo."""
    text = (
        f"Bonjour,\n\nVoici la photo n° {n} de la lésion, prise ce matin. La masse paraît "
        "plus petite après la cure 2.\n\nClaire"
    )
    msg = EmailMessage()
    msg["From"] = f"{expert.full_name} <{expert.email}>"
    msg["To"] = address
    msg["Subject"] = "Re: [Consilium VNCH-2024-0001] Consultation request"
    msg["Date"] = format_datetime(datetime_now())
    msg["Message-ID"] = make_msgid(idstring=f"bench{n}", domain="mail.gmail.com")
    msg["In-Reply-To"] = "<consultation-1@consilium.localhost>"
    msg["References"] = "<consultation-1@consilium.localhost>"
    attribution = "Le lun. 3 juin 2024 à 10:00, Consilium <consilium@localhost> a écrit :"
    msg.set_content(f"{text}\n\n{attribution}\n\n{QUOTED}")
    msg.add_alternative(
        f'<div dir="ltr">{text.replace(chr(10), "<br>")}</div><div class="gmail_quote">'
        f'{attribution}<blockquote class="gmail_quote">{QUOTED}</blockquote></div>',
        subtype="html",
    )
    msg.add_attachment(jpeg, maintype="image", subtype="jpeg", filename=f"IMG_{4000 + n}.jpg")
    return msg.as_bytes(policy=policy.SMTP)  # CRLF, as mail servers send it


def datetime_now():
    import datetime

    return datetime.datetime.now(datetime.UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("consilium smtpd exited while starting")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("consilium smtpd did not start")


def send_all(port: int, sender: str, replies, connections: int) -> tuple[int, int, float]:
    """Each connection sends its share, one SMTP transaction per message."""
    counts = {"accepted": 0, "failed": 0}
    lock = threading.Lock()

    def worker(share) -> None:
        accepted = failed = 0
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for address, raw in share:
                try:
                    smtp.sendmail(sender, [address], raw)
                    accepted += 1
                except smtplib.SMTPException as exc:
                    print(f"not accepted: {exc}", file=sys.stderr)
                    failed += 1
        with lock:
            counts["accepted"] += accepted
            counts["failed"] += failed

    threads = [
        threading.Thread(target=worker, args=(replies[i::connections],)) for i in range(connections)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["accepted"], counts["failed"], time.perf_counter() - started


def report_processing(worker_seconds: float) -> None:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from consilium.consultations.models import Attachment, InboundEmail, Message

    statuses = dict(InboundEmail.objects.values_list("status").annotate(n=Count("pk")).order_by())
    tasks = DBTaskResult.objects.filter(
        task_path="consilium.consultations.mail.inbound.process_inbound"
    )
    durations = [
        (t.finished_at - t.started_at).total_seconds()
        for t in tasks
        if t.finished_at and t.started_at
    ]
    other = DBTaskResult.objects.exclude(pk__in=tasks.values("pk")).count()
    processed = len(durations)
    in_tasks = sum(durations)
    print(
        f"Processing: `consilium worker --batch` ran {processed} process_inbound and {other} "
        f"other tasks (notifications) in {worker_seconds:.1f} s; process_inbound alone took "
        f"{in_tasks:.1f} s: {processed / in_tasks:.0f} messages/s "
        f"({1000 * in_tasks / processed:.1f} ms each), {processed / worker_seconds:.0f}/s "
        "with the notifications"
    )
    print(
        f"Stored: {sum(statuses.values())} ({statuses}); messages in the thread: "
        f"{Message.objects.count()}; de-identified photos: "
        f"{Attachment.objects.filter(deidentified=True).count()}"
    )


if __name__ == "__main__":
    main()
