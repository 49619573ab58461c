"""`counter-app`: the same use cases as the window, from a terminal or a scheduler (DESIGN.md §7).

Exit codes (`core.errors.Exit`): 0 done; 1 the answer is "no" (an invalid receipt, nobody
waiting, a print that did not happen); 2 bad input, usage or an expected failure such as a full
disk or a locked store — a clear message on stderr and *nothing written*; 3 a bug — the message
says so and names the log file holding the traceback (`core/logs.py`); 130 interrupted (Ctrl+C).
Every argument is checked once at the entry (text that is not UTF-8 is refused with exit 2).
An output file (`--out`, `--receipt`) is checked before anything is committed and written before
the commit, so a command that fails to write it has stored nothing. Messages follow `--lang`
(Indonesian by default).
"""

from __future__ import annotations

import argparse
import errno
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, time
from pathlib import Path
from typing import Any

from counter_app import __version__
from counter_app.core import i18n
from counter_app.core.clock import SystemClock, from_db, local_day, local_time_text
from counter_app.core.errors import Exit, LoketError, ValidationError
from counter_app.core.files import atomic_write, check_target
from counter_app.core.i18n import t
from counter_app.core.paper import RECEIPT_PAPERS
from counter_app.core.paths import default_data_dir
from counter_app.core.person import mask_name
from counter_app.core.roles import Actor
from counter_app.services.context import Context, cli_actor
from counter_app.services.views import TicketView

Handler = Callable[[argparse.Namespace, "Session"], int]
COMMANDS: dict[str, Handler] = {}
# Commands that work on the site's live queue when a hub is configured (DESIGN.md §9)
LIVE_COMMANDS = frozenset(
    {
        "register",
        "queue",
        "call-next",
        "recall",
        "start",
        "finish",
        "no-show",
        "cancel",
        "requeue",
        "transfer",
        "status",
    }
)


class UsageError(ValidationError):
    pass


class ArgParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors share the one error path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError("cli.usage", detail=message)


