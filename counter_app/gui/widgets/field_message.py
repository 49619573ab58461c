"""The small line under a form field that says what is wrong with it (or a hint)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtGui import QTextLayout
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from counter_app.core.errors import ValidationError
from counter_app.gui.widgets.qt_names import set_by_name


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
    """Empty until a field has something to say. By default it keeps the room of `lines` lines
    whether empty or not, so a form being typed into never jumps (a click lands on the field
    the officer aimed at); a longer text is cut there and whole in the tooltip.
    `collapse=True` hides it while empty (long settings forms)."""

    def __init__(self, parent: QWidget | None = None, *, collapse: bool = False, lines: int = 2) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        # By name, not Qt.TextFormat / Qt.AlignmentFlag: the login shows one (gui/widgets/qt_names.py)
        set_by_name(self, "textFormat", "PlainText")  # messages quote what was typed
        set_by_name(self, "alignment", "AlignTop|AlignLeft")
        self.kind = ""
        self.collapse = collapse
        self.lines = lines
        self._full = ""
        self._role = ""
        if not collapse:
            self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2)
            if lines == 1:  # one line kept: a longer text is elided (whole in the tooltip)
                self.setWordWrap(False)
        # Not yet polished: its first show polishes it with the role set (no repolish now, which
        # would also build PySide's QStyle enums on the way to the login).
        self._set("", "field-hint", polished=False)

    def full_text(self) -> str:
        return self._full

    def text(self) -> str:  # type: ignore[override]
        """The whole message, also when the line shows it elided."""
        return self._full

    def _render(self) -> None:
        text = self._full
        if not self.collapse and self.width() > 0 and text:
            if self.lines == 1:
                from PySide6.QtCore import Qt  # here: an empty message needs no Qt (see __init__)

                text = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, self.width())
            else:
                text = self._cut(text, self.width())
        super().setText(text)

    def _cut(self, text: str, width: int) -> str:
        """The text wrapped as the label wraps it, its last kept line ending in "…" when more
        follows: a cut message says it is cut (whole in the tooltip), never stops mid-word."""
        from PySide6.QtCore import Qt

        layout = QTextLayout(text, self.font())
        layout.beginLayout()
        spans: list[tuple[int, int]] = []
        while len(spans) <= self.lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            spans.append((line.textStart(), line.textLength()))
        layout.endLayout()
        if len(spans) <= self.lines:
            return text
        kept = [text[start : start + length].rstrip() for start, length in spans[: self.lines - 1]]
        rest = text[spans[self.lines - 1][0] :].replace("\n", " ")
        kept.append(self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width))
        return "\n".join(kept)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._render()

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        if not self.collapse and self.lines == 1:
            hint.setWidth(0)  # elided: never widens its form
        return hint

    def sizeHint(self):
        hint = super().sizeHint()
        if not self.collapse and self.lines == 1:
            hint.setWidth(0)
        return hint

    def _set(self, text: str, role: str, *, polished: bool = True) -> None:
        self._full = text
        self._render()
        self.setToolTip(text)
        if self.collapse:
            self.setVisible(bool(text))
        if self._role != role:
            self._role = role
            self.setProperty("role", role)
            if polished:
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


def show_field_error(
    exc: ValidationError,
    editors: Mapping[str, QWidget],
    messages: Mapping[str, FieldMessage],
    parent: QWidget | None = None,
    *,
    aliases: Mapping[str, str] | None = None,
) -> bool:
    """The one way a form shows a refused value: beside its field (message, red border,
    focus there), or in the error dialog when the error names no field of this form.
    `aliases` maps a service's field name to the form's (`username` → `user`). True if the
    error went to a field."""
    key = exc.field or ""
    key = (aliases or {}).get(key, key)
    if key in editors and key in messages:
        messages[key].show_error(exc.message())
        mark_invalid(editors[key], True)
        from PySide6.QtCore import Qt

        editors[key].setFocus(Qt.FocusReason.OtherFocusReason)
        return True
    from counter_app.gui import error_dialog  # the window's error path (loaded with the GUI)

    error_dialog.report(exc, parent)
    return False
