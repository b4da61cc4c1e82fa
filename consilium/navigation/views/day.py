"""The day list of the ward or day clinic: today's expected patients, tick who came."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from consilium.navigation import queries
from consilium.navigation.access import get_navigation_institution, record_read
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.views.common import refuse


def _day(value: str | None, default: datetime.date) -> datetime.date | None:
    if not value:
        return default
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def day_list(request: HttpRequest) -> HttpResponse:
    institution = get_navigation_institution(request.user, request.GET.get("institution"))
    today = plan_actions.local_today(institution)
    day = _day(request.GET.get("date"), today)
    if day is None:
        messages.error(request, _("That is not a date (YYYY-MM-DD)."))
        day = today
    if request.method == "POST":
        try:
            ids = [int(v) for v in request.POST.getlist("attended")]
        except ValueError:
            ids = None
        if ids is None:
            messages.error(request, _("Some of the visits ticked are not on this day's list."))
        elif not ids:
            messages.error(request, _("Tick the children who came."))
        else:
            try:
                count = plan_actions.mark_day(
                    actor=request.user,
                    institution=institution,
                    date=day,
                    attended=ids,
                    request=request,
                )
            except ValidationError as exc:
                refuse(request, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d visit marked attended.",
                        "%(count)d visits marked attended.",
                        count,
                    )
                    % {"count": count},
                )
        url = reverse("navigation:day")
        return redirect(f"{url}?institution={institution.code}&date={day.isoformat()}")
    record_read(request.user, "navigation.day_list_viewed", institution, request, day=day)
    return render(
        request,
        "navigation/day.html",
        {
            "institution": institution,
            "day": day,
            "today": today,
            "visits": queries.labelled(list(queries.day_visits(institution, day))),
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
        },
    )
