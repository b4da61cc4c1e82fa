"""The commands an expert or a clinician can write on the first line of a reply.

    #accept                      (any text below it is posted in the thread too)
    #decline reason              (the reason may also be on the following lines)
    #recommend                   then labelled lines, each value running to the next label:
        Diagnosis: ...  Stage: ...  Treatment: ...  Investigations: ...  Feasibility: ...
    #followed fully|partly|not [reason words]   (lines below are the note)

Anything else is an ordinary message. Pure text in, a ``Command`` out: no database here, so
the gateway can turn a ``CommandError`` into a bounce that says what to write instead.
Labels and words are accepted in the network's languages (English, French, Russian,
Vietnamese, Uzbek), because the notification that taught them is sent in the reader's
language (consultations/email/_expert_commands.txt shows the labels of LABEL_WORDS, translated).
Uzbek's apostrophe is typed in several shapes (' ʻ ‘ ’ ʼ); all are read as the ASCII one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from consilium.consultations.models import Adherence, NonAdherenceReason

__all__ = ["Command", "CommandError", "Kind", "parse"]

MAX_DECLINE_REASON = 300


class Kind(StrEnum):
    MESSAGE = "message"
    ACCEPT = "accept"
    DECLINE = "decline"
    RECOMMEND = "recommend"
    FOLLOWED = "followed"


COMMANDS = ("accept", "decline", "recommend", "followed")


@dataclass(frozen=True)
class Command:
    kind: Kind
    # Free text to post in the thread: the whole reply for a message, the text around an
    # #accept or before the first #recommend label.
    text: str = ""
    reason: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    adherence: str = ""
    reasons: tuple[str, ...] = ()
    note: str = ""


class CommandError(ValueError):
    """The command cannot be understood; ``message`` tells the sender what to write."""

    def __init__(self, message: Promise | str) -> None:
        self.message = message
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)


_COMMAND_RE = re.compile(r"^#([^\W\d_]+)(?=[\s.,;:!]|$)[.,;:!]*(.*)$")

# Recommendation labels -> Recommendation field.
_LABELS = {
    "diagnostic_opinion": (
        "diagnosis", "diagnostic opinion", "diagnostic", "avis diagnostique",
        "диагноз", "диагностическое заключение",
        "chẩn đoán", "ý kiến chẩn đoán",
        "tashxis", "tashxis fikri",
    ),
    "stage_risk_opinion": (
        "stage", "stage and risk", "stage/risk", "risk", "stade", "stade et risque", "risque",
        "стадия", "стадия и риск", "группа риска", "риск",
        "giai đoạn", "giai đoạn và nguy cơ", "nhóm nguy cơ", "nguy cơ",
        "bosqich", "bosqich va xavf", "xavf guruhi", "xavf",
    ),
    "recommended_treatment": (
        "treatment", "recommended treatment", "traitement", "traitement recommandé",
        "лечение", "рекомендуемое лечение",
        "điều trị", "điều trị khuyến nghị",
        "davolash", "tavsiya etilgan davolash",
    ),
    "further_investigations": (
        "investigations", "further investigations", "examens", "examens complémentaires",
        "обследования", "обследование", "дополнительные обследования",
        "xét nghiệm", "xét nghiệm thêm", "cận lâm sàng",
        "tekshiruvlar", "tekshiruv", "qo'shimcha tekshiruvlar",
    ),
    "local_feasibility": (
        "feasibility", "local feasibility", "faisabilité", "faisabilite", "faisabilité locale",
        "возможности", "выполнимость", "возможности на месте",
        "khả năng", "khả năng thực hiện", "khả năng tại chỗ",
        "imkoniyat", "imkoniyatlar", "mahalliy imkoniyatlar",
    ),
}  # fmt: skip
APOSTROPHES = "'ʻ‘’ʼ`"


def _pattern(word: str) -> str:
    return re.escape(word).replace("'", f"[{APOSTROPHES}]")


_LABEL_RE = re.compile(
    r"^\s*(?:[-*•]\s*)?\**\s*(?P<label>"
    + "|".join(
        _pattern(label)
        for label in sorted((lab for labs in _LABELS.values() for lab in labs), key=len)[::-1]
    )
    + r")\s*\**\s*[:：]\s*\**\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_FIELD_OF_LABEL = {label: name for name, labels in _LABELS.items() for label in labels}

_ADHERENCE = {
    Adherence.FULLY: (
        "fully", "full", "yes", "completely", "entièrement", "complètement", "totalement",
        "oui", "полностью", "да", "hoàn toàn", "có", "to'liq", "ha",
    ),
    Adherence.PARTLY: (
        "partly", "partially", "partial", "en partie", "partiellement", "частично",
        "một phần", "qisman",
    ),
    Adherence.NOT: ("not", "no", "non", "pas", "нет", "không", "yo'q"),
}  # fmt: skip
_ADHERENCE_RE = re.compile(
    r"^(?P<word>"
    + "|".join(
        _pattern(w) for w in sorted((w for ws in _ADHERENCE.values() for w in ws), key=len)[::-1]
    )
    + r")(?=[\s,;:.]|$)(?P<rest>.*)$",
    re.IGNORECASE,
)
_ADHERENCE_OF_WORD = {w: value for value, words in _ADHERENCE.items() for w in words}

# The words of the "Reasons:" line of the follow-up email, in its languages.
_REASON_PATTERNS = {
    NonAdherenceReason.DRUG: r"drugs?|medicines?|medications?|médicaments?|medicaments?|"
    r"лекарств\w*|препарат\w*|thuốc",
    NonAdherenceReason.EQUIPMENT: r"equipment|machines?|devices?|services?|équipements?|"
    r"equipements?|оборудовани\w*|аппарат\w*|thiết bị",
    NonAdherenceReason.COST: r"costs?|money|prices?|expensive|coûts?|couts?|prix|"
    r"стоимост\w*|деньг\w*|дорог\w*|chi phí|tiền",
    NonAdherenceReason.FAMILY: r"family|parents?|famille|семь\w*|родител\w*|gia đình",
    NonAdherenceReason.CLINICAL_CHANGE: r"clinical|clinique|клиническ\w*|lâm sàng",
    NonAdherenceReason.DISAGREED: r"disagreed?|disagreement|désaccord|desaccord|"
    r"несоглас\w*|не соглас\w*|không đồng ý",
    NonAdherenceReason.OTHER: r"other|autres?|другое|другая|khác",
}
_REASON_RES = [
    (reason, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE))
    for reason, pattern in _REASON_PATTERNS.items()
]
# Words of the phrases above that carry no reason of their own ("drug not available").
_FILLER_RE = re.compile(
    r"(?<!\w)(?:not|no|available|unavailable|decision|decided|change|changed|situation|the|a|"
    r"an|of|and|or|non|pas|disponibles?|indisponibles?|décision|changement|de|la|le|les|du|"
    r"et|ou|нет|не|доступ\w*|решени\w*|изменени\w*|ситуаци\w*|и|или|không có|không|có|sẵn|"
    r"quyết định|thay đổi|và)(?!\w)",
    re.IGNORECASE,
)
REASON_WORDS = "drug, equipment, cost, family, clinical, disagreed, other"


def parse(reply_text: str) -> Command:
    """The command on the first non-empty line of ``reply_text``, or a plain message."""
    lines = reply_text.replace("\r\n", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return Command(Kind.MESSAGE, text="")
    match = _COMMAND_RE.match(lines[first].strip())
    if not match:
        return Command(Kind.MESSAGE, text=reply_text.strip())
    word, rest_of_line = match.group(1).lower(), match.group(2).strip()
    below = "\n".join(lines[first + 1 :]).strip()
    if word == "accept":
        return Command(Kind.ACCEPT, text=_join(rest_of_line, below))
    if word == "decline":
        return _decline(_join(rest_of_line, below))
    if word == "recommend":
        return _recommend([rest_of_line, *lines[first + 1 :]])
    if word == "followed":
        return _followed(rest_of_line, below)
    near = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.75)
    if near:
        raise CommandError(
            format_lazy(
                _(
                    "The first line of your reply, #{word}, is not a command Consilium knows. "
                    "Did you mean #{near}? The commands are #accept, #decline, #recommend and "
                    "#followed."
                ),
                word=word,
                near=near[0],
            )
        )
    # "#MYCN amplified" is clinical prose, not a mistyped command.
    return Command(Kind.MESSAGE, text=reply_text.strip())


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p).strip()


def _decline(reason: str) -> Command:
    if not reason:
        raise CommandError(
            _(
                "To decline, write the reason after the command, for example: "
                "#decline I am away until next month."
            )
        )
    if len(reason) > MAX_DECLINE_REASON:
        raise CommandError(
            format_lazy(
                _(
                    "The reason for declining is longer than {limit} characters. Please "
                    "shorten it, or decline on the consultation page."
                ),
                limit=MAX_DECLINE_REASON,
            )
        )
    return Command(Kind.DECLINE, reason=reason)


def _recommend(lines: list[str]) -> Command:
    preamble: list[str] = []
    values: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        match = _LABEL_RE.match(line)
        if match:
            current = _FIELD_OF_LABEL[_normalise_label(match.group("label"))]
            values.setdefault(current, [])
            if values[current]:
                values[current].append("")
            values[current].append(match.group("value").rstrip())
        elif current is None:
            preamble.append(line)
        else:
            values[current].append(line.rstrip())
    fields = {name: "\n".join(v).strip() for name, v in values.items()}
    fields = {name: value for name, value in fields.items() if value}
    if not fields:
        raise CommandError(
            _(
                "#recommend needs the recommendation on the lines below it, each starting with "
                "its label: Diagnosis:, Stage:, Treatment:, Investigations:, Feasibility:."
            )
        )
    return Command(Kind.RECOMMEND, text="\n".join(preamble).strip(), fields=fields)


def _normalise_label(label: str) -> str:
    for mark in APOSTROPHES[1:]:
        label = label.replace(mark, "'")
    return " ".join(label.lower().split())


def _followed(rest_of_line: str, below: str) -> Command:
    match = _ADHERENCE_RE.match(rest_of_line)
    if not match:
        raise CommandError(
            format_lazy(
                _(
                    "After #followed, write fully, partly or not, and for partly or not the "
                    "reasons, for example: #followed partly drug cost. Reasons: {words}."
                ),
                words=REASON_WORDS,
            )
        )
    adherence = _ADHERENCE_OF_WORD[_normalise_label(match.group("word"))]
    words = match.group("rest").strip(" ,;:.")
    reasons: list[str] = []
    leftover = words
    for reason, pattern in _REASON_RES:
        if pattern.search(leftover):
            reasons.append(reason.value)
            leftover = pattern.sub(" ", leftover)
    leftover = _FILLER_RE.sub(" ", leftover)
    unexplained = bool(re.sub(r"[\W_]+", "", leftover))
    # Words we could not map are kept in the note, so nothing the sender wrote is lost.
    note = _join(words if unexplained else "", below)
    if adherence != Adherence.FULLY and not reasons:
        raise CommandError(
            format_lazy(
                _(
                    "Say why the recommendation was not fully followed, after the answer, "
                    "for example: #followed not drug. Reasons: {words}."
                ),
                words=REASON_WORDS,
            )
        )
    if adherence == Adherence.FULLY:
        reasons = []
    return Command(
        Kind.FOLLOWED, adherence=adherence.value, reasons=tuple(dict.fromkeys(reasons)), note=note
    )
