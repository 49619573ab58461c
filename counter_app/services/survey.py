"""The satisfaction survey (SKM) at the counter: one visitor's answers for a served ticket.

`record` stores one response for a ticket that was served (one per ticket at most); the
respondent's profile (age band, sex, education, occupation) is kept only with consent. The
change writes its audit entry and outbox row (entity "survey") in the same transaction.

Its siblings: paper forms come in through services/survey_import.py, the index of a period
and the SKM report are services/skm_report.py, the arithmetic of the index is core/ikm.py,
demo answers are services/demo.py.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

import peewee
from uuid6 import uuid7

from counter_app.core import ikm as ikm_rules
from counter_app.core.clock import from_db, to_db
from counter_app.core.errors import ValidationError
from counter_app.core.ikm import ELEMENTS, PROFILE
from counter_app.core.roles import Permission
from counter_app.core.ticket_rules import Status
from counter_app.services import journal, tickets
from counter_app.services.context import Context
from counter_app.services.rows import fk_id, fk_id_or_none
from counter_app.store.models import SurveyResponse, Ticket, db

SOURCES = ("kiosk", "paper")
SUGGESTIONS_MAX = 1000

COLUMNS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")  # SurveyResponse's U1…U9


# ---- recording at the counter -------------------------------------------------------------


def _answers(answers: Mapping[str, Any]) -> dict[str, int | None]:
    unknown = set(answers) - set(ELEMENTS)
    if unknown:
        raise ValidationError("survey.element_unknown", field="answers", code=sorted(unknown)[0])
    out: dict[str, int | None] = {}
    for code in ELEMENTS:
        try:
            out[code] = ikm_rules.check_score(answers.get(code))
        except ValueError:
            raise ValidationError("survey.score", field=code, code=code, value=answers.get(code)) from None
    return out


def _profile(respondent: Mapping[str, Any] | None, consent: bool) -> dict[str, str | None]:
    respondent = {k: v for k, v in (respondent or {}).items() if v not in (None, "")}
    unknown = set(respondent) - set(PROFILE)
    if unknown:
        raise ValidationError("survey.profile_unknown", field=sorted(unknown)[0], name=sorted(unknown)[0])
    if respondent and not consent:
        raise ValidationError("survey.consent_needed", field="consent")
    out: dict[str, str | None] = dict.fromkeys(PROFILE)
    for name, value in respondent.items():
        if value not in PROFILE[name]:
            raise ValidationError("survey.profile_value", field=name, name=name, value=value)
        out[name] = value
    return out


def clean_suggestions(text: str | None) -> str:
    """Trimmed, one line per paragraph, no control characters, at most 1,000 characters."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch if unicodedata.category(ch) != "Cc" or ch == "\n" else " " for ch in text)
    text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    if len(text) > SUGGESTIONS_MAX:
        raise ValidationError("survey.suggestions_long", field="saran", max=SUGGESTIONS_MAX)
    return text


def has_response(ticket_id: str) -> bool:
    return SurveyResponse.select().where(SurveyResponse.ticket == ticket_id).exists()


def record(
    ctx: Context,
    ticket_id: str,
    answers: Mapping[str, Any],
    respondent: Mapping[str, Any] | None = None,
    consent: bool = False,
    suggestions: str = "",
) -> SurveyResponse:
    """Store the visitor's answers for a served ticket; a second response for it is refused."""
    ctx.actor.require(Permission.SERVE)
    scores = _answers(answers)
    if not ikm_rules.is_complete(scores):
        missing = [c for c in ELEMENTS if scores[c] is None]
        raise ValidationError("survey.incomplete", field=missing[0], code=missing[0])
    profile = _profile(respondent, consent)
    note = clean_suggestions(suggestions)
    with db.atomic():
        ticket = tickets.get(ticket_id, ctx)
        if ticket.status != Status.DONE.value:
            raise ValidationError("survey.not_served", field="ticket", code=ticket.code)
        if has_response(ticket.id):
            raise ValidationError("survey.already", field="ticket", code=ticket.code)
        row = new_row(
            ctx,
            ticket=ticket.id,
            day=ticket.day,
            service=fk_id(ticket, Ticket.service),
            counter=ticket.counter,
            scores=scores,
            profile=profile,
            suggestions=note,
            source="kiosk",
            consent=bool(consent),
        )
        try:
            row.save(force_insert=True)
        except peewee.IntegrityError:  # a second window answered at the same moment
            raise ValidationError("survey.already", field="ticket", code=ticket.code) from None
        journal.outbox(ctx.clock, "survey", row.id, "upsert", sync_payload(row))
        journal.audit(
            ctx.clock, ctx.actor.username, "survey.record", row.id, {"ticket": ticket.id, "code": ticket.code}
        )
    return row


def new_row(
    ctx: Context,
    *,
    ticket: str | None,
    day: date,
    service: str | None,
    counter: str | None,
    scores: Mapping[str, int | None],
    profile: Mapping[str, str | None],
    suggestions: str,
    source: str,
    consent: bool,
) -> SurveyResponse:
    """An unsaved response row (new uuid7, created now by the actor): the one shape both the
    counter (`record`) and the paper import (services/survey_import.py) store."""
    values: dict[str, Any] = {
        "id": str(uuid7()),
        "ticket": ticket,
        "day": day,
        "service": service,
        "counter": counter,
        "suggestions": suggestions,
        "source": source,
        "consent": consent,
        "created_at": to_db(ctx.clock.now()),
        "created_by": ctx.actor.username,
        **{col: scores[code] for col, code in zip(COLUMNS, ELEMENTS)},
        **profile,
    }
    return SurveyResponse(**values)


def sync_payload(row: SurveyResponse) -> dict[str, Any]:
    """What leaves this PC: answers, the profile (bands and classes only), the suggestions."""
    return {
        "id": row.id,
        "ticket_id": fk_id_or_none(row, SurveyResponse.ticket),
        "day": str(row.day),
        "service": fk_id_or_none(row, SurveyResponse.service),
        "counter": row.counter,
        "answers": row.answers(),
        "age_band": row.age_band,
        "sex": row.sex,
        "education": row.education,
        "occupation": row.occupation,
        "suggestions": row.suggestions,
        "source": row.source,
        "consent": bool(row.consent),
        "created_at": from_db(row.created_at).isoformat(),
    }
