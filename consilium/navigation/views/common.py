"""What the navigation views share: turning a refused change into a message."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse


def refuse(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def form_errors(request: HttpRequest, form) -> None:
    texts = [
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
        for name, errs in form.errors.items()
    ]
    messages.error(request, " ".join(texts))


def patient_url_prefix() -> str:
    """The patient page's address without its id, for lists that link every row: a {% url %}
    per row was a tenth of a long list's rendering time."""
    return reverse("navigation:patient", kwargs={"pk": 0}).removesuffix("0/")
