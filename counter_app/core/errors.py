"""Expected problems, as typed exceptions carrying a translatable message.

Anything raised as a `LoketError` is something a user can understand and act on (bad input, no
permission, a locked database …): the CLI prints it and exits 2 (or 1 for a "no" answer), the
GUI shows it beside the field or in a dialog. Every other exception is a bug.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from counter_app.core.i18n import t


class Exit(IntEnum):
    """The command line's exit codes (DESIGN.md §7), named once."""

    DONE = 0  # it happened
    NO = 1  # the answer is "no" (an invalid receipt, a print that did not happen)
    BAD_INPUT = 2  # bad input, usage or an expected failure: nothing was written
    BUG = 3  # an unexpected error: a bug, logged with its traceback
    INTERRUPTED = 130  # Ctrl+C (128 + SIGINT, as shells report it)


class LoketError(Exception):
    """A problem the user can understand; `key` names the message in resources/i18n."""

    exit_code: int = Exit.BAD_INPUT

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang=lang, **self.params)

    def __str__(self) -> str:
        return self.message()


class ValidationError(LoketError):
    """Bad input; `field` says which one so a form can show it beside the field."""

    def __init__(self, key: str, /, field: str | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.field = field


class NotAllowed(LoketError):
    """The acting user's role does not permit this."""


class NotFound(LoketError):
    pass


class IllegalTransition(LoketError):
    """A ticket cannot move from its current status with this action."""


class AuthError(LoketError):
    pass


class StoreError(LoketError):
    """The database file cannot be used: locked, corrupt, full, read-only or too new."""


class NoAnswer(LoketError):
    """The answer is "no" (e.g. an invalid receipt): exit code 1, not a usage error."""

    exit_code = Exit.NO
