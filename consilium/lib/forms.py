from django import forms
from django.core.exceptions import ValidationError


def add_action_errors(form: forms.Form, error: ValidationError) -> None:
    """Show an action's ValidationError on the form: on its field when the form has one,
    at the top otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def error_messages(error: ValidationError) -> dict[str, list[str]]:
    """An action's ValidationError as the API's `errors` object: messages by field, with
    errors about the whole object under "__all__"."""
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}
