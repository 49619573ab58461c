"""The ticket's life (DESIGN.md §4): statuses, priority classes and which moves are legal."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"


ACTIVE = frozenset({Status.WAITING, Status.CALLED, Status.SERVING})
FINAL = frozenset(Status) - ACTIVE


class Priority(StrEnum):
    """Layanan khusus. Only the class is stored, never a reason or diagnosis."""

    GENERAL = ""
    ELDERLY = "lansia"
    DISABILITY = "disabilitas"
    PREGNANT = "ibu_hamil"  # ibu hamil/menyusui
    CHILD = "anak"
    DISASTER = "korban_bencana"


# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "call": (frozenset({Status.WAITING}), Status.CALLED),
    "recall": (frozenset({Status.CALLED}), Status.CALLED),
    "start": (frozenset({Status.CALLED}), Status.SERVING),
    "finish": (frozenset({Status.SERVING}), Status.DONE),
    "no_show": (frozenset({Status.CALLED}), Status.NO_SHOW),
    "cancel": (frozenset({Status.WAITING, Status.CALLED}), Status.CANCELLED),
    # A no-show visitor who comes back late goes back in the queue (same day, audited).
    "requeue": (frozenset({Status.CALLED, Status.SERVING, Status.NO_SHOW}), Status.WAITING),
    "transfer": (frozenset({Status.WAITING, Status.CALLED, Status.SERVING}), Status.TRANSFERRED),
}


IN_HAND = frozenset({Status.CALLED, Status.SERVING})  # at most one per counter


def no_show_ready(
    call_count: int,
    first_called_at: datetime | None,
    now: datetime,
    *,
    calls_needed: int,
    grace_minutes: int,
) -> bool:
    """No-show only after N calls AND a grace time since the first call: a visitor walking
    over from the far end of the hall must not lose the place in three seconds."""
    if call_count < calls_needed:
        return False
    if first_called_at is None:
        return grace_minutes <= 0
    return now - first_called_at >= timedelta(minutes=grace_minutes)


def can(action: str, status: str) -> bool:
    sources, _ = TRANSITIONS[action]
    return Status(status) in sources


def target(action: str) -> Status:
    return TRANSITIONS[action][1]
