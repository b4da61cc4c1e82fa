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

from consilium.navigation import queries, sections
from consilium.navigation.access import get_navigation_institution, record_read
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.views.common import patient_url_prefix, refuse

DAY_ROWS = 100


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
    page_asked = request.GET.get("page") or "1"
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
        back = f"{url}?institution={institution.code}&date={day.isoformat()}"
        # Back to the page ticked (checked against the list when it is shown).
        page = page_asked if page_asked.isascii() and page_asked.isdigit() else "1"
        return redirect(f"{back}&page={page[:9]}" if page != "1" else back)
    # A big day clinic expects hundreds a day: the list is paged by pseudonym, so ticking a
    # page is a screenful and the page costs the same whatever the day holds.
    total = queries.day_count(institution, day)
    pages = sections.page_count(total, DAY_ROWS)
    number = sections.page_number(page_asked, pages)
    no_such_page = ""
    if number is None:
        no_such_page = page_asked[:20]
        number = sections.nearest_page(page_asked, pages)
    record_read(
        request.user, "navigation.day_list_viewed", institution, request, day=day, page=number
    )
    return render(
        request,
        "navigation/day.html",
        {
            "institution": institution,
            "day": day,
            "today": today,
            "visits": queries.day_rows(institution, day, (number - 1) * DAY_ROWS, DAY_ROWS),
            "total": total,
            "page": number,
            "pages": pages,
            "no_such_page": no_such_page,
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
            "patient_url": patient_url_prefix(),
        },
    )
