from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consilium.accounts.actions import update_profile
from consilium.accounts.forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            update_profile(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile has been saved."))
            return redirect("profile")
    else:
        form = ProfileForm.for_user(request.user)
    return render(request, "accounts/profile.html", {"form": form})
