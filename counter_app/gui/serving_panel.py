"""Sedang dilayani: the ticket in hand, its code large, a timer, and every move with its key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.clock import from_db
from counter_app.core.errors import IllegalTransition, NotFound
from counter_app.core.i18n import t
from counter_app.core.person import mask_name
from counter_app.core.phone import mask as mask_phone
from counter_app.core.roles import Permission
from counter_app.core.ticket_rules import Status, can
from counter_app.gui import theme
from counter_app.gui.error_dialog import guarded
from counter_app.gui.queue_table import duration_text, status_text
from counter_app.gui.widgets import prompts
from counter_app.services import catalogue, tickets
from counter_app.services.context import Context
from counter_app.services.views import ServiceView, TicketView


@dataclass(frozen=True)
class Move:
    """One button: its action name in ticket_rules (None: no ticket rule), key and label key."""

    name: str
    rule: str | None
    shortcut: str | None


MOVES: tuple[Move, ...] = (
    Move("call_next", None, "F5"),
    Move("recall", "recall", "F6"),
    Move("start", "start", "F7"),
    Move("finish", "finish", "F9"),
    Move("no_show", "no_show", "F10"),
    Move("cancel", "cancel", None),
    Move("transfer", "transfer", None),
    Move("requeue", "requeue", None),
    Move("reprint", None, None),
)


class ServingPanel(QGroupBox):
    """Holds one ticket (called, scanned or opened from the queue) and moves it."""

    ticket_changed = Signal(object)  # TicketView: a move happened (the queue updates its row)
    ticket_added = Signal(object)  # TicketView: a new one (a transfer's linked ticket)
    print_requested = Signal(object, bool)  # TicketView, reprint?
    notice = Signal(str)  # a short message for the status bar

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ticket: TicketView | None = None
        self._services: dict[str, ServiceView] = {}

        self.code_label = QLabel("—")
        self.code_label.setProperty("role", "code")
        self.code_label.setFont(theme.code_font(50))
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setMinimumWidth(self.code_label.fontMetrics().horizontalAdvance("A000") + 16)
        self.status_label = QLabel()
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.setMinimumHeight(26)
        self.timer_label = QLabel()
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        timer_font = self.timer_label.font()
        timer_font.setPointSizeF(timer_font.pointSizeF() * 1.6)
        timer_font.setBold(True)
        self.timer_label.setFont(timer_font)

        self.service_label = QLabel()
        self.service_label.setWordWrap(True)
        font = self.service_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.service_label.setFont(font)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hint_label = QLabel()
        self.hint_label.setProperty("role", "muted")
        self.hint_label.setWordWrap(True)

        self.actions: dict[str, QAction] = {}
        self.buttons: dict[str, QToolButton] = {}
        handlers: dict[str, Callable[[], object]] = {
            "call_next": self.call_next,
            "recall": self.recall,
            "start": self.start,
            "finish": self.finish,
            "no_show": self.no_show,
            "cancel": self.cancel,
            "transfer": self.transfer,
            "requeue": self.requeue,
            "reprint": self.reprint,
        }
        grid = QGridLayout()
        grid.setSpacing(6)
        # First row: the everyday flow (F5 → F6 → F7 → F9 / F10); second row: the rest.
        places = {
            "call_next": (0, 0), "recall": (0, 1), "start": (0, 2), "finish": (0, 3),
            "no_show": (0, 4), "cancel": (1, 0), "transfer": (1, 1), "requeue": (1, 2),
            "reprint": (1, 3),
        }
        for move in MOVES:
            action = QAction(self)
            if move.shortcut:
                action.setShortcut(QKeySequence(move.shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, run=handlers[move.name]: run())
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(36)
            if move.name == "call_next":
                button.setProperty("primary", True)
            self.actions[move.name] = action
            self.buttons[move.name] = button
            grid.addWidget(button, *places[move.name])
        for col in range(5):
            grid.setColumnStretch(col, 1)

        left = QVBoxLayout()
        left.addWidget(self.code_label)
        left.addWidget(self.status_label)
        left.addWidget(self.timer_label)
        left.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(self.service_label)
        middle.addWidget(self.detail_label, 1)
        middle.addWidget(self.hint_label)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setStyleSheet(f"color: {theme.LINE};")
        top = QHBoxLayout()
        top.addLayout(left)
        top.addSpacing(6)
        top.addWidget(line)
        top.addSpacing(6)
        top.addLayout(middle, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(4)
        layout.addLayout(grid)
        self.retranslate()
        self.show_ticket(None)

    # ---- language ---------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setTitle(t("gui.serving.title"))
        for move in MOVES:
            label = t(f"gui.serving.{move.name}")
            action = self.actions[move.name]
            action.setText(label)
            action.setIconText(f"{label} ({move.shortcut})" if move.shortcut else label)
        self.show_ticket(self.ticket)

    def set_services(self, services: Sequence[ServiceView]) -> None:
        self._services = {s.code: s for s in services}

    # ---- showing ----------------------------------------------------------------------

    def show_ticket(self, ticket: TicketView | None) -> None:
        self.ticket = ticket
        if ticket is None:
            self.code_label.setText("—")
            self.code_label.setStyleSheet(f"color: {theme.LINE};")
            self.status_label.setText("")
            self.status_label.setStyleSheet("")
            self.timer_label.setText("")
            self.service_label.setText(t("gui.serving.none"))
            self.detail_label.setText("")
            self.hint_label.setText(t("gui.serving.none_hint", key="F5"))
        else:
            self.code_label.setText(ticket.code)
            self.code_label.setStyleSheet("")
            bg, fg = theme.STATUS_COLOURS.get(ticket.status, ("#ffffff", theme.INK))
            self.status_label.setText(status_text(ticket.status))
            self.status_label.setStyleSheet(
                f"background: {bg}; color: {fg}; border-radius: 6px; padding: 2px 10px;"
                " font-weight: bold;"
            )
            service = self._services.get(ticket.service_id) or _service_or_none(ticket.service_id)
            lang = i18n.language()
            self.service_label.setText(service.name(lang) if service else ticket.service_id)
            lines = [t("gui.serving.visitor", name=mask_name(ticket.name))]
            if ticket.priority:
                lines.append(t("gui.serving.priority", priority=t(f"priority.{ticket.priority}")))
            if ticket.nik_masked:
                lines.append(t("gui.serving.nik", nik=ticket.nik_masked))
            if ticket.phone:
                lines.append(t("gui.serving.phone", phone=mask_phone(ticket.phone)))
            if ticket.call_count:
                lines.append(t("gui.serving.calls", n=ticket.call_count))
            if ticket.notes:
                lines.append(t("gui.serving.notes", notes=ticket.notes))
            if ticket.outcome:
                lines.append(t("gui.serving.outcome", outcome=ticket.outcome))
            self.detail_label.setText("\n".join(lines))
            self.hint_label.setText(self._hint(ticket))
        self.tick(self.ctx.clock.now())
        self.update_actions()

    def _hint(self, ticket: TicketView) -> str:
        status = Status(ticket.status)
        if status is Status.CALLED:
            needed = self.ctx.setting("no_show_after_calls")
            if ticket.call_count < needed:
                return t("gui.serving.hint_called", n=needed - ticket.call_count)
            return t("gui.serving.hint_no_show")
        if status is Status.SERVING:
            return t("gui.serving.hint_serving", key="F9")
        if status is Status.WAITING:
            return t("gui.serving.hint_waiting", n=tickets.people_ahead(ticket))
        return ""

    def tick(self, now: datetime) -> None:
        ticket = self.ticket
        since = None
        if ticket is not None:
            if ticket.status == Status.SERVING and ticket.started_at:
                since = from_db(ticket.started_at)
            elif ticket.status == Status.CALLED and ticket.called_at:
                since = from_db(ticket.called_at)
            elif ticket.status == Status.WAITING:
                since = from_db(ticket.arrived_at)
        self.timer_label.setText(duration_text((now - since).total_seconds()) if since else "")

    def update_actions(self) -> None:
        ticket = self.ticket
        serve = self.ctx.actor.can(Permission.SERVE)
        status = ticket.status if ticket is not None else None
        busy = status in (Status.CALLED, Status.SERVING) and self._mine(ticket)
        self.actions["call_next"].setEnabled(serve and not busy)
        self.actions["call_next"].setToolTip(t("gui.serving.busy") if busy else "")
        for move in MOVES:
            if move.rule is None:
                continue
            allowed = serve and status is not None and can(move.rule, status)
            if move.name == "no_show" and allowed and ticket is not None:
                allowed = ticket.call_count >= self.ctx.setting("no_show_after_calls")
            self.actions[move.name].setEnabled(allowed)
        self.actions["reprint"].setEnabled(serve and ticket is not None)

    def _mine(self, ticket: TicketView | None) -> bool:
        return ticket is not None and ticket.counter in (None, self.ctx.setting("counter_code"))

    # ---- finding the ticket in hand ---------------------------------------------------

    def resume(self) -> None:
        """After a restart: the ticket this counter was calling or serving, if any."""
        counter = self.ctx.setting("counter_code")
        for status in (Status.SERVING, Status.CALLED):
            mine = [
                tk for tk in tickets.queue(self.ctx, status=status.value) if tk.counter == counter
            ]
            if mine:
                self.show_ticket(max(mine, key=lambda tk: tk.called_at or tk.registered_at))
                return

    @guarded
    def open_ticket(self, ref: str) -> TicketView | None:
        ticket = tickets.find(ref, self.ctx)
        self.show_ticket(ticket)
        return ticket

    # ---- moves ------------------------------------------------------------------------

    def _moved(self, ticket: TicketView, notice_key: str) -> TicketView:
        self.show_ticket(ticket)
        self.ticket_changed.emit(ticket)
        self.notice.emit(t(notice_key, code=ticket.code, status=t(f"status.{ticket.status}")))
        return ticket

    def _require_ticket(self) -> TicketView:
        if self.ticket is None:
            raise NotFound("gui.serving.no_ticket")
        return self.ticket

    @guarded
    def call_next(self) -> TicketView | None:
        ticket = tickets.call_next(self.ctx)
        if ticket is None:
            self.notice.emit(t("gui.serving.nobody"))
            prompts.inform(self, t("gui.serving.call_next"), t("gui.serving.nobody"))
            return None
        return self._moved(ticket, "gui.serving.calling")

    @guarded
    def recall(self) -> TicketView | None:
        return self._moved(tickets.recall(self.ctx, self._require_ticket().id), "gui.serving.calling")

    @guarded
    def start(self) -> TicketView | None:
        return self._moved(tickets.start(self.ctx, self._require_ticket().id), "gui.serving.moved")

    @guarded
    def finish(self) -> TicketView | None:
        ticket = self._require_ticket()
        note = prompts.ask_text(
            self, t("gui.serving.finish_title", code=ticket.code), t("gui.serving.finish_prompt")
        )
        if note is None:
            return None
        return self._moved(tickets.finish(self.ctx, ticket.id, note), "gui.serving.moved")

    @guarded
    def no_show(self) -> TicketView | None:
        ticket = self._require_ticket()
        needed = self.ctx.setting("no_show_after_calls")
        if ticket.call_count < needed:
            raise IllegalTransition(
                "ticket.no_show_early", code=ticket.code, calls=ticket.call_count, needed=needed
            )
        return self._moved(tickets.no_show(self.ctx, ticket.id), "gui.serving.moved")

    @guarded
    def cancel(self) -> TicketView | None:
        ticket = self._require_ticket()
        reason = prompts.ask_text(
            self, t("gui.serving.cancel_title", code=ticket.code), t("gui.serving.cancel_prompt")
        )
        if reason is None:
            return None
        return self._moved(tickets.cancel(self.ctx, ticket.id, reason), "gui.serving.moved")

    @guarded
    def requeue(self) -> TicketView | None:
        ticket = self._require_ticket()
        return self._moved(tickets.requeue(self.ctx, ticket.id), "gui.serving.moved")

    @guarded
    def transfer(self) -> TicketView | None:
        ticket = self._require_ticket()
        lang = i18n.language()
        others = [s for s in catalogue.active_services() if s.code != ticket.service_id]
        choice = prompts.ask_item(
            self,
            t("gui.serving.transfer_title", code=ticket.code),
            t("gui.serving.transfer_prompt"),
            [f"{s.letter} · {s.name(lang)} ({s.agency.name})" for s in others],
        )
        if choice is None:
            return None
        target = others[choice]
        new = tickets.transfer(self.ctx, ticket.id, target.code)
        old = tickets.find(ticket.id)
        self.ticket_changed.emit(old)
        self.ticket_added.emit(new)
        self.show_ticket(old)
        self.notice.emit(t("gui.serving.transferred", code=old.code, new=new.code))
        self.print_requested.emit(new, False)  # the visitor needs a receipt for the new queue
        return new

    def reprint(self) -> None:
        if self.ticket is not None:
            self.print_requested.emit(self.ticket, True)


def _service_or_none(code: str) -> ServiceView | None:
    try:
        return catalogue.service_view(code)
    except NotFound:
        return None

