"""A service chooser you can type into: `ktp`, `paspor` or a code finds the service."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from counter_app.services.views import ServiceView


def service_label(service: ServiceView, lang: str) -> str:
    return f"{service.letter} · {service.name(lang)}"


class ServicePicker(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        completer = QCompleter(self.model(), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self._codes: list[str] = []

    def set_services(self, services: Sequence[ServiceView], lang: str) -> None:
        keep = self.code()
        self.blockSignals(True)
        self.clear()
        self._codes = [s.code for s in services]
        for s in services:
            self.addItem(service_label(s, lang), s.code)
        self.blockSignals(False)
        self.select(keep)

    def select(self, code: str | None) -> None:
        index = self._codes.index(code) if code in self._codes else -1
        self.setCurrentIndex(index)
        if index < 0:
            self.setEditText("")

    def code(self) -> str | None:
        """The service the text names, or None if it names none (or several)."""
        text = " ".join(self.currentText().split())
        if not text:
            return None
        index = self.currentIndex()
        if index >= 0 and self.itemText(index) == text:
            return self._codes[index]
        folded = text.casefold()
        for i, code in enumerate(self._codes):
            if code.casefold() == folded or self.itemText(i).casefold() == folded:
                return code
        hits = [c for i, c in enumerate(self._codes) if folded in self.itemText(i).casefold()]
        return hits[0] if len(hits) == 1 else None

    def settle(self) -> str | None:
        """Show the chosen service's own label (after typing part of it); return its code."""
        code = self.code()
        if code is not None:
            self.select(code)
        return code
