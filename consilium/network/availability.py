"""Who is away when: used by the directory and by consultation assignment."""

import datetime

from django.db.models import Exists, OuterRef, QuerySet

from consilium.accounts.models import User
from consilium.network.models import Absence


def with_away_flag(users: QuerySet[User], day: datetime.date) -> QuerySet[User]:
    away = Absence.objects.filter(user=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day)
    return users.annotate(is_away=Exists(away))


def available_on(users: QuerySet[User], day: datetime.date) -> QuerySet[User]:
    return with_away_flag(users, day).filter(is_away=False)
