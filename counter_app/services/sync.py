"""Sync with the central server (DESIGN.md §6): the use case the CLI and the GUI call.

`run_sync(ctx)` backs up the local file, pushes every pending outbox row, pulls reference data
(catalogue, staff accounts, keyring), then compares the number of tickets per day with the
server and reports any difference. It can be interrupted anywhere and simply run again.

Where things are kept on this PC
    setting `sync_server`          the server URL (saved after the first successful sync)
    <data_dir>/secrets/sync.token  the device token (0600; never in the database)
    setting `sync_pull_version`    version of the reference data last applied
    setting `sync_last_at`         when the last sync ran (ISO, UTC)
    setting `sync_last_result`     its outcome as JSON: {"ok": true, "pushed": …, "pulled": …,
                                   "mismatches": …} or {"ok": false, "error": key, "message": …}
    setting `sync_last_ok_at`      when a sync last succeeded (the GUI's catch-up uses it)
    setting `last_sync`            local time text of the last success (the status bar's)

Each sync also sends the head of the audit chain (the last AuditLog row's sequence number and
hash); the server keeps every head it was sent. `check_audit_anchor` compares the local chain
with those heads: a head the server has that the chain no longer contains means rows were
deleted, rewritten or the chain cut short.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlparse

import httpx

from counter_app.core import token as tokens
from counter_app.core.clock import local_time_text
from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.files import atomic_write, make_private_dir
from counter_app.core.i18n import t
from counter_app.core.roles import Permission
from counter_app.services import journal, keys, site_settings
from counter_app.services.backup import backup
from counter_app.services.context import Context, secret_path
from counter_app.store import settings as setting_table
from counter_app.store.models import AuditLog, Complaint, Ticket, db
from counter_app.sync import outbox, reference
from counter_app.sync.client import KEYS_REFUSED, Progress, RetryPolicy, SyncClient, SyncError, push_outbox
from counter_app.sync.protocol import BATCH_ROWS, personal_data_problem, redact

TOKEN_FILE = "sync.token"
LAST_AT_KEY = "sync_last_at"
LAST_RESULT_KEY = "sync_last_result"
LAST_OK_KEY = "sync_last_ok_at"
BACKUP_PREFIX = "pre-sync"
BACKUP_KEEP = 14
KEEP_SENT_DAYS = 30  # sent outbox rows are kept this long (diagnostics), then deleted

__all__ = [
    "SyncError",
    "SyncResult",
    "LastSync",
    "AnchorCheck",
    "run_sync",
    "server_daily_report",
    "last_sync",
    "saved_token",
    "save_token",
    "check_audit_anchor",
    "audit_head",
]


@dataclass(frozen=True)
class SyncResult:
    server: str
    device: str
    pushed: int
    stored_through: int
    pulled: int
    mismatches: list[dict[str, Any]]
    backup: str
    started_at: datetime
    finished_at: datetime
    keys_added: int = 0
    reference_published: int | None = None  # documents changed on the server (publisher only)
    redacted: int = 0  # outbox rows sent with a NIK or phone number masked
    keys_refused: str | None = None  # why the server took none of this PC's keys (a warning)
    audit_head: tuple[int, str] | None = None  # the chain head the server now holds

    def to_json(self) -> dict[str, Any]:
        head = None if self.audit_head is None else {"seq": self.audit_head[0], "hash": self.audit_head[1]}
        return {
            "keys_added": self.keys_added,
            "keys_refused": self.keys_refused,
            "audit_head": head,
            "server": self.server,
            "device": self.device,
            "pushed": self.pushed,
            "stored_through": self.stored_through,
            "pulled": self.pulled,
            "mismatches": self.mismatches,
            "redacted": self.redacted,
            "backup": self.backup,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
        }

    def text(self, lang: str | None = None) -> str:
        line = t("sync.result", lang=lang, pushed=self.pushed, pulled=self.pulled, device=self.device)
        if self.mismatches:
            days = ", ".join(
                t("sync.mismatch_day", lang=lang, day=m["day"], local=m["local"], server=m["server"])
                for m in self.mismatches
            )
            line += "\n" + t("sync.result_mismatch", lang=lang, count=len(self.mismatches), days=days)
        if self.keys_refused:
            line += "\n" + t("sync.keys_refused", lang=lang, detail=self.keys_refused)
        return line


@dataclass(frozen=True)
class LastSync:
    at: datetime | None  # last attempt (aware UTC)
    ok: bool | None  # None: never synced
    ok_at: datetime | None  # last success
    result: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        if self.ok is None:
            return t("sync.never", lang=lang)
        if self.ok:
            return t(
                "sync.result",
                lang=lang,
                pushed=self.result.get("pushed", 0),
                pulled=self.result.get("pulled", 0),
                device=self.result.get("device", ""),
            )
        return t("sync.failed", lang=lang, message=self.result.get("message", ""))


# ---- settings and the token ---------------------------------------------------------------


def _raw(key: str) -> str | None:
    return setting_table.stored(key)


def _put(key: str, value: str) -> None:
    setting_table.put(key, value)


def _aware(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def last_sync(ctx: Context) -> LastSync:
    """What the status bar shows: when the last sync ran, and how it went."""
    try:
        result = json.loads(_raw(LAST_RESULT_KEY) or "{}")
    except ValueError:
        result = {}
    at = _aware(_raw(LAST_AT_KEY))
    ok = None if at is None else bool(result.get("ok"))
    return LastSync(at, ok, _aware(_raw(LAST_OK_KEY)), result)


def saved_token(data_dir: Path) -> str | None:
    try:
        text = secret_path(data_dir, TOKEN_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def save_token(data_dir: Path, token: str) -> Path:
    """Write the device token readable by its owner only (0600), atomically."""
    path = secret_path(data_dir, TOKEN_FILE)
    make_private_dir(path.parent)
    return atomic_write(path, (token.strip() + "\n").encode("utf-8"))


def _server_url(ctx: Context, server: str | None) -> str:
    url = (server or ctx.setting("sync_server") or "").strip()
    if not url:
        raise ValidationError("sync.no_server", field="server")
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:  # e.g. "http://[::1": an unclosed IPv6 bracket, a port "99999"
        raise ValidationError("settings.url_malformed", field="server", url=url) from None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError("settings.url", field="server")
    return url.rstrip("/")


def _token(ctx: Context, token: str | None) -> str:
    value = (token or "").strip() or saved_token(ctx.data_dir)
    if not value:
        raise ValidationError("sync.no_token", field="token")
    return value


# ---- the sync -----------------------------------------------------------------------------


def own_key_entries(ctx: Context) -> list[dict[str, Any]]:
    """This station's public key and its retired ones (receipts they signed must verify) —
    those of its present site and counter only: the server takes a device's keys for the
    site and counter it was bound to, nothing else (a key of an earlier counter code would
    have the whole request refused)."""
    own = keys.station_key(ctx).entry()
    entries = [own]
    retired = keys.keys_dir(ctx.data_dir) / keys.RETIRED_FILE
    try:
        doc = json.loads(retired.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        for entry in doc["keys"]:
            try:
                tokens.load_keyring({"version": tokens.KEYRING_VERSION, "keys": [entry]})
            except tokens.KeyringError:
                continue
            if (entry.get("site"), entry.get("counter")) == (own["site"], own["counter"]):
                entries.append(
                    {
                        k: entry[k]
                        for k in ("kid", "site", "counter", "public_key", "created_at")
                        if k in entry
                    }
                )
    published: list[dict[str, Any]] = tokens.make_keyring(entries)["keys"]
    return published


def audit_head() -> tuple[int, str] | None:
    """(sequence, hash) of the audit chain's last row, None for an empty chain."""
    row = AuditLog.select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1).tuples().first()
    return None if row is None else (int(row[0]), str(row[1]))


