"""Sedang dilayani: the ticket in hand, its code large, a timer, and every move with its key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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
from counter_app.core.clock import from_db, local_time_text
from counter_app.core.errors import IllegalTransition, NotFound
from counter_app.core.i18n import t, tn
from counter_app.core.person import mask_name
from counter_app.core.roles import Permission
from counter_app.core.ticket_rules import Status, can, no_show_ready
from counter_app.gui import error_dialog, theme
from counter_app.gui.background import Background
from counter_app.gui.error_dialog import guarded
from counter_app.gui.queue_table import duration_text, status_text
from counter_app.gui.widgets import prompts
from counter_app.services import catalogue, live_queue, tickets, waiting
from counter_app.services.context import Context
from counter_app.services.usecase import usecase
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
    Move("break", None, "F8"),  # istirahat: only on a counter of a site hub
)
MOVE_KEYS = {
    "call_next": "gui.serving.call_next",
    "recall": "gui.serving.recall",
    "start": "gui.serving.start",
    "finish": "gui.serving.finish",
    "no_show": "gui.serving.no_show",
    "cancel": "gui.serving.cancel",
    "transfer": "gui.serving.transfer",
    "requeue": "gui.serving.requeue",
    "reprint": "gui.serving.reprint",
    "break": "gui.serving.break",
}


class ServingPanel(QGroupBox):
    """Holds one ticket (called, scanned or opened from the queue) and moves it."""

    ticket_changed = Signal(object)  # TicketView: a move happened (the queue updates its row)
    ticket_added = Signal(object)  # TicketView: a new one (a transfer's linked ticket)
    print_requested = Signal(object, bool)  # TicketView, reprint?
    notice = Signal(str)  # a short message for the status bar

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ticket: TicketView | None = None  # the ticket shown
        # The ticket this counter is calling or serving: opening another one (scan, table)
        # shows that one read-only and never drops this one (issue 14, point 1).
        self.in_hand: TicketView | None = None
        self._services: dict[str, ServiceView] = {}
        self._no_show_ready = False
        # Hub calls (call-next's claim, the break) run here, never on the UI thread, and never
        # behind a receipt being printed (that worker is the window's).
        self.worker = Background(self)
        self._calling = False
        self.on_break = False

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
        for label in (
            self.code_label,
            self.status_label,
            self.timer_label,
            self.service_label,
            self.hint_label,
        ):
            label.setTextFormat(Qt.TextFormat.PlainText)  # user text is never markup
        # While another ticket is only being looked at: which one is in hand, and the way back.
        self.viewing_bar = QFrame()
        self.viewing_bar.setProperty("role", "notice")
        self.viewing_bar.setObjectName("viewingBar")  # the notice colour: theme.WIDGET_RULES
        self.viewing_label = QLabel()
        self.viewing_label.setTextFormat(Qt.TextFormat.PlainText)
        self.viewing_label.setWordWrap(True)
        self.back_button = QToolButton()
        self.back_button.clicked.connect(self.back_to_hand)
        self.back_action = QAction(self)
        self.back_action.setShortcut(QKeySequence("Esc"))
        self.back_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.back_action.triggered.connect(self.back_to_hand)
        self.addAction(self.back_action)
        bar = QHBoxLayout(self.viewing_bar)
        bar.setContentsMargins(8, 2, 4, 2)
        bar.addWidget(self.viewing_label, 1)
        bar.addWidget(self.back_button)
        self.viewing_bar.setVisible(False)
        policy = self.viewing_bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the panel does not jump when it shows
        self.viewing_bar.setSizePolicy(policy)

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
            "break": self.toggle_break,
        }
        grid = QGridLayout()
        grid.setSpacing(6)
        # First row: the everyday flow (F5 → F6 → F7 → F9 / F10); second row: the rest.
        places = {
            "call_next": (0, 0),
            "recall": (0, 1),
            "start": (0, 2),
            "finish": (0, 3),
            "no_show": (0, 4),
            "cancel": (1, 0),
            "transfer": (1, 1),
            "requeue": (1, 2),
            "reprint": (1, 3),
            "break": (1, 4),
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
        self.actions["break"].setCheckable(True)
        self.buttons["break"].setVisible(live_queue.networked(ctx))
        self.actions["break"].setVisible(live_queue.networked(ctx))
        self.on_break = live_queue.on_break() if live_queue.networked(ctx) else False
        self.actions["break"].setChecked(self.on_break)

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
        line.setProperty("role", "rule")  # in the theme's line colour
        top = QHBoxLayout()
        top.addLayout(left)
        top.addSpacing(6)
        top.addWidget(line)
        top.addSpacing(6)
        top.addLayout(middle, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.viewing_bar)
        layout.addLayout(top)
        layout.addSpacing(4)
        layout.addLayout(grid)
        self.retranslate()
        self.show_ticket(None)

    # ---- language ---------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setTitle(t("gui.serving.title"))
        for move in MOVES:
            label = t(MOVE_KEYS[move.name])
            if move.name == "break" and self.on_break:
                label = t("gui.serving.break_end")
            action = self.actions[move.name]
            action.setText(label)
            action.setIconText(f"{label} ({move.shortcut})" if move.shortcut else label)
        self.show_ticket(self.ticket)

    def set_services(self, services: Sequence[ServiceView]) -> None:
        self._services = {s.code: s for s in services}

    # ---- showing ----------------------------------------------------------------------

    def _holds(self, ticket: TicketView | None) -> bool:
        """Called or serving at this counter: the ticket in hand."""
        return (
            ticket is not None
            and ticket.status in (Status.CALLED, Status.SERVING)
            and ticket.counter == self.ctx.setting("counter_code")
        )

    @property
    def viewing(self) -> bool:
        """Another ticket than the one in hand is shown (read-only)."""
        return self.in_hand is not None and self.ticket is not None and self.ticket.id != self.in_hand.id

    def show_ticket(self, ticket: TicketView | None) -> None:
        """Show a ticket. One in hand stays in hand: another is shown read-only beside it."""
        if self._holds(ticket):
            self.in_hand = ticket
        elif ticket is not None and self.in_hand is not None and ticket.id == self.in_hand.id:
            self.in_hand = None  # it left our hands (finished, requeued, moved elsewhere)
        if ticket is None and self.in_hand is not None:
            ticket = self.in_hand
        self.ticket = ticket
        self._show_viewing()
        if ticket is None and self.on_break:
            self.code_label.setText("—")
            theme.set_look(self.code_label, "empty", True)
            self.status_label.setText("☕ " + t("gui.serving.on_break"))
            theme.set_look(self.status_label, "ticketStatus", "break")
            self.timer_label.setText("")
            self.service_label.setText(t("gui.serving.none"))
            self.detail_label.setText("")
            self.hint_label.setText(t("gui.serving.on_break_hint", key="F8"))
        elif ticket is None:
            self.code_label.setText("—")
            theme.set_look(self.code_label, "empty", True)
            self.status_label.setText("")
            theme.set_look(self.status_label, "ticketStatus", None)
            self.timer_label.setText("")
            self.service_label.setText(t("gui.serving.none"))
            self.detail_label.setText("")
            self.hint_label.setText(t("gui.serving.none_hint", key="F5"))
        else:
            self.code_label.setText(ticket.code)
            theme.set_look(self.code_label, "empty", None)
            self.status_label.setText(status_text(ticket.status))
            # The status's colours (theme.WIDGET_RULES); one the theme does not know, plain.
            known = ticket.status in theme.STATUS_COLOURS
            theme.set_look(self.status_label, "ticketStatus", str(ticket.status) if known else "other")
            service = self._services.get(ticket.service_id) or _service_or_none(ticket.service_id)
            lang = i18n.language()
            self.service_label.setText(service.name(lang) if service else ticket.service_id)
            lines = [t("gui.serving.visitor", name=mask_name(ticket.name))]
            if ticket.priority:
                lines.append(t("gui.serving.priority", priority=t(i18n.PRIORITY_KEYS[ticket.priority])))
            if ticket.nik_masked:
                lines.append(t("gui.serving.nik", nik=ticket.nik_masked))
            if ticket.phone:
                from counter_app.core.phone import mask as mask_phone  # phonenumbers: ~30 ms

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

    def _show_viewing(self) -> None:
        held = self.in_hand
        self.viewing_bar.setVisible(self.viewing)
        if held is not None and self.viewing:
            self.viewing_label.setText(
                t("gui.serving.viewing", held=held.code, status=t(i18n.STATUS_KEYS[held.status]))
            )
            self.back_button.setText(t("gui.serving.back_to", code=held.code, key="Esc"))

    def back_to_hand(self) -> None:
        """Esc: back to the ticket in hand after looking at another."""
        if self.viewing and self.in_hand is not None:
            self.show_ticket(self.in_hand)

    def refresh(self) -> None:
        """Another program changed the store: read the shown and the in-hand ticket again."""
        if self.in_hand is not None:
            held = tickets.find(self.in_hand.id)
            self.in_hand = held if self._holds(held) else None
        if self.ticket is not None:
            self.show_ticket(tickets.find(self.ticket.id))

    def _no_show_allowed(self, ticket: TicketView) -> bool:
        return no_show_ready(
            ticket.call_count,
            from_db(ticket.first_called_at),
            self.ctx.clock.now(),
            calls_needed=self.ctx.setting("no_show_after_calls"),
            grace_minutes=self.ctx.setting("no_show_grace_minutes"),
        )

    def _hint(self, ticket: TicketView) -> str:
        status = Status(ticket.status)
        if status is Status.CALLED:
            needed = self.ctx.setting("no_show_after_calls")
            if ticket.call_count < needed:
                return t("gui.serving.hint_called", n=needed - ticket.call_count)
            if not self._no_show_allowed(ticket) and ticket.first_called_at is not None:
                grace = timedelta(minutes=self.ctx.setting("no_show_grace_minutes"))
                at = local_time_text(from_db(ticket.first_called_at) + grace, self.ctx.tz, "%H:%M")
                return t("gui.serving.hint_grace", time=at)
            return t("gui.serving.hint_no_show")
        if status is Status.SERVING:
            return t("gui.serving.hint_serving", key="F9")
        if status is Status.WAITING:
            place = waiting.position(self.ctx, ticket)
            if place.soon:
                return t("gui.serving.hint_waiting_soon")
            if place.minutes is None:
                return tn("gui.serving.hint_waiting", place.ahead)
            return tn("gui.serving.hint_waiting_wait", place.ahead, minutes=place.minutes)
        if status is Status.NO_SHOW:
            return t("gui.serving.hint_came_back")
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
        if ticket is not None and ticket.status == Status.CALLED:
            ready = self._no_show_allowed(ticket)
            if ready != self._no_show_ready:  # the grace time just ran out: F10 is possible
                self.hint_label.setText(self._hint(ticket))
                self.update_actions()

    def update_actions(self) -> None:
        ticket = self.ticket
        serve = self.ctx.actor.can(Permission.SERVE)
        status = ticket.status if ticket is not None else None
        held = self.in_hand
        self.actions["call_next"].setEnabled(serve and held is None and not self._calling)
        self.actions["break"].setEnabled(serve and (held is None or self.on_break) and not self._calling)
        self.actions["call_next"].setToolTip(
            t("gui.serving.busy", code=held.code) if held is not None else ""
        )
        # Looking at another ticket while one is in hand: nothing moves it from here.
        read_only = self.viewing
        self._no_show_ready = bool(
            ticket is not None and status == Status.CALLED and self._no_show_allowed(ticket)
        )
        for move in MOVES:
            if move.rule is None:
                continue
            allowed = serve and not read_only and status is not None and can(move.rule, status)
            if move.name == "no_show" and allowed:
                allowed = self._no_show_ready
            self.actions[move.name].setEnabled(allowed)
        self.actions["reprint"].setEnabled(serve and ticket is not None)
        self.back_action.setEnabled(read_only)

    # ---- finding the ticket in hand ---------------------------------------------------

    def resume(self) -> None:
        """After a restart: the ticket this counter was calling or serving, if any."""
        counter = self.ctx.setting("counter_code")
        held = tickets.in_hand(self.ctx, counter)  # the one called or serving ticket
        if held is not None:
            self.show_ticket(held)

    @guarded
    def open_ticket(self, ref: str) -> TicketView | None:
        ticket = tickets.find(ref, self.ctx)
        self.show_ticket(ticket)
        return ticket

    # ---- moves ------------------------------------------------------------------------

    def _moved(self, ticket: TicketView, notice_key: str) -> TicketView:
        if self.in_hand is not None and self.in_hand.id == ticket.id and not self._holds(ticket):
            self.in_hand = None  # finished, requeued, no-show: the hands are free again
        self.show_ticket(ticket)
        self.ticket_changed.emit(ticket)
        self.notice.emit(t(notice_key, code=ticket.code, status=t(i18n.STATUS_KEYS[ticket.status])))
        return ticket

    def _require_ticket(self) -> TicketView:
        if self.ticket is None:
            raise NotFound("gui.serving.no_ticket")
        return self.ticket

    @guarded
    def call_next(self) -> TicketView | None:
        if self.ctx.live is not None:  # a claim at the hub: on the worker, the window stays live
            if not self._calling:
                self._calling = True
                self.update_actions()
                self.notice.emit(t("gui.serving.calling_hub"))
                ctx = self.ctx
                self.worker.submit(
                    lambda: _in_usecase(ctx, lambda: tickets.call_next(ctx)), self._called, self._call_failed
                )
            return None
        return self._called(tickets.call_next(self.ctx))

    def _called(self, ticket: TicketView | None) -> TicketView | None:
        self._calling = False
        if ticket is None:
            self.update_actions()
            self.notice.emit(t("gui.serving.nobody"))
            prompts.inform(self, t("gui.serving.call_next"), t("gui.serving.nobody"))
            return None
        return self._moved(ticket, "gui.serving.calling")

    def _call_failed(self, exc: BaseException) -> None:
        self._calling = False
        self.update_actions()
        error_dialog.report(exc, self)

    @property
    def calling(self) -> bool:
        """A call-next is on its way to the hub."""
        return self._calling

    @guarded
    def toggle_break(self) -> None:
        """Istirahat (F8): no calls until it ends; the hub's board shows it."""
        wanted = not self.on_break
        self.actions["break"].setChecked(self.on_break)  # until the service said yes
        ctx = self.ctx
        if ctx.live is not None:
            self._calling = True
            self.update_actions()
            self.worker.submit(
                lambda: _in_usecase(ctx, lambda: live_queue.set_break(ctx, wanted)),
                lambda _state: self._break_set(wanted),
                self._call_failed,
            )
            return
        live_queue.set_break(ctx, wanted)
        self._break_set(wanted)

    def _break_set(self, on: bool) -> None:
        self._calling = False
        self.on_break = on
        self.actions["break"].setChecked(on)
        self.retranslate()
        key = "gui.serving.break_started" if on else "gui.serving.break_ended"
        self.notice.emit(t(key, counter=self.ctx.setting("counter_code")))

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
        if self.in_hand is not None and self.in_hand.id == old.id:
            self.in_hand = None
        self.ticket_changed.emit(old)
        self.ticket_added.emit(new)
        self.show_ticket(old)
        self.notice.emit(t("gui.serving.transferred", code=old.code, new=new.code))
        self.print_requested.emit(new, False)  # the visitor needs a receipt for the new queue
        return new

    def reprint(self) -> None:
        if self.ticket is not None:
            self.print_requested.emit(self.ticket, True)


def _in_usecase(ctx: Context, job: Callable[[], object]) -> object:
    """A use case on the worker thread: store failures come back as typed errors."""
    with usecase(ctx):
        return job()


def _service_or_none(code: str) -> ServiceView | None:
    try:
        return catalogue.service_view(code)
    except NotFound:
        return None
