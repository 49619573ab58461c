"""The ticket's life (DESIGN.md §4): statuses, priority classes and which moves are legal."""

from __future__ import annotations

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
    "requeue": (frozenset({Status.CALLED, Status.SERVING}), Status.WAITING),
    "transfer": (frozenset({Status.WAITING, Status.CALLED, Status.SERVING}), Status.TRANSFERRED),
}


def can(action: str, status: str) -> bool:
    sources, _ = TRANSITIONS[action]
    return Status(status) in sources


def target(action: str) -> Status:
    return TRANSITIONS[action][1]