def _publishable(docs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The catalogue with any mobile number or NIK in its texts masked (the server accepts
    none); staff documents are left whole (an argon2 hash must not be touched)."""
    catalogue = {kind: rows for kind, rows in docs.items() if kind != "staff"}
    if personal_data_problem(json.dumps(catalogue, ensure_ascii=False).encode("utf-8")):
        catalogue = redact(catalogue)
    return {**catalogue, "staff": docs.get("staff", [])}


def _visitor_names(docs: list[tuple[str, str, dict[str, Any]]]) -> dict[str, list[str]]:
    """The names on the visitor's own record (the ticket's name; a complaint's e-mail contact)
    for each outbox row, by row uuid: masked in the row's free texts before it leaves."""
    ticket_of = {
        uuid: (doc.get("id") if entity == "ticket" else doc.get("ticket_id")) for entity, uuid, doc in docs
    }
    wanted = sorted({t for t in ticket_of.values() if isinstance(t, str)})
    names: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        query = Ticket.select(Ticket.id, Ticket.name).where(Ticket.id.in_(wanted[i : i + 500]))
        names.update(cast(Iterable[tuple[str, str]], query.tuples()))  # (id, name): NOT NULL
    complaints = [uuid for entity, uuid, _doc in docs if entity == "complaint"]
    contacts: dict[str, str] = {}
    for i in range(0, len(complaints), 500):
        found = Complaint.select(Complaint.id, Complaint.contact).where(
            Complaint.id.in_(complaints[i : i + 500])
        )
        pairs = cast(Iterable[tuple[str, str | None]], found.tuples())  # (id, contact)
        contacts.update((k, v) for k, v in pairs if v and "@" in v)
    out: dict[str, list[str]] = {}
    for _entity, uuid, _doc in docs:
        ticket_id = ticket_of[uuid]
        known = [
            n
            for n in (
                names.get(ticket_id) if isinstance(ticket_id, str) else None,
                contacts.get(uuid),
            )
            if n
        ]
        if known:
            out[uuid] = known
    return out


def run_sync(
    ctx: Context,
    server: str | None = None,
    token: str | None = None,
    *,
    progress: Progress | None = None,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
    batch_rows: int = BATCH_ROWS,
) -> SyncResult:
    """Back up, push, pull, reconcile. `server`/`token` default to the saved ones and are
    saved after the first success. Raises SyncError (or ValidationError) with the user's
    message; the outcome is recorded in the settings either way."""
    ctx.actor.require(Permission.SYNC)
    url = _server_url(ctx, server)
    secret = _token(ctx, token)
    started = ctx.clock.now()
    try:
        result = _run(ctx, url, secret, started, progress, retry, transport, batch_rows)
    except BaseException as exc:
        logging.getLogger("loket.sync").warning(
            "sync run with %s failed: %s", url, exc.key if isinstance(exc, LoketError) else type(exc).__name__
        )
        _record_failure(ctx, started, exc)
        raise
    logging.getLogger("loket.sync").info(
        "sync run with %s: pushed %d, pulled %d, stored through %d, redacted %d, mismatches %d",
        url,
        result.pushed,
        result.pulled,
        result.stored_through,
        result.redacted,
        len(result.mismatches),
    )
    with db.atomic():
        if server and server.rstrip("/") != (ctx.setting("sync_server") or "").rstrip("/"):
            _put("sync_server", url)
        _record_success(ctx, result)
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "sync.run",
            url,
            {
                k: v
                for k, v in result.to_json().items()
                if k in ("device", "pushed", "pulled", "stored_through", "redacted")
            }
            | {"mismatches": len(result.mismatches)},
        )
    if token and token.strip() != saved_token(ctx.data_dir):
        save_token(ctx.data_dir, token)
    ctx.reload_settings()
    from counter_app.services import privacy  # the daily retention purge (UU PDP), after the sync

    privacy.purge_if_due(ctx)
    return result


