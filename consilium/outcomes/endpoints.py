"""The survival endpoints: which follow-up events end a child's time, and which censor it.

Time runs from the date of the patient's first primary diagnosis (the earliest Diagnosis) to
the first event of the endpoint; a child with none is censored at the last contact. Events
are the patient's follow-up events whatever diagnosis they are attached to.

========================  =================================================  ================
endpoint                  event (the first of)                               censored early
========================  =================================================  ================
os                        death                                              -
efs                       relapse, progression, second cancer, death         -
as_os                     death, treatment abandonment                       -
as_efs                    relapse, progression, second cancer, death,        -
                          treatment abandonment
os_abandon_censored       death                                              at abandonment
efs_abandon_censored      relapse, progression, second cancer, death         at abandonment
========================  =================================================  ================

"as" is abandonment-sensitive: a child who abandons treatment is counted as failing on that
day, the convention of LMIC registries (Friedrich et al., Lancet Oncol 2015) because most such
children die unrecorded. The "abandon-censored" variants show the other bound: follow-up ends
at abandonment without an event. When an event and an abandonment fall on the same day, the
event counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from consilium.registry.models import EventKind

_EFS_EVENTS = frozenset(
    {EventKind.RELAPSE, EventKind.PROGRESSION, EventKind.SECOND_CANCER, EventKind.DEATH}
)


class Endpoint(TextChoices):
    OS = "os", _("Overall survival")
    EFS = "efs", _("Event-free survival")
    AS_OS = "as_os", _("Abandonment-sensitive overall survival")
    AS_EFS = "as_efs", _("Abandonment-sensitive event-free survival")
    OS_ABANDON_CENSORED = "os_abandon_censored", _("Overall survival, abandonment censored")
    EFS_ABANDON_CENSORED = "efs_abandon_censored", _("Event-free survival, abandonment censored")


@dataclass(frozen=True)
class Definition:
    events: frozenset[str]
    censoring: frozenset[str] = frozenset()

    @property
    def kinds(self) -> frozenset[str]:
        return self.events | self.censoring


_ABANDONMENT = frozenset({EventKind.ABANDONMENT})

DEFINITIONS: dict[str, Definition] = {
    Endpoint.OS: Definition(frozenset({EventKind.DEATH})),
    Endpoint.EFS: Definition(_EFS_EVENTS),
    Endpoint.AS_OS: Definition(frozenset({EventKind.DEATH}) | _ABANDONMENT),
    Endpoint.AS_EFS: Definition(_EFS_EVENTS | _ABANDONMENT),
    Endpoint.OS_ABANDON_CENSORED: Definition(frozenset({EventKind.DEATH}), _ABANDONMENT),
    Endpoint.EFS_ABANDON_CENSORED: Definition(_EFS_EVENTS, _ABANDONMENT),
}


def parse_endpoint(value: str) -> Endpoint:
    """Accept the CLI spelling with hyphens (``as-os``) as well as the stored one."""
    normalised = value.strip().lower().replace("-", "_")
    try:
        return Endpoint(normalised)
    except ValueError:
        choices = ", ".join(e.value.replace("_", "-") for e in Endpoint)
        raise ValueError(f"unknown endpoint {value!r}; choose one of {choices}") from None
