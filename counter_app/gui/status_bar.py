"""The status bar: counter and officer, database, printer, last nightly sync, clock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from counter_app.core.clock import local_time_text
from counter_app.core.i18n import t
from counter_app.core.roles import Actor
from counter_app.gui import theme


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.officer_label = QLabel()
        self.database_label = QLabel()
        self.printer_label = QLabel()
        self.sync_label = QLabel()
        self.clock_label = QLabel()
        self.complaints_label = QLabel()
        self.complaints_label.hide()
        font = self.clock_label.font()
        font.setBold(True)
        self.clock_label.setFont(font)
        for label in (
            self.complaints_label,
            self.officer_label,
            self.database_label,
            self.printer_label,
            self.sync_label,
        ):
            self.addPermanentWidget(label)
        self.addPermanentWidget(self.clock_label)
        self._state: dict[str, object] = {}

    def show_officer(self, counter: str, actor: Actor) -> None:
        self._state["officer"] = (counter, actor)
        self.officer_label.setText(
            t("gui.status.officer", counter=counter, user=actor.username, role=t(f"gui.role.{actor.role.value}"))
        )

    def show_database(self, problem: str | None) -> None:
        """None: the store answers; otherwise the user's message for what is wrong."""
        self._state["database"] = problem
        if problem is None:
            self.database_label.setText(t("gui.status.db_ok"))
            self.database_label.setStyleSheet("")
            self.database_label.setToolTip("")
        else:
            self.database_label.setText(t("gui.status.db_problem"))
            self.database_label.setStyleSheet(f"color: {theme.ERROR}; font-weight: bold;")
            self.database_label.setToolTip(problem)

    def show_printer(self, name: str | None, available: bool | None) -> None:
        """`name` None: the system default; `available` None: not checked yet."""
        self._state["printer"] = (name, available)
        shown = name or t("gui.status.printer_default")
        if available is False:
            text = t("gui.status.printer_missing", name=shown)
            self.printer_label.setStyleSheet(f"color: {theme.WARNING}; font-weight: bold;")
        else:
            text = t("gui.status.printer", name=shown)
            self.printer_label.setStyleSheet("")
        self.printer_label.setText(text)

    def show_sync(self, last: str | None) -> None:
        self._state["sync"] = last
        self.sync_label.setText(t("gui.status.sync", when=last or t("gui.status.sync_never")))

    def show_complaints(self, overdue: int) -> None:
        """Overdue complaints in red on every screen: they must be impossible to miss."""
        self._state["complaints"] = overdue
        self.complaints_label.setVisible(overdue > 0)
        self.complaints_label.setText(t("gui.status.complaints_overdue", count=overdue))
        self.complaints_label.setStyleSheet(
            f"background: {theme.ERROR}; color: white; font-weight: bold; padding: 0 6px;"
        )

    def tick(self, now: datetime, tz: str) -> None:
        self.clock_label.setText(local_time_text(now, tz, "%d-%m-%Y  %H:%M:%S"))

    def retranslate(self) -> None:
        if "officer" in self._state:
            self.show_officer(*self._state["officer"])  # type: ignore[misc]
        if "database" in self._state:
            self.show_database(self._state["database"])  # type: ignore[arg-type]
        if "printer" in self._state:
            self.show_printer(*self._state["printer"])  # type: ignore[misc]
        if "complaints" in self._state:
            self.show_complaints(self._state["complaints"])  # type: ignore[arg-type]
        if "sync" in self._state:
            self.show_sync(self._state["sync"])  # type: ignore[arg-type]