def _run(
    ctx: Context,
    url: str,
    secret: str,
    started: datetime,
    progress: Progress | None,
    retry: RetryPolicy | None,
    transport: httpx.BaseTransport | None,
    batch_rows: int,
) -> SyncResult:
    def step(stage: str, done: int = 0, total: int = 0) -> None:
        if progress:
            progress(stage, done, total)

    step("backup")
    copy = backup(ctx, prefix=BACKUP_PREFIX, keep=BACKUP_KEEP)
    with SyncClient(url, secret, retry=retry, transport=transport) as client:
        step("connect")
        me = client.whoami()
        device = me["device"]
        keys_refused = None
        try:
            added = client.push_keys(device, own_key_entries(ctx))
        except SyncError as exc:  # e.g. a device of an old server not bound yet: the data still goes
            if exc.detail not in KEYS_REFUSED:
                raise
            added, keys_refused = 0, exc.detail
        published = None
        if me.get("publisher"):
            published = client.push_reference(device, _publishable(reference.snapshot(db)))

        step("push", 0, outbox.pending_count(db))
        pushed = push_outbox(
            client,
            db,
            device,
            batch_rows=batch_rows,
            clock=ctx.clock,
            progress=progress,
            names=_visitor_names,
        )
        head = audit_head()  # the anchor: the server keeps every head it is sent
        if head is not None:
            client.push_audit_head(device, *head)

        step("pull")
        pulled_doc = client.pull(reference.stored_version(db))
        if pulled_doc.get("keyring") is not None:
            try:
                keys.store_keyring(ctx.data_dir, pulled_doc["keyring"])
            except tokens.KeyringError as exc:
                raise SyncError("sync.protocol", server=url, detail=f"keyring: {exc}") from None
        with db.atomic():
            pulled = reference.apply(db, pulled_doc, ctx.clock.now())
            if pulled:
                kinds = ("agency", "service", "counter", "staff")
                counts = {k: len(pulled_doc.get(k) or []) for k in kinds}
                journal.audit(
                    ctx.clock,
                    ctx.actor.username,
                    "sync.pull",
                    url,
                    counts | {"version": pulled_doc["version"]},
                )

        step("reconcile")
        theirs = client.reconcile(device)
    ours = outbox.ticket_counts(db)
    mismatches = [
        {"day": day, "local": ours.get(day, 0), "server": theirs.get(day, 0)}
        for day in sorted(set(ours) | set(theirs))
        if ours.get(day, 0) != theirs.get(day, 0)
    ]
    outbox.prune_sent(db, ctx.clock.now() - timedelta(days=KEEP_SENT_DAYS))
    step("done")
    return SyncResult(
        server=url,
        device=device,
        pushed=pushed.pushed,
        stored_through=pushed.stored_through or int(me.get("stored_through") or 0),
        pulled=pulled,
        mismatches=mismatches,
        backup=str(copy),
        started_at=started,
        finished_at=ctx.clock.now(),
        keys_added=added,
        reference_published=published,
        redacted=pushed.redacted,
        keys_refused=keys_refused,
        audit_head=head,
    )


