"""The worker's half of the email gateway: the SMTP receiver stores, this processes."""

from django_tasks import task

from consilium.consultations import inbound


@task(queue_name="default")
def process_inbound(*, inbound_id: int) -> str:
    """Process one stored inbound email; a second run finds it processed and does nothing."""
    return inbound.process(inbound_id).status
