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