def _record_success(ctx: Context, result: SyncResult) -> None:
    _put(LAST_AT_KEY, result.started_at.isoformat())
    _put(LAST_OK_KEY, result.finished_at.isoformat())
    _put(
        LAST_RESULT_KEY,
        json.dumps(
            {
                "ok": True,
                "device": result.device,
                "pushed": result.pushed,
                "pulled": result.pulled,
                "mismatches": len(result.mismatches),
            }
        ),
    )
    _put(site_settings.LAST_SYNC_KEY, local_time_text(result.finished_at, ctx.tz))


def _record_failure(ctx: Context, started: datetime, exc: BaseException) -> None:
    if isinstance(exc, LoketError):
        error, message = exc.key, exc.message()
    else:
        error, message = "sync.failed_bug", f"{type(exc).__name__}: {exc}"
    try:
        with db.atomic():
            _put(LAST_AT_KEY, started.isoformat())
            _put(
                LAST_RESULT_KEY,
                json.dumps({"ok": False, "error": error, "message": message}, ensure_ascii=False),
            )
    except Exception:
        pass


# ---- the audit anchor ---------------------------------------------------------------------


@dataclass(frozen=True)
class AnchorCheck:
    """The local audit chain against the heads the server kept for this device."""

    server: str
    device: str
    heads: int  # heads the server holds
    missing: list[tuple[int, str]]  # those the local chain no longer contains

    @property
    def intact(self) -> bool:
        return not self.missing

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "device": self.device,
            "heads": self.heads,
            "intact": self.intact,
            "missing": [{"seq": seq, "hash": hash_} for seq, hash_ in self.missing],
        }

    def text(self, lang: str | None = None) -> str:
        if self.intact:
            return t("sync.audit_ok", lang=lang, heads=self.heads)
        return t(
            "sync.audit_tampered",
            lang=lang,
            missing=len(self.missing),
            heads=self.heads,
            seq=self.missing[0][0],
        )


