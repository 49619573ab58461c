"""The status bar: the site hub (live or cut off, the backlog), counter and officer, database,
printer, last nightly sync, clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from counter_app.core.clock import DEFAULT_TZ, local_time_text
from counter_app.core.i18n import ROLE_KEYS, t
from counter_app.core.roles import Actor
from counter_app.gui import theme
from counter_app.gui.message_history import MessageLine
from counter_app.gui.widgets.elided_label import ElidedLabel


class StatusBar(QStatusBar):
    """Every part is elided to the room it gets (the whole text on hover), so the bar never
    widens the window; messages go to a line with a history instead of QStatusBar's own."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        tz: str = DEFAULT_TZ,
    ) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.tz = tz
        self.messages = MessageLine(
            now or (lambda: datetime.now(UTC)),
            lambda when: local_time_text(when, self.tz, "%H:%M:%S"),
        )
        self.officer_label = ElidedLabel(min_chars=10)
        self.database_label = ElidedLabel(min_chars=6)
        self.printer_label = ElidedLabel(min_chars=8)
        self.sync_label = ElidedLabel(min_chars=8)
        self.clock_label = QLabel()  # never elided: the time is always whole
        self.complaints_label = ElidedLabel(min_chars=8)
        self.complaints_label.hide()
        # Its one look (shown only when some are overdue), set before its first polish: no
        # repolish when the first count comes (that would build QStyle's enums, ~5 ms, at start).
        self.complaints_label.setProperty("tone", "alarm")
        # Only on a counter of a site hub; never cut short (a QLabel takes its whole text, as
        # the clock does): live or cut off, and the backlog, are read whole.
        self.live_label = QLabel()
        self.live_label.setTextFormat(Qt.TextFormat.PlainText)
        self.live_label.hide()
        font = self.clock_label.font()
        font.setBold(True)
        self.clock_label.setFont(font)
        self.clock_label.setMinimumWidth(
            self.clock_label.fontMetrics().horizontalAdvance("00-00-0000  00:00:00") + 6
        )
        # The message line takes the room the others leave; they shrink only when they must.
        self.messages.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(self.messages, 1)
        for label in (
            self.complaints_label,
            self.live_label,
            self.officer_label,
            self.database_label,
            self.printer_label,
            self.sync_label,
        ):
            self.addPermanentWidget(label)
        self.addPermanentWidget(self.clock_label)
        self._state: dict[str, object] = {}

    # ---- messages ---------------------------------------------------------------------

    def showMessage(self, text: str, timeout: int = 0) -> None:
        self.messages.show_message(text, timeout)

    def currentMessage(self) -> str:
        return self.messages.label.full_text()

    def clearMessage(self) -> None:
        self.messages.show_message("")

    def show_officer(self, counter: str, actor: Actor) -> None:
        self._state["officer"] = (counter, actor)
        self.officer_label.setText(
            t("gui.status.officer", counter=counter, user=actor.username, role=t(ROLE_KEYS[actor.role.value]))
        )

    def show_database(self, problem: str | None) -> None:
        """None: the store answers; otherwise the user's message for what is wrong."""
        self._state["database"] = problem
        if problem is None:
            self.database_label.setText(t("gui.status.db_ok"))
            theme.set_look(self.database_label, "tone", None)
            self.database_label.setToolTip("")
        else:
            self.database_label.setText(t("gui.status.db_problem"))
            theme.set_look(self.database_label, "tone", "error")
            self.database_label.setToolTip(problem)

    def show_printer(self, name: str | None, available: bool | None) -> None:
        """`name` None: the system default; `available` None: not checked yet."""
        self._state["printer"] = (name, available)
        shown = name or t("gui.status.printer_default")
        if available is False:
            # No default printer at all is its own message, not a printer named "bawaan sistem".
            text = (
                t("gui.status.printer_missing", name=shown)
                if name
                else t("gui.status.printer_default_missing")
            )
            theme.set_look(self.printer_label, "tone", "warning")
        else:
            text = t("gui.status.printer", name=shown)
            theme.set_look(self.printer_label, "tone", None)
        self.printer_label.setText(text)

    def show_sync(self, last: str | None) -> None:
        self._state["sync"] = last
        self.sync_label.setText(t("gui.status.sync", when=last or t("gui.status.sync_never")))

    def show_live(
        self, state: str | None, hub: str = "", backlog: int = 0, last_event: int = 0, server: str = ""
    ) -> None:
        """The site hub: `state` None = a lone PC (nothing shown); "live" names the hub;
        "offline" says Terputus in words and colour; the outbox backlog when there is one."""
        self._state["live"] = (state, hub, backlog, last_event, server)
        self.live_label.setVisible(state is not None)
        if state is None:
            return
        if state == "live":
            text = t("gui.status.live", hub=hub)
            tone: str | None = "live"
        elif state == "connecting":
            text = t("gui.status.connecting")
            tone = None
        else:
            text = "⚠ " + t("gui.status.offline")
            tone = "offline"
        if backlog:
            text += " · " + t("gui.status.backlog", n=backlog)
        self.live_label.setText(text)
        theme.set_look(self.live_label, "tone", tone)  # its colours: theme.WIDGET_RULES
        self.live_label.setToolTip(t("gui.status.live_tip", server=server or hub, seq=last_event))

    def show_complaints(self, overdue: int) -> None:
        """Overdue complaints in red on every screen: they must be impossible to miss."""
        self._state["complaints"] = overdue
        self.complaints_label.setVisible(overdue > 0)
        self.complaints_label.setText(t("gui.status.complaints_overdue", count=overdue))
        theme.set_look(self.complaints_label, "tone", "alarm")

    def tick(self, now: datetime, tz: str) -> None:
        self.tz = tz
        self.clock_label.setText(local_time_text(now, tz, "%d-%m-%Y  %H:%M:%S"))

    def retranslate(self) -> None:
        self.messages.retranslate()
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
        if "live" in self._state:
            self.show_live(*self._state["live"])  # type: ignore[misc]