class Session:
    """The opened store and the acting user, made on first use (init needs no store yet)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
        self._ctx: Context | None = None

    def context(self, *, check_keys: bool = True) -> Context:
        """`check_keys=False` only for `backup`: a damaged key must not stop saving the data."""
        if self._ctx is None:
            from counter_app.services import usecase
            from counter_app.services.keys import check_keys as check_key_files

            # operator mode only for the data folder's owner; checked before the store is touched
            operator = cli_actor() if self.args.user else cli_actor(self.data_dir)
            usecase.open_store(self.data_dir, named=self.data_dir)  # messages name the folder
            if check_keys:
                check_key_files(self.data_dir)
            ctx = Context(self.data_dir, operator, SystemClock())
            if self.args.user:
                from counter_app.services import staff

                password = os.environ.get("COUNTER_APP_PASSWORD")
                if password is None:
                    password = read_password(self.args.user, "COUNTER_APP_PASSWORD")
                actor: Actor = staff.authenticate(ctx, self.args.user, password)
                ctx = Context(self.data_dir, actor, ctx.clock)
            if self.args.command in LIVE_COMMANDS and not getattr(self.args, "offline", False):
                from counter_app.services import live_queue

                ctx.live = live_queue.open_link(ctx)  # the site hub, caught up; None = offline
            self._ctx = ctx
        return self._ctx

    def close(self) -> None:
        """Push what a live command wrote to the hub, and close the link."""
        if self._ctx is not None and self._ctx.live is not None:
            from counter_app.services import live_queue

            live_queue.close_link(self._ctx.live)
            self._ctx.live = None

    def emit(self, data: Any, text: str | Callable[[], str]) -> None:
        if self.args.json:
            json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            print(text() if callable(text) else text)


def read_password(user: str, env: str) -> str:
    """Ask on the terminal; with no terminal (a script, a scheduler) say how to give it."""
    if not sys.stdin or not sys.stdin.isatty():
        raise ValidationError("cli.password_no_tty", field="password", user=user, env=env)
    try:
        return getpass.getpass(t("cli.password_prompt", user=user))
    except EOFError:
        raise ValidationError("cli.password_no_tty", field="password", user=user, env=env) from None


def command(name: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return wrap


def ticket_json(ticket: TicketView, tz: str = "Asia/Pontianak") -> dict[str, Any]:
    """The one mapping: services/views.TicketView.to_json (`tz` kept for callers)."""
    return ticket.to_json()


CLI_STATUS_KEYS = {"live": "cli.status.live", "offline": "cli.status.offline", "local": "cli.status.local"}
AUDIT_REASON_KEYS = {
    "damaged": "audit.reason.damaged",
    "altered": "audit.reason.altered",
    "unlinked": "audit.reason.unlinked",
}
CALENDAR_SOURCE_KEYS = {"national": "calendar.source.national", "site": "calendar.source.site"}


def status_word(status: str) -> str:
    return t(i18n.STATUS_KEYS[status])


def ticket_line(ticket: Any, tz: str) -> str:
    when = local_time_text(from_db(ticket.registered_at), tz, "%H:%M")
    prio = f" [{t(i18n.PRIORITY_KEYS[ticket.priority])}]" if ticket.priority else ""
    return (
        f"{ticket.code:<6}{when:<7}{ticket.service_id:<11}{status_word(ticket.status):<18}"
        f"{mask_name(ticket.name)}{prio}"
    )


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("cli.bad_date", field="date", value=text) from None


def build_parser() -> ArgParser:
    # --json may stand before or after the command; SUPPRESS keeps the sub-parser from
    # resetting a --json given before it.
    common = ArgParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=t("cli.help.json"))
    parser = ArgParser(prog="counter-app", description=t("cli.description"))
    parser.add_argument("--json", action="store_true", help=t("cli.help.json"))
    parser.add_argument("--data-dir", help=t("cli.help.data_dir"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=t("cli.help.lang"))
    parser.add_argument("--user", help=t("cli.help.user"))
    parser.add_argument("--offline", action="store_true", help=t("cli.help.offline"))
    parser.add_argument("--version", action="version", version=f"counter-app {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=ArgParser)

    p = sub.add_parser("init", parents=[common], help=t("cli.help.init"))
    p.add_argument("--site", default="PTK")
    p.add_argument("--counter", default="L01")
    p.add_argument("--site-name")
    p.add_argument("--admin")
    p.add_argument("--admin-password")

    sub.add_parser("services", parents=[common], help=t("cli.help.services"))

    p = sub.add_parser("demo", parents=[common], help=t("cli.help.demo"))
    p.add_argument("--date", required=True)
    p.add_argument("--visits", type=int, default=140)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--until", metavar="HH:MM", help=t("cli.help.demo_until"))

    p = sub.add_parser("register", parents=[common], help=t("cli.help.register"))
    p.add_argument("--service", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--nik")
    p.add_argument("--phone")
    p.add_argument("--phone-consent", action="store_true", help=t("cli.help.phone_consent"))
    p.add_argument("--priority", default="")
    p.add_argument("--notes", default="")
    p.add_argument("--receipt", metavar="FILE.pdf")

    sub.add_parser("status", parents=[common], help=t("cli.help.status"))

    p = sub.add_parser("queue", parents=[common], help=t("cli.help.queue"))
    p.add_argument("--date")
    p.add_argument("--status")
    p.add_argument("--service")

    p = sub.add_parser("call-next", parents=[common], help=t("cli.help.call_next"))
    p.add_argument("--counter")
    for name, help_key in (
        ("recall", "cli.help.recall"),
        ("start", "cli.help.start"),
        ("no-show", "cli.help.no_show"),
        ("requeue", "cli.help.requeue"),
    ):
        p = sub.add_parser(name, parents=[common], help=t(help_key))
        p.add_argument("id")
    p = sub.add_parser("finish", parents=[common], help=t("cli.help.finish"))
    p.add_argument("id")
    p.add_argument("--outcome", default="")
    p = sub.add_parser("cancel", parents=[common], help=t("cli.help.cancel"))
    p.add_argument("id")
    p.add_argument("--reason", default="")
    p = sub.add_parser("transfer", parents=[common], help=t("cli.help.transfer"))
    p.add_argument("id")
    p.add_argument("--to", required=True)
    p.add_argument("--note", default="")

    p = sub.add_parser("receipt", parents=[common], help=t("cli.help.receipt"))
    p.add_argument("id")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--paper", choices=list(RECEIPT_PAPERS))
    p.add_argument("--reprint", action="store_true")

    p = sub.add_parser("print", parents=[common], help=t("cli.help.print"))
    p.add_argument("id")
    p.add_argument("--printer")
    p.add_argument("--paper", choices=list(RECEIPT_PAPERS))

    p = sub.add_parser("verify", parents=[common], help=t("cli.help.verify"))
    p.add_argument("text")
    p.add_argument("--keyring", metavar="FILE")

    p = sub.add_parser("keys", parents=[common], help=t("cli.help.keys"))
    p.add_argument("action", choices=["export"])
    p.add_argument("--out", metavar="FILE.json")
    p.add_argument("--page", metavar="FILE.html", help=t("cli.help.keys_page"))

    p = sub.add_parser("report", parents=[common], help=t("cli.help.report"))
    reports = p.add_subparsers(dest="report", parser_class=ArgParser, required=True)
    p = reports.add_parser("daily", parents=[common], help=t("cli.help.report_daily"))
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", metavar="YYYY-MM-DD")
    p.add_argument("--counter", metavar="CODE")
    p.add_argument("--out", metavar="FILE.pdf")
    p.add_argument("--xlsx", metavar="FILE.xlsx")
    p.add_argument("--csv", metavar="FILE.csv")
    p.add_argument("--server", metavar="URL", help=t("cli.help.report_server"))

    p = sub.add_parser("sync", parents=[common], help=t("cli.help.sync"))
    p.add_argument("--server", metavar="URL", help=t("cli.help.sync_server"))
    p.add_argument("--token", help=t("cli.help.sync_token"))

    from counter_app.server.command import add_arguments as server_arguments  # no FastAPI yet

    p = sub.add_parser("server", parents=[common], help=t("cli.help.server"))
    server_arguments(p)

    p = sub.add_parser("audit", parents=[common], help=t("cli.help.audit"))
    p.add_argument("action", choices=["verify"])
    p.add_argument("--server", nargs="?", const="", metavar="URL", help=t("cli.help.audit_server"))

    p = sub.add_parser("backup", parents=[common], help=t("cli.help.backup"))
    p.add_argument("--out")

    p = sub.add_parser("staff", parents=[common], help=t("cli.help.staff"))
    p.add_argument("action", choices=["add", "list", "disable", "enable", "unlock"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", default="staff")
    p.add_argument("--full-name", default="")
    p.add_argument("--password")

    _add_survey_commands(sub, common)
    _add_privacy_commands(sub, common)
    _add_display_commands(sub, common)
    return parser


# ---- commands -------------------------------------------------------------------------


@command("init")
def cmd_init(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services.setup import initialise

    fresh = initialise(
        s.data_dir,
        site=args.site,
        counter=args.counter,
        admin=args.admin,
        admin_password=args.admin_password,
        site_name=args.site_name,
        by=cli_actor(s.data_dir).username,  # another account's folder: refused, nothing made
    )
    msg = t("cli.init.done" if fresh else "cli.init.exists", path=str(s.data_dir))
    s.emit({"data_dir": str(s.data_dir), "created": fresh}, msg)
    return Exit.DONE


@command("services")
def cmd_services(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import catalogue

    s.context()
    lang = i18n.language()
    rows = catalogue.active_services()
    data = [
        {
            "code": r.code,
            "name": r.name(lang),
            "agency": r.agency.name,
            "letter": r.letter,
            "fee": r.fee,
            "target_minutes": r.target_minutes,
        }
        for r in rows
    ]
    s.emit(
        data,
        lambda: "\n".join(f"{r.letter}  {r.code:<11}{r.name(lang)}  ({r.agency.name})" for r in rows),
    )
    return Exit.DONE


@command("demo")
def cmd_demo(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import demo

    if not 1 <= args.visits <= 10000:
        raise ValidationError("cli.visits_range", field="visits")
    until = None
    if args.until:
        try:
            until = time.fromisoformat(args.until)
        except ValueError:
            raise ValidationError("cli.bad_time", field="until", value=args.until) from None
    data = demo.fill_day(s.context(), parse_date(args.date), args.visits, args.seed, until).to_json()
    s.emit(data, t("cli.demo.done", **data))
    return Exit.DONE


@command("register")
def cmd_register(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import receipts, tickets

    # The receipt's target is checked before the store is touched; the ticket, its receipt
    # and the file are then one act (nothing is committed when the file cannot be written).
    out = check_out(args.receipt, "receipt") if args.receipt is not None else None
    ctx = s.context()
    visitor = dict(
        service=args.service,
        name=args.name,
        nik=args.nik,
        phone=args.phone,
        priority=args.priority,
        notes=args.notes,
        phone_consent=args.phone_consent,
    )
    if out is not None:
        reg = receipts.register_with_receipt(ctx, out, None, **visitor)
    else:
        reg = tickets.register(ctx, **visitor)
    data = ticket_json(reg.ticket, ctx.tz)
    data["warnings"] = [t(w) for w in reg.warnings]
    if out is not None:
        data["receipt"] = str(out)
    for w in reg.warnings:
        print(t(w), file=sys.stderr)
    s.emit(data, t("cli.register.done", code=reg.ticket.code, receipt_no=reg.ticket.receipt_no))
    return Exit.DONE


def check_out(text: str | Path, field: str = "out") -> Path:
    """An output file this command may write: a name in an existing folder we can write to,
    and not a folder, a symbolic link or a device (refused, never followed or replaced)."""
    raw = str(text)
    if not raw.strip():
        raise ValidationError("cli.out_empty", field=field)
    out = Path(raw).expanduser()
    folder = out.parent
    if not folder.is_dir():
        raise ValidationError("cli.out_no_folder", field=field, path=str(folder))
    if not os.access(folder, os.W_OK):
        raise ValidationError("cli.out_not_writable", field=field, path=str(folder))
    try:
        check_target(out)
    except OSError:
        raise ValidationError("cli.out_unsafe", field=field, path=str(out)) from None
    return out


def write_file(out: Path, data: bytes) -> None:
    """Write whole or not at all (fsynced, owner-only): a half-written PDF is worse than none."""
    out = check_out(out)
    try:
        atomic_write(out, data)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise  # the one error path says "disk full"
        raise ValidationError(
            "cli.write_failed", field="out", path=str(out), detail=exc.strerror or str(exc)
        ) from exc


@command("receipt")
def cmd_receipt(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import receipts

    out = check_out(args.out)
    ctx = s.context()
    path = receipts.save_receipt(ctx, args.id, out, args.paper, args.reprint)
    s.emit({"path": str(path)}, t("cli.receipt.done", path=str(path)))
    return Exit.DONE


@command("print")
def cmd_print(args: argparse.Namespace, s: Session) -> int:
    """Always a reprint from the stored snapshot; the PDF is kept whatever the printer does."""
    from counter_app.printing.jobs import print_or_keep
    from counter_app.services import receipts, tickets

    ctx = s.context()
    ticket = tickets.get(args.id, ctx)
    paper = receipts.check_paper(args.paper, ctx)
    first = receipts.receipt_for(ticket.id, ctx) is None
    pdf = receipts.receipt_pdf(ctx, ticket.id, paper=paper, reprint=not first)
    outcome = print_or_keep(
        pdf,
        data_dir=ctx.data_dir,
        name=ticket.receipt_no,
        printer=args.printer or ctx.setting("printer") or None,
        paper=paper,
        day=local_day(ctx.clock.now(), ctx.tz),  # the printouts folder of the injected clock's day
    )
    data = {
        "printed": outcome.printed,
        "printer": outcome.printer,
        "pdf": str(outcome.pdf_path),
        "message": outcome.message,
    }
    s.emit(data, outcome.message)
    return Exit.DONE if outcome.printed else Exit.NO


@command("verify")
def cmd_verify(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import keys, receipts

    ring = keys.load_keyring_file(Path(args.keyring)) if args.keyring else None
    ctx = None if args.keyring else s.context()  # with --keyring no store is needed
    report = receipts.verify_report(args.text, ctx, ring)
    if report["valid"] and "issued_local" not in report:
        # --keyring needs no store, but people read the site's time (WIB), not UTC ISO: the
        # store's zone when there is one, else the default zone
        from datetime import datetime

        from counter_app.core.clock import DEFAULT_TZ

        tz = DEFAULT_TZ
        try:
            tz = s.context().tz
        except LoketError:
            pass
        issued = datetime.fromisoformat(report["issued_at"])
        report["issued_local"] = receipts.local_text(issued, tz, i18n.language())
        report["message"] = receipts.verify_message(report)
    s.emit(report, report["message"])
    return Exit.DONE if report["valid"] else Exit.NO


@command("keys")
def cmd_keys(args: argparse.Namespace, s: Session) -> int:
    from counter_app.core.verify_page import render_verify_page
    from counter_app.services import keys

    for target in (args.out, args.page):
        if target is not None:
            check_out(target)  # before anything is made: no folder, link or device
    ring = keys.export_keyring(s.context())
    text = json.dumps(ring, ensure_ascii=False, indent=2)
    if args.out:
        write_file(Path(args.out), (text + "\n").encode("utf-8"))
    if args.page:
        write_file(Path(args.page), render_verify_page(ring).encode("utf-8"))
    if args.out or args.page:
        s.emit(ring, t("cli.keys.done", path=", ".join(p for p in (args.out, args.page) if p)))
    else:
        print(text)
    return Exit.DONE


@command("queue")
def cmd_queue(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import tickets

    ctx = s.context()
    day = parse_date(args.date) if args.date is not None else None  # "" is refused, not today
    rows = tickets.queue(ctx, day, args.status, args.service)
    s.emit(
        [ticket_json(r, ctx.tz) for r in rows],
        lambda: (
            "\n".join([t("cli.queue.header")] + [ticket_line(r, ctx.tz) for r in rows])
            if rows
            else t("cli.queue.empty")
        ),
    )
    return Exit.DONE


@command("status")
def cmd_status(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import live_queue

    doc = live_queue.status(s.context())
    s.emit(
        doc,
        lambda: t(
            CLI_STATUS_KEYS[doc["mode"]], hub=doc["hub"] or "", last=doc["last_event"], backlog=doc["backlog"]
        ),
    )
    return Exit.DONE


@command("call-next")
def cmd_call_next(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import tickets

    ctx = s.context()
    ticket = tickets.call_next(ctx, args.counter)
    if ticket is None:
        s.emit(None, t("cli.call_next.none"))
        return Exit.NO
    s.emit(ticket_json(ticket, ctx.tz), t("cli.call_next.done", code=ticket.code))
    return Exit.DONE


def _mover(name: str, fn_name: str, **extra: str) -> None:
    def handler(args: argparse.Namespace, s: Session) -> int:
        from counter_app.services import tickets

        ctx = s.context()
        kwargs = {k: getattr(args, v) for k, v in extra.items()}
        ticket = getattr(tickets, fn_name)(ctx, args.id, **kwargs)
        s.emit(
            ticket_json(ticket, ctx.tz),
            t("cli.moved", code=ticket.code, status=status_word(ticket.status)),
        )
        return Exit.DONE

    COMMANDS[name] = handler


_mover("recall", "recall")
_mover("start", "start")
_mover("finish", "finish", outcome="outcome")
_mover("no-show", "no_show")
_mover("cancel", "cancel", reason="reason")
_mover("requeue", "requeue")
_mover("transfer", "transfer", to_service="to", note="note")


@command("report")
def cmd_report(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import daily_report, report_files, report_text

    ctx = s.context()
    lang = i18n.language()
    if args.server:
        from counter_app.services import sync

        if args.out or args.xlsx or args.csv or args.counter:
            raise UsageError("cli.report_server_only")
        day_to = parse_date(args.to).isoformat() if args.to else None
        data = sync.server_daily_report(ctx, parse_date(args.date).isoformat(), day_to, server=args.server)
        s.emit(data, lambda: sync.consolidated_text(data, lang))
        return Exit.DONE
    figures = daily_report.daily_figures(
        ctx, parse_date(args.date), parse_date(args.to) if args.to else None, counter=args.counter
    )
    written = report_files.write_files(
        figures,
        pdf=Path(args.out) if args.out else None,
        xlsx=Path(args.xlsx) if args.xlsx else None,
        csv=Path(args.csv) if args.csv else None,
        lang=lang,
    )
    data = figures.to_json()
    data["files"] = written
    s.emit(data, lambda: "\n".join([report_text.format_text(figures, lang), *written.values()]))
    return Exit.DONE


@command("sync")
def cmd_sync(args: argparse.Namespace, s: Session) -> int:
    from counter_app.core import logs
    from counter_app.services.sync import run_sync

    logs.setup_logging(s.data_dir)  # the run's outcome (counts, never payloads) goes to the log
    result = run_sync(s.context(), args.server, args.token)
    s.emit(result.to_json(), result.text)
    return Exit.DONE


@command("server")
def cmd_server(args: argparse.Namespace, s: Session) -> int:
    from counter_app.server.command import run

    return run(args, s.data_dir, as_json=bool(args.json))


@command("audit")
def cmd_audit(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services.journal import check_chain_for

    ctx = s.context()
    result = check_chain_for(ctx.actor)  # a damaged row is reported with its sequence number, never raised
    text = (
        t("cli.audit.ok", count=result.entries)
        if result.intact
        else t(
            "cli.audit.damaged",
            count=result.entries,
            id=result.broken_at,
            reason=t(AUDIT_REASON_KEYS[result.reason]),
        )
    )
    if args.server is None:
        s.emit(result.to_json(), text)
        return Exit.DONE if result.intact else Exit.NO
    from counter_app.services.sync import check_audit_anchor

    anchor = check_audit_anchor(ctx, args.server or None)  # the heads the server kept
    s.emit(result.to_json() | {"anchor": anchor.to_json()}, f"{text}\n{anchor.text()}")
    return Exit.DONE if result.intact and anchor.intact else Exit.NO


@command("backup")
def cmd_backup(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services.backup import backup, check_out as check_backup_out

    out = Path(args.out) if args.out else None
    if out is not None:
        check_backup_out(out)  # a folder, link or device: refused before the store is opened
    path = backup(s.context(check_keys=False), out)
    s.emit({"path": str(path)}, t("cli.backup.done", path=str(path)))
    return Exit.DONE


@command("staff")
def cmd_staff(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import accounts, staff

    ctx = s.context()
    if args.action == "list":
        rows = accounts.list_staff(ctx)
        data = [
            {"username": r.username, "role": r.role, "active": r.active, "locked": staff.is_locked(ctx, r)}
            for r in rows
        ]
        s.emit(
            data,
            lambda: "\n".join(
                f"{d['username']:<20}{d['role']:<12}{'aktif' if d['active'] else '-':<7}"
                f"{t('cli.staff.locked') if d['locked'] else ''}".rstrip()
                for d in data
            ),
        )
        return Exit.DONE
    if not args.username:
        raise ValidationError("cli.username_required", field="username")
    if args.action == "add":
        password = args.password if args.password is not None else os.environ.get("COUNTER_APP_NEW_PASSWORD")
        if password is None:
            password = read_password(args.username, "COUNTER_APP_NEW_PASSWORD")
        staff.create_staff(ctx, args.username, password, args.role, args.full_name)
    elif args.action == "unlock":
        staff.unlock(ctx, args.username)
    else:
        staff.set_active(ctx, args.username, args.action == "enable")
    s.emit({"username": args.username, "action": args.action}, t("cli.done"))
    return Exit.DONE


def _add_display_commands(sub: Any, common: ArgParser) -> None:
    """`voice`, `display-url`, `display …`: the hall display and its voice (issue 13)."""
    from counter_app.server.display_command import add_arguments as display_arguments  # no FastAPI

    p = sub.add_parser("voice", parents=[common], help=t("cli.help.voice"))
    p.add_argument("--code", required=True, metavar="A023")
    p.add_argument("--counter", required=True, metavar="L03")
    p.add_argument("--spoken", metavar="WORDS", help=t("cli.help.voice_spoken"))
    p.add_argument("--voice-dir", metavar="DIR", help=t("cli.help.voice_dir"))
    p.add_argument("--no-chime", action="store_true")
    p.add_argument("--out", metavar="FILE.wav")
    p = sub.add_parser("display-url", parents=[common], help=t("cli.help.display_url"))
    p.add_argument("--hub", metavar="URL")
    p.add_argument("--profile", metavar="NAME")
    p.add_argument("--qr", metavar="FILE.png")
    p = sub.add_parser("display", parents=[common], help=t("cli.help.display"))
    display_arguments(p)


@command("voice")
def cmd_voice(args: argparse.Namespace, s: Session) -> int:
    from counter_app.server.display_settings import voice_folder
    from counter_app.services import voice

    folder = voice_folder(args.voice_dir) if args.voice_dir else None
    chime = not args.no_chime
    if args.out is None:
        said, files = voice.plan(args.code, args.counter, args.spoken, chime=chime, voice_dir=folder)
        s.emit(said.to_json() | {"files": [str(f) for f in files]}, " ".join(said.clips))
        return Exit.DONE
    out = check_out(args.out)
    rendered = voice.render(args.code, args.counter, args.spoken, chime=chime, voice_dir=folder)
    write_file(out, rendered.wav)
    s.emit(
        rendered.announcement.to_json()
        | {
            "files": [str(f) for f in rendered.files],
            "out": str(out),
            "rate": rendered.rate,
            "frames": rendered.frames,
            "seconds": round(rendered.seconds, 3),
        },
        t("voice.written", path=str(out), seconds=f"{rendered.seconds:.2f}"),
    )
    return Exit.DONE


@command("display-url")
def cmd_display_url(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import display_link

    url = display_link.display_url(s.context(), hub=args.hub, profile=args.profile)
    lines = [url]
    if display_link.is_loopback(url):
        lines.append(t("display.loopback_note"))
    data: dict[str, Any] = {"url": url, "loopback": display_link.is_loopback(url)}
    if args.qr:
        out = check_out(args.qr, "qr")
        write_file(out, display_link.qr_png(url))
        data["qr"] = str(out)
        lines.append(t("display.qr_written", path=str(out)))
    s.emit(data, "\n".join(lines))
    return Exit.DONE


@command("display")
def cmd_display(args: argparse.Namespace, s: Session) -> int:
    from counter_app.server.display_command import run as run_display

    return run_display(args, s.data_dir, as_json=bool(args.json), out=sys.stdout)


def _add_survey_commands(sub: Any, common: ArgParser) -> None:
    """`survey import|report`, `ikm`, `complaint add|list|respond` (DESIGN.md §7)."""
    p = sub.add_parser("survey", parents=[common], help=t("cli.help.survey"))
    surveys = p.add_subparsers(dest="survey", parser_class=ArgParser, required=True)
    p = surveys.add_parser("import", parents=[common], help=t("cli.help.survey_import"))
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--allow-duplicate", action="store_true", help=t("cli.help.survey_duplicate"))
    p.add_argument("--map", metavar="8=U9,9=U8", help=t("cli.help.survey_map"))
    p = surveys.add_parser("report", parents=[common], help=t("cli.help.survey_report"))
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--service", metavar="CODE")
    p.add_argument("--agency", metavar="CODE")
    p.add_argument("--counter", metavar="CODE")
    p.add_argument("--out", required=True, metavar="FILE.pdf")

    p = sub.add_parser("ikm", parents=[common], help=t("cli.help.ikm"))
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--service", metavar="CODE")
    p.add_argument("--agency", metavar="CODE")
    p.add_argument("--counter", metavar="CODE")

    p = sub.add_parser("complaint", parents=[common], help=t("cli.help.complaint"))
    acts = p.add_subparsers(dest="complaint", parser_class=ArgParser, required=True)
    p = acts.add_parser("add", parents=[common], help=t("cli.help.complaint_add"))
    p.add_argument("--channel", required=True, help="langsung|telepon|whatsapp|kotak_saran|lapor")
    p.add_argument("--category", required=True)
    p.add_argument(
        "--class",
        dest="classification",
        required=True,
        help="ringan|normatif|tidak_berkadar_pengawasan|berkadar_pengawasan",
    )
    p.add_argument("--text", required=True)
    p.add_argument("--ticket", metavar="ID|RECEIPT|CODE")
    p.add_argument("--service", metavar="CODE")
    p.add_argument("--contact")
    p.add_argument("--consent", action="store_true", help=t("cli.help.complaint_consent"))
    p = acts.add_parser("list", parents=[common], help=t("cli.help.complaint_list"))
    p.add_argument("--status", help="baru|diproses|selesai")
    p.add_argument("--open", action="store_true")
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p = acts.add_parser("respond", parents=[common], help=t("cli.help.complaint_respond"))
    p.add_argument("ref", metavar="ID|NUMBER")
    p.add_argument("--action", required=True)
    p.add_argument("--status", help="baru|diproses|selesai")
    # issue 15, point 4: the SP4N-LAPOR! verification, the deadline rules, the closed days
    p = acts.add_parser("verify", parents=[common], help=t("cli.help.complaint_verify"))
    p.add_argument("ref", metavar="ID|NUMBER")
    p.add_argument("--note")
    p = acts.add_parser("deadlines", parents=[common], help=t("cli.help.complaint_deadlines"))
    p.add_argument(
        "--set",
        dest="set_days",
        action="append",
        default=[],
        metavar="RULE=DAYS",
        help=t("cli.help.deadlines_set"),
    )
    p.add_argument("--hours", dest="set_hours", action="append", default=[], metavar="CLASS=HOURS")
    p.add_argument("--reset", action="append", default=[], metavar="RULE")
    p.add_argument("--cuti-bersama", choices=["on", "off"], help=t("cli.help.deadlines_cuti"))
    p = sub.add_parser("closed-days", parents=[common], help=t("cli.help.closed_days"))
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("dates", nargs="*", metavar="YYYY-MM-DD")
    p.add_argument("--year", type=int)
    p = sub.add_parser("service-standard", parents=[common], help=t("cli.help.service_standard"))
    p.add_argument("codes", nargs="*", metavar="CODE")
    p.add_argument("--out", metavar="FILE.pdf")


@command("survey")
def cmd_survey(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import skm_report, survey_import

    ctx = s.context()
    if args.survey == "import":
        # a bad file raises survey_import.CsvRejected (a ValidationError): every row error goes
        # to stderr through main()'s one error path, exit 2, nothing imported
        result = survey_import.import_csv(
            ctx, Path(args.file), allow_duplicate=args.allow_duplicate, mapping=args.map
        )
        data = result.to_json()
        s.emit(
            data,
            t(
                "survey.cli.imported",
                imported=result.imported,
                incomplete=result.incomplete,
                first=data["first_day"],
                last=data["last_day"],
            )
            + ("\n" + t("survey.cli.resumed", already=result.already) if result.already else "")
            + "\n"
            + t("survey.cli.mapping", mapping=result.mapping_text()),
        )
        return Exit.DONE
    from counter_app.documents.skm_report_pdf import render

    snapshot = skm_report.report_snapshot(
        ctx,
        parse_date(args.date_from),
        parse_date(args.date_to),
        service=args.service,
        agency=args.agency,
        counter=args.counter,
    )
    out = Path(args.out)
    write_file(out, render(snapshot, i18n.language()))
    s.emit(
        {
            "path": str(out),
            "ikm": snapshot["ikm"],
            "grade": snapshot["grade"],
            "respondents": snapshot["respondents"],
        },
        t("survey.cli.report_written", path=str(out)),
    )
    return Exit.DONE


@command("ikm")
def cmd_ikm(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import report_text, skm_report

    ctx = s.context()
    data = skm_report.ikm(
        ctx,
        parse_date(args.date_from),
        parse_date(args.date_to),
        service=args.service,
        agency=args.agency,
        counter=args.counter,
    )
    s.emit(data, lambda: report_text.format_ikm(data, i18n.language()))
    return Exit.DONE


@command("complaint")
def cmd_complaint(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import complaints

    ctx = s.context()
    if args.complaint == "add":
        row = complaints.add(
            ctx,
            channel=args.channel,
            category=args.category,
            classification=args.classification,
            text=args.text,
            ticket=args.ticket,
            service=args.service,
            contact=args.contact,
            contact_consent=args.consent,
        )
        view = complaints.detail(ctx, row.id)
        if view.estimated_years:
            from counter_app.services import site_calendar

            print(site_calendar.estimate_text(list(view.estimated_years)), file=sys.stderr)
        s.emit(
            view.to_json(),
            t("complaint.cli.added", number=view.number, deadline=local_time_text(view.deadline_at, ctx.tz)),
        )
        return Exit.DONE
    if args.complaint == "verify":
        row = complaints.verify(ctx, args.ref, args.note)
        view = complaints.detail(ctx, row.id)
        s.emit(view.to_json(), t("complaint.cli.verified", number=view.number))
        return Exit.DONE
    if args.complaint == "deadlines":
        return _complaint_deadlines(args, s)
    if args.complaint == "respond":
        row = complaints.respond(ctx, args.ref, args.action, args.status)
        view = complaints.detail(ctx, row.id)
        s.emit(
            view.to_json(),
            t(
                "complaint.cli.responded",
                number=view.number,
                status=t(i18n.COMPLAINT_STATUS_KEYS[view.status]),
            ),
        )
        return Exit.DONE
    views = complaints.list_complaints(
        ctx,
        status=args.status,
        open_only=args.open,
        overdue_only=args.overdue,
        date_from=parse_date(args.date_from) if args.date_from else None,
        date_to=parse_date(args.date_to) if args.date_to else None,
    )

    def line(v: Any) -> str:
        flag = (
            f"  {t('complaint.overdue')}" if v.overdue else (f"  ({t('complaint.late')})" if v.late else "")
        )
        # each SP4N-LAPOR! milestone overdue on its own
        if v.verification_overdue:
            flag += f"  {t('complaint.verification_overdue')}"
        if v.first_response_overdue:
            flag += f"  {t('complaint.first_response_overdue')}"
        return (
            f"{v.number:<25}{local_time_text(v.received_at, ctx.tz):<18}"
            f"{local_time_text(v.deadline_at, ctx.tz):<18}{t(i18n.COMPLAINT_STATUS_KEYS[v.status]):<10}"
            f"{t(i18n.COMPLAINT_CLASS_KEYS[v.classification])}{flag}"
        )

    s.emit(
        [v.to_json() for v in views],
        lambda: (
            "\n".join([t("complaint.cli.header")] + [line(v) for v in views])
            if views
            else t("complaint.cli.empty")
        ),
    )
    return Exit.DONE


def _rule_pairs(items: list[str]) -> list[tuple[str, int]]:
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise ValidationError("cli.rule_pair", field="set", value=item)
        out.append((name.strip().lower(), int(value)))
    return out


def _complaint_deadlines(args: argparse.Namespace, s: Session) -> int:
    """Show the deadline rules; with options, change them first (all checked before any is kept)."""
    from counter_app.core.deadlines import ComplaintClass, Milestone
    from counter_app.services import site_calendar

    ctx = s.context()
    days, hours = _rule_pairs(args.set_days), _rule_pairs(args.set_hours)
    if days or hours or args.reset or args.cuti_bersama:  # all kept, or none
        site_calendar.change_rules(
            ctx,
            working_days=days,
            hours=hours,
            reset=[r.strip().lower() for r in args.reset],
            cuti_bersama=None if args.cuti_bersama is None else args.cuti_bersama == "on",
        )
    rules = site_calendar.rules_of(ctx)
    data = rules.to_json()

    def text() -> str:
        def rule(r: Any) -> str:
            return (
                t("complaint.cli.rule_hours", n=r.hours)
                if r.hours is not None
                else t("complaint.cli.rule_days", n=r.working_days)
            )

        lines = [
            f"{t(i18n.COMPLAINT_CLASS_KEYS[c.value]):<32}{rule(rules.by_class[c])}" for c in ComplaintClass
        ]
        lines += [f"{t(i18n.MILESTONE_KEYS[m.value]):<32}{rule(rules.milestones[m])}" for m in Milestone]
        lines.append(t("complaint.cli.cuti_on" if rules.cuti_bersama else "complaint.cli.cuti_off"))
        return "\n".join(lines)

    s.emit(data, text)
    return Exit.DONE


@command("closed-days")
def cmd_closed_days(args: argparse.Namespace, s: Session) -> int:
    """`closed-days add|remove DATE…` (all checked before any is kept) and `closed-days list`."""
    from counter_app.services import site_calendar

    ctx = s.context()
    if args.action != "list":
        if not args.dates:
            raise ValidationError("cli.dates_required", field="dates")
        days = [parse_date(d) for d in args.dates]
        site_calendar.change_closed_days(ctx, args.action, days)  # all kept, or none
        s.emit({"action": args.action, "dates": [d.isoformat() for d in days]}, t("cli.done"))
        return Exit.DONE
    from counter_app.core.clock import local_day

    year = args.year or local_day(ctx.clock.now(), ctx.tz).year
    listed = site_calendar.closed_days(ctx, year)
    estimated = site_calendar.estimated_years(ctx, date(year, 1, 1), date(year, 12, 31))
    if estimated:
        print(site_calendar.estimate_text(estimated), file=sys.stderr)

    def text() -> str:
        return "\n".join(
            f"{d.day.isoformat()}  {site_calendar.date_text(d.day):<28}"
            f"{t(CALENDAR_SOURCE_KEYS[d.source]):<10}{d.name}"
            + (f"  ({t('calendar.removed')})" if d.is_open else "")
            for d in listed
        ) or t("calendar.none")

    s.emit({"year": year, "estimated": bool(estimated), "days": [d.to_json() for d in listed]}, text)
    return Exit.DONE


@command("service-standard")
def cmd_service_standard(args: argparse.Namespace, s: Session) -> int:
    """The service standard of CODE… (all active services when none): `--out F.pdf` prints it
    (A4, one page per service); without it the parts are shown (`--json`: a list)."""
    from counter_app.services import service_standard

    ctx = s.context()
    codes = [c.strip().upper() for c in args.codes if c.strip()]
    if args.out:
        out = check_out(args.out)
        write_file(out, service_standard.render_pdf(ctx, codes or None))
        s.emit({"path": str(out), "services": codes}, t("standard.cli.written", path=str(out)))
        return Exit.DONE
    from counter_app.services import catalogue

    data = [service_standard.standard(c) for c in (codes or [v.code for v in catalogue.active_services()])]

    def text() -> str:
        blocks = []
        for d in data:
            rows = [f"{d['code']} — {d['name']} ({d['agency']})"]
            for key, label_key in (
                ("legal_basis", "standard.legal_basis"),
                ("requirements", "standard.requirements"),
                ("procedure", "standard.procedure"),
            ):
                rows.append(f"  {t(label_key)}: " + "; ".join(d[key]) if d[key] else f"  {t(label_key)}: —")
            rows.append(f"  {t('standard.completion')}: {d['completion'] or '—'}")
            rows.append(f"  {t('standard.fee')}: {d['fee_text']}")
            rows.append(f"  {t('standard.product')}: {d['product'] or '—'}")
            rows.append(f"  {t('standard.hours')}: {d['hours'] or '—'}")
            quota = (
                t("standard.quota_value", n=d["daily_quota"]) if d["daily_quota"] else t("standard.no_quota")
            )
            rows.append(f"  {t('standard.quota')}: {quota}")
            blocks.append("\n".join(rows))
        return "\n\n".join(blocks)

    s.emit(data, text)
    return Exit.DONE


def _add_privacy_commands(sub: Any, common: ArgParser) -> None:
    """`privacy purge|export|erase|notice` (UU PDP 27/2022, DESIGN.md §7)."""
    p = sub.add_parser("privacy", parents=[common], help=t("cli.help.privacy"))
    acts = p.add_subparsers(dest="privacy", parser_class=ArgParser, required=True)
    p = acts.add_parser("purge", parents=[common], help=t("cli.help.privacy_purge"))
    p.add_argument("--dry-run", action="store_true", help=t("cli.help.privacy_dry_run"))
    for name, help_key in (("export", "cli.help.privacy_export"), ("erase", "cli.help.privacy_erase")):
        p = acts.add_parser(name, parents=[common], help=t(help_key))
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--nik")
        who.add_argument("--phone")
        who.add_argument("--ticket", metavar="ID|RECEIPT|CODE")
        if name == "export":
            p.add_argument("--out", required=True, metavar="DIR")
        else:
            p.add_argument("--reason", required=True)
    p = acts.add_parser("notice", parents=[common], help=t("cli.help.privacy_notice"))
    p.add_argument("--out", required=True, metavar="FILE.pdf")


@command("privacy")
def cmd_privacy(args: argparse.Namespace, s: Session) -> int:
    from counter_app.services import privacy

    if args.privacy == "notice":
        out = check_out(args.out)
        write_file(out, privacy.notice_pdf(s.context(), i18n.language()))
        s.emit({"path": str(out)}, t("privacy.cli.notice", path=str(out)))
        return Exit.DONE
    if args.privacy == "export" and not Path(args.out).expanduser().is_dir():
        raise ValidationError("privacy.out_folder", field="out", path=args.out)
    ctx = s.context()
    if args.privacy == "purge":
        result = privacy.purge(ctx, dry_run=args.dry_run)
        key = "privacy.cli.dry_run" if result.dry_run else "privacy.cli.purged"
        s.emit(result.to_json(), t(key, cutoff=str(result.cutoff), **result.counts.to_json()))
        return Exit.DONE
    who = privacy.subject(ctx, nik=args.nik, phone=args.phone, ticket=args.ticket)
    if args.privacy == "export":
        files = privacy.export_files(ctx, who, Path(args.out).expanduser(), i18n.language())
        if not files:
            s.emit({"subject": who.shown, "files": []}, t("privacy.nothing", shown=who.shown))
            return Exit.NO
        s.emit(
            {"subject": who.shown, "files": [str(f) for f in files]},
            t("privacy.cli.exported", files=", ".join(str(f) for f in files)),
        )
        return Exit.DONE
    erasure = privacy.erase(ctx, who, args.reason)
    lines = [t("privacy.cli.erased", **erasure.counts.to_json())]
    lines += [t("privacy.cli.kept", ref=k.ref, reason=t(k.reason)) for k in erasure.kept]
    s.emit(erasure.to_json() | {"subject": who.shown}, "\n".join(lines))
    return Exit.NO if erasure.kept else Exit.DONE  # a record that must be kept: said, and exit 1


# ---- entry ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _early_language(argv)
    bad = _not_utf8(argv)
    if bad is not None:  # before anything parses, prints or stores it
        print(t("cli.error", message=bad), file=sys.stderr)
        return Exit.BAD_INPUT
    if not argv or argv == ["gui"]:
        return _gui()
    from counter_app.services import usecase

    data_dir: Path | None = None
    try:
        args = build_parser().parse_args(argv)
        if args.lang:
            i18n.set_language(args.lang)
        if not args.command:
            return _gui(args.data_dir)
        session = Session(args)
        data_dir = session.data_dir
        with usecase.store_failures(session.data_dir):  # messages name the data folder
            try:
                return int(COMMANDS[args.command](args, session))
            finally:
                session.close()
    except LoketError as exc:
        print(t("cli.error", message=exc.message()), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    except BrokenPipeError:
        # `counter-app queue | head`: the reader left; not an error worth a traceback.
        sys.stderr.close()
        return Exit.DONE
    except OSError as exc:
        # A file the command was given or writes (a full disk was made a StoreError above).
        detail = exc.strerror or type(exc).__name__
        print(
            t("cli.error", message=t("cli.os_error", path=exc.filename or "", detail=detail)), file=sys.stderr
        )
        return Exit.BAD_INPUT
    except Exception as exc:
        return _bug(exc, data_dir)
    finally:
        usecase.close_thread_store()


def _bug(exc: BaseException, data_dir: Path | None) -> int:
    """Exit 3: say it is a bug and where its traceback is; the traceback stays off the screen
    (it is for the maintainer, and may hold personal data) unless no log could be written."""
    from counter_app.core import logs

    path = logs.log_exception(exc, data_dir)
    detail = type(exc).__name__
    if path is None:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
        print(t("cli.bug_nolog", detail=detail), file=sys.stderr)
    else:
        print(t("cli.bug", detail=detail, path=str(path)), file=sys.stderr)
    return Exit.BUG


def _shown(text: str) -> str:
    """`KT\\xffP` for an argument Python decoded with surrogate escapes."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate from elsewhere (Windows)
        return text.encode("utf-8", "backslashreplace").decode("ascii")


def _not_utf8(argv: list[str]) -> str | None:
    """The message for the first argument (or COUNTER_APP_* variable) that is not UTF-8 text.

    Python hands such bytes over as lone surrogates, which fail later wherever the text is
    printed or stored (a traceback, exit 1); refusing them once here keeps exit 2's promise.
    """
    for n, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return t("cli.not_utf8", n=n, arg=_shown(arg))
    for name, value in os.environ.items():
        if name.startswith("COUNTER_APP_"):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return t("cli.env_not_utf8", name=name)
    return None


def _early_language(argv: list[str]) -> None:
    """Help texts are built before parsing, so pick up --lang (or the env) first."""
    lang = os.environ.get("COUNTER_APP_LANG")
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    if lang in i18n.LANGUAGES:
        i18n.set_language(lang)


def _gui(data_dir: str | None = None) -> int:
    try:
        from counter_app.gui.app import run
    except ImportError as exc:
        print(t("cli.no_gui", detail=str(exc)), file=sys.stderr)
        return Exit.BAD_INPUT
    return run(Path(data_dir) if data_dir else None)
