"""The small line under a form field that says what is wrong with it (or a hint)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def is_invalid(widget: QWidget) -> bool:
    # Kept on the Python side: reading an unset Qt property thousands of times crashes
    # PySide6 6.12 (a None reference-count bug), and this runs on every keystroke.
    return bool(getattr(widget, "_loket_invalid", False))


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Red border on a field (stylesheet property `invalid`)."""
    if is_invalid(widget) != invalid:
        widget._loket_invalid = invalid  # type: ignore[attr-defined]
        widget.setProperty("invalid", invalid)
        _repolish(widget)


class FieldMessage(QLabel):
    """Empty until a field has something to say. By default it keeps its line so a form being
    typed into does not jump; `collapse=True` hides it while empty (long settings forms)."""

    def __init__(self, parent: QWidget | None = None, *, collapse: bool = False) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.kind = ""
        self.collapse = collapse
        self._role = ""
        self._set("", "field-hint")
        if not collapse:
            self.setMinimumHeight(self.fontMetrics().height())

    def _set(self, text: str, role: str) -> None:
        self.setText(text)
        if self.collapse:
            self.setVisible(bool(text))
        if self._role != role:
            self._role = role
            self.setProperty("role", role)
            _repolish(self)

    def show_error(self, text: str) -> None:
        self.kind = "error"
        self._set(text, "field-error")

    def show_warning(self, text: str) -> None:
        self.kind = "warning"
        self._set(text, "field-warning")

    def show_ok(self, text: str) -> None:
        self.kind = "ok"
        self._set(text, "field-ok")

    def show_hint(self, text: str) -> None:
        self.kind = "hint" if text else ""
        self._set(text, "field-hint")

    def clear(self) -> None:  # type: ignore[override]
        self.kind = ""
        self._set("", "field-hint")


def field_form(
    keys: Iterable[str], editors: Mapping[str, QWidget], form: QFormLayout | None = None
) -> tuple[QFormLayout, dict[str, QLabel], dict[str, FieldMessage]]:
    """A form whose every field has its label and, under the editor, its own message line
    (validation messages appear beside the field they are about)."""
    form = form or QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    labels: dict[str, QLabel] = {}
    messages: dict[str, FieldMessage] = {}
    for key in keys:
        labels[key] = QLabel()
        messages[key] = FieldMessage(collapse=True)
        box = QVBoxLayout()
        box.setSpacing(1)
        box.addWidget(editors[key])
        box.addWidget(messages[key])
        form.addRow(labels[key], box)
    return form, labels, messages