def check_audit_anchor(
    ctx: Context,
    server: str | None = None,
    token: str | None = None,
    *,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> AnchorCheck:
    """Compare the local audit chain with every head the server received from this device:
    each must still be in the chain, at its sequence number with its hash. One that is not
    means rows were deleted or rewritten, or the chain was cut short (or emptied)."""
    ctx.actor.require(Permission.AUDIT)
    url = _server_url(ctx, server)
    with SyncClient(url, _token(ctx, token), retry=retry, transport=transport) as client:
        device = client.whoami()["device"]
        heads = client.audit_heads(device)
    local: dict[int, str] = {}
    seqs = sorted({seq for seq, _hash in heads})
    for i in range(0, len(seqs), 500):
        query = AuditLog.select(AuditLog.id, AuditLog.hash).where(AuditLog.id.in_(seqs[i : i + 500]))
        heads_here = cast(Iterable[tuple[int, str]], query.tuples())  # (id, hash)
        local.update((int(k), str(v)) for k, v in heads_here)
    missing = [(seq, hash_) for seq, hash_ in sorted(heads) if local.get(seq) != hash_]
    return AnchorCheck(url, device, len(heads), missing)


# ---- consolidated reports -----------------------------------------------------------------


def server_daily_report(
    ctx: Context,
    day: str,
    to: str | None = None,
    *,
    server: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """The consolidated daily figures of every device, from the server."""
    ctx.actor.require(Permission.REPORT)
    with SyncClient(_server_url(ctx, server), _token(ctx, token), retry=retry, transport=transport) as client:
        return client.daily_report(day, to)


def consolidated_text(figures: dict[str, Any], lang: str | None = None) -> str:
    """A few plain lines of the server's consolidated figures (the CLI without --json)."""
    from counter_app.core.i18n import language
    from counter_app.documents.exports import number, period_text

    lang = lang or language()

    def minutes(seconds: float | None) -> str:
        return number(None if seconds is None else seconds / 60, lang, 1)

    def counts(row: dict[str, Any]) -> str:
        return t(
            "report.cli.counts",
            lang=lang,
            **{
                k: number(row.get(k, 0), lang)
                for k in ("registered", "served", "no_show", "cancelled", "transferred", "waiting")
            },
        )

    tot = figures["totals"]
    devices = figures.get("scope", {}).get("devices", [])
    lines = [
        t("sync.report.title", lang=lang, period=period_text(figures, lang), devices=len(devices)),
        counts(tot),
        t(
            "report.cli.times",
            lang=lang,
            wait_mean=minutes(tot.get("wait_mean_s")),
            wait_p90=minutes(tot.get("wait_p90_s")),
            service_mean=minutes(tot.get("service_mean_s")),
            within=number(tot.get("within_target_pct"), lang, 1),
        ),
    ]
    lines += [f"  {row['device']:<16}{counts(row)}" for row in figures.get("by_device", [])]
    return "\n".join(lines)
