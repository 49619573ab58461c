"""A believable synthetic day at an MPP, driven through the real use cases with a moving clock.

Arrivals peak mid-morning; Friday has the midday prayer break; each counter has as many desks
as its demand needs; service times scatter around each service's target; some visitors are
priority, some do not answer their call, some leave, some are sent to another service.

`fill_day` is the whole demo day (`counter-app demo`): `run_demo` (the queue), then
`demo_responses` (survey answers of about a third of the served visitors) and
`demo_complaints` (a few complaints, some answered), all through the real use cases.
Every generator of demo data lives here.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from counter_app.core import ikm as ikm_rules
from counter_app.core.clock import FixedClock, from_db
from counter_app.core.errors import ValidationError
from counter_app.core.ikm import ELEMENTS
from counter_app.core.roles import Actor, Permission, Role
from counter_app.core.ticket_rules import ACTIVE, Priority, Status
from counter_app.services import catalogue, complaints, survey, tickets
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.store.models import Counter, CounterService, Service, Ticket, db

# Share of visitors by service (MPP Pontianak: Disdukcapil, DPMPTSP, Imigrasi, Bank, Samsat).
DEMAND = {
    "KTP": 12,
    "KK": 8,
    "AKTALAHIR": 5,
    "PINDAH": 3,
    "NIB": 6,
    "PBG": 2,
    "KONSULIZIN": 3,
    "INFO": 3,
    "PASPOR": 12,
    "PKB": 9,
    "STNK5": 2,
    "SKCK": 7,
    "BPJSKES": 5,
    "BPJSTK": 4,
    "BANK": 7,
    "NPWP": 3,
    "PBB": 3,
    "BPHTB": 1,
    "NIKAH": 2,
    "PDAMBARU": 1,
    "PDAMADUAN": 1,
}
FIRST_NAMES = [
    "Siti",
    "Nur",
    "Dewi",
    "Rina",
    "Yuliani",
    "Fitri",
    "Ayu",
    "Lestari",
    "Hendra",
    "Agus",
    "Budi",
    "Rudi",
    "Eko",
    "Andi",
    "Fajar",
    "Rizky",
    "Muhammad",
    "Ahmad",
    "Joko",
    "Wahyu",
    "Lim",
    "Tan",
    "Ng",
    "Apai",
    "Dayang",
    "Uray",
    "Syarif",
    "Kurniawati",
    "Veronika",
    "Yohanes",
]
LAST_NAMES = [
    "Aminah",
    "Rahayu",
    "Hidayat",
    "Saputra",
    "Pratama",
    "Wijaya",
    "Kurniawan",
    "Susanti",
    "Hasibuan",
    "Alkadrie",
    "Kusuma",
    "Setiawan",
    "Lim",
    "Santoso",
    "Nugroho",
    "Gunawan",
    "Abdullah",
    "Ramadhan",
    "Purnamasari",
    "Yuliana",
    "Harahap",
    "Marpaung",
    "Simanjuntak",
]
PRIORITY_SHARE = [
    (Priority.ELDERLY, 0.05),
    (Priority.DISABILITY, 0.01),
    (Priority.PREGNANT, 0.02),
    (Priority.CHILD, 0.005),
]


@dataclass
class DemoResult:
    day: date
    registered: int
    served: int
    no_show: int
    cancelled: int
    transferred: int
    waiting: int


def _opening(day: date) -> tuple[float, float, tuple[float, float] | None]:
    """(open, last arrival, break) in hours; Friday has the long prayer break."""
    if day.weekday() == 4:
        return 8.0, 15.5, (11.5, 13.0)
    return 8.0, 15.0, (12.0, 12.75)


def _arrival_hours(rng: random.Random, n: int, day: date) -> list[float]:
    start, end, brk = _opening(day)
    hours: list[float] = []
    while len(hours) < n:
        # Mid-morning peak with a smaller early-afternoon bump.
        h = rng.gauss(9.9, 1.2) if rng.random() < 0.75 else rng.gauss(13.6, 0.8)
        if not start <= h < end:
            continue
        if brk and brk[0] <= h < brk[1] and rng.random() < 0.9:
            continue
        hours.append(h)
    hours.sort()
    return hours


def _nik(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    day = born.day + (40 if rng.random() < 0.5 else 0)
    district = rng.choice(["01", "02", "03", "04", "05", "06"])
    return f"6171{district}{day:02d}{born:%m%y}{rng.randrange(1, 9999):04d}"


def _phone(rng: random.Random) -> str:
    return f"08{rng.choice(['11', '12', '13', '21', '52', '77', '95'])}{rng.randrange(10**7, 10**8)}"


def _recall_gap(ctx: Context) -> float:
    """Hours between calls of an absent visitor: the last call lands after the grace time."""
    calls: int = max(1, ctx.setting("no_show_after_calls") - 1)
    grace: float = ctx.setting("no_show_grace_minutes")
    return max(1.0, grace / calls) / 60


def run_demo(ctx: Context, day: date, visits: int, seed: int = 1, until: time | None = None) -> DemoResult:
    """Fill `day` with `visits` visitors. Runs in one transaction: all of the day or none.

    With `until`, the day stops at that local time: a morning in progress, with people still
    waiting and being served (what `make run` shows).
    """
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    rng = random.Random(seed)
    zone = ZoneInfo(ctx.tz)
    midnight = datetime.combine(day, time(0), zone)
    clock = FixedClock(midnight)
    base = replace(ctx, clock=clock)
    start_h, _, brk = _opening(day)

    def at(hours: float) -> datetime:
        return midnight + timedelta(hours=hours)

    counters = {
        c.code: [
            fk_id(link, CounterService.service)
            for link in CounterService.select().where(CounterService.counter == c.code)
        ]
        for c in Counter.select().where(Counter.active == True)  # noqa: E712
    }
    counters = {k: v for k, v in counters.items() if v}
    service_counter = {svc: code for code, svcs in counters.items() for svc in svcs}
    offered = [s for s in catalogue.active_services() if s.code in service_counter]
    weights = [DEMAND.get(s.code, 1) for s in offered]
    targets = {s.code: s.target_minutes for s in offered}

    # Desks per counter from expected workload: visitors × target minutes over ~6 h of service.
    desks: dict[str, list[Context]] = {}
    desk_counter: dict[str, str] = {}  # officer → the counter code of the desk
    total_w = sum(weights)
    for code, svcs in counters.items():
        work = sum(visits * DEMAND.get(s, 1) / total_w * targets.get(s, 10) for s in svcs if s in targets)
        n = max(1, math.ceil(work / (6 * 60 * 0.85)))
        desks[code] = [
            replace(base, actor=Actor(f"petugas.{code.lower()}.{i + 1}", Role.STAFF)) for i in range(n)
        ]
        # A counter holds one ticket at a time (DESIGN.md §4): each further desk is a counter
        # of its own (L01-2, L01-3…) serving the same services, so they share one queue.
        for i, desk in enumerate(desks[code]):
            desk_counter[desk.actor.username] = code if i == 0 else f"{code}-{i + 1}"
            if i and not Counter.select().where(Counter.code == f"{code}-{i + 1}").exists():
                name = Counter.get_by_id(code).name
                Counter.create(code=f"{code}-{i + 1}", name=f"{name} ({i + 1})")
                for svc in svcs:
                    CounterService.create(counter=f"{code}-{i + 1}", service=svc)

    events: list[tuple[float, int, str, object]] = []
    order = itertools.count()

    def push(hours: float, kind: str, data: object) -> None:
        heapq.heappush(events, (hours, next(order), kind, data))

    for h in _arrival_hours(rng, visits, day):
        push(h, "arrive", None)
    idle: dict[str, list[Context]] = {code: list(d) for code, d in desks.items()}
    for code in desks:
        for desk in idle[code][:]:
            idle[code].remove(desk)
            push(start_h, "free", (code, desk))

    registrar = replace(base, actor=Actor("petugas.pendaftaran", Role.STAFF))
    result = DemoResult(day, 0, 0, 0, 0, 0, 0)

    with db.atomic():
        stop = until.hour + until.minute / 60 if until else None
        while events:
            h, _, kind, data = heapq.heappop(events)
            if stop is not None and h >= stop:
                break
            clock.set(at(h))
            if kind == "arrive":
                wanted = rng.choices(offered, weights)[0]
                prio = Priority.GENERAL
                r = rng.random()
                for p, share in PRIORITY_SHARE:
                    if r < share:
                        prio = p
                        break
                    r -= share
                try:
                    reg = tickets.register(
                        registrar,
                        service=wanted.code,
                        name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        nik=_nik(rng) if rng.random() < 0.6 else None,
                        phone=_phone(rng) if rng.random() < 0.5 else None,
                        phone_consent=True,  # a demo visitor who gives a phone agrees
                        priority=prio.value,
                    )
                except ValidationError as exc:
                    if exc.key != "service.quota_full":
                        raise
                    continue  # the day's quota is full: the visitor is told to come back

                result.registered += 1
                if rng.random() < 0.015:
                    push(h + rng.uniform(0.3, 1.2), "leave", reg.ticket.id)
                code = service_counter[wanted.code]
                if idle[code]:  # one arrival wakes one idle desk
                    push(h, "free", (code, idle[code].pop()))
            elif kind == "free":
                code, desk = cast(tuple[str, Context], data)
                if brk and brk[0] <= h < brk[1] and day.weekday() == 4:
                    push(brk[1], "free", (code, desk))
                    continue
                called = tickets.call_next(desk, desk_counter[desk.actor.username])
                if called is None:
                    idle[code].append(desk)
                    continue
                if rng.random() < 0.04:  # recalled each grace/N minutes, then no-show
                    push(h + _recall_gap(base), "absent", (code, desk, called.id))
                else:
                    push(h + rng.uniform(0.3, 1.5) / 60, "start", (code, desk, called.id))
            elif kind == "absent":
                code, desk, tid = cast(tuple[str, Context, str], data)
                needed = base.setting("no_show_after_calls")
                ticket = Ticket.get_by_id(tid)
                if ticket.call_count < needed:
                    tickets.recall(desk, tid)
                    push(h + _recall_gap(base), "absent", data)
                else:
                    tickets.no_show(desk, tid)
                    result.no_show += 1
                    push(h, "free", (code, desk))
            elif kind == "start":
                code, desk, tid = cast(tuple[str, Context, str], data)
                started = tickets.start(desk, tid)
                target = targets[started.service_id]
                minutes = max(1.0, rng.lognormvariate(math.log(target * 0.9), 0.45))
                push(h + minutes / 60, "finish", (code, desk, tid))
            elif kind == "finish":
                code, desk, tid = cast(tuple[str, Context, str], data)
                if rng.random() < 0.03:
                    old = Ticket.get_by_id(tid)
                    others = [s for s in offered if s.code != fk_id(old, Ticket.service)]
                    other = rng.choices(others, [DEMAND.get(s.code, 1) for s in others])[0]
                    tickets.transfer(desk, tid, other.code, "Dialihkan oleh petugas")
                    result.transferred += 1
                    to_code = service_counter[other.code]
                    if idle[to_code]:
                        push(h, "free", (to_code, idle[to_code].pop()))
                else:
                    tickets.finish(desk, tid, "Berkas lengkap, selesai")
                    result.served += 1
                push(h, "free", (code, desk))
            elif kind == "leave":
                # Only someone still waiting walks out; once called, they stay.
                if Ticket.get_by_id(str(data)).status == Status.WAITING.value:
                    tickets.cancel(registrar, str(data), "Pengunjung meninggalkan antrean")
                    result.cancelled += 1
        result.waiting = (
            Ticket.select()
            .where((Ticket.day == day) & (Ticket.status.in_([s.value for s in ACTIVE])))
            .count()
        )
    return result


# ---- survey answers -----------------------------------------------------------------------

DEMO_SUGGESTIONS = [
    "Ruang tunggu kurang sejuk siang hari.",
    "Petugas ramah, terima kasih.",
    "Mohon tambah kursi di ruang tunggu.",
    "Informasi persyaratan di papan pengumuman kurang jelas.",
    "Antrean cepat, pelayanan memuaskan.",
    "Toilet perlu lebih sering dibersihkan.",
    "Sebaiknya ada layanan pada hari Sabtu.",
    "Parkir sempit dan panas.",
    "Nomor antrean di layar kadang tidak terdengar.",
]


@dataclass
class DemoSurveyResult:
    day: date
    responses: int
    complaints: int


def _demo_score(rng: random.Random, mood: float, fee_free: bool, code: str) -> int:
    if code == ikm_rules.FEE_ELEMENT and fee_free:
        return 4 if rng.random() < 0.93 else 3
    r = rng.random() + mood
    if r < 0.03:
        return 1
    if r < 0.15:
        return 2
    if r < 0.72:
        return 3
    return 4


def demo_responses(ctx: Context, day: date, seed: int = 1, share: float = 0.3) -> DemoSurveyResult:
    """Realistic answers for about `share` of the day's served tickets (a few minutes after
    each finished), and a few complaints, some already followed up. One transaction."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    rng = random.Random(seed)
    clock = FixedClock(ctx.clock.now())
    done = list(
        Ticket.select()
        .where((Ticket.day == day) & (Ticket.status == Status.DONE.value))
        .order_by(Ticket.finished_at)
    )
    fees = {s.code: s.fee for s in Service.select(Service.code, Service.fee)}
    answered = 0
    filed = 0
    with db.atomic():
        for ticket in done:
            if rng.random() >= share or survey.has_response(ticket.id):
                continue
            finished = cast(datetime, from_db(ticket.finished_at))  # set on every DONE ticket
            clock.set(finished + timedelta(minutes=rng.uniform(0.5, 4)))
            desk = replace(ctx, clock=clock, actor=Actor(ticket.served_by or "petugas", Role.STAFF))
            mood = rng.gauss(0, 0.12)
            answers = {
                c: _demo_score(rng, mood, fees.get(fk_id(ticket, Ticket.service), 0) == 0, c)
                for c in ELEMENTS
            }
            consent = rng.random() < 0.8
            respondent = {}
            if consent:
                respondent = {
                    "age_band": rng.choices(ikm_rules.AGE_BANDS, [8, 30, 28, 20, 14])[0],
                    "sex": rng.choice(ikm_rules.SEXES),
                    "education": rng.choices(ikm_rules.EDUCATION, [5, 10, 42, 12, 26, 4, 1])[0],
                    "occupation": rng.choices(ikm_rules.OCCUPATIONS, [12, 2, 2, 34, 26, 12, 12])[0],
                }
            note = rng.choice(DEMO_SUGGESTIONS) if rng.random() < 0.15 else ""
            survey.record(desk, ticket.id, answers, respondent, consent, note)
            answered += 1
        filed = demo_complaints(replace(ctx, clock=clock), day, rng, done)
    return DemoSurveyResult(day, answered, filed)


# ---- complaints ---------------------------------------------------------------------------

DEMO_COMPLAINTS = [
    ("langsung", "waktu", "ringan", "Antrean KTP lama, sudah 1 jam belum dipanggil."),
    ("whatsapp", "informasi", "ringan", "Persyaratan paspor di situs web berbeda dengan di loket."),
    ("kotak_saran", "sarana", "normatif", "AC ruang tunggu lantai 3 mati sejak pagi."),
    ("telepon", "perilaku", "normatif", "Petugas loket bicara dengan nada tinggi kepada lansia."),
    (
        "lapor",
        "biaya",
        "tidak_berkadar_pengawasan",
        "Ada yang menawarkan jasa percepatan berbayar di depan gedung.",
    ),
    ("langsung", "persyaratan", "ringan", "Diminta fotokopi KK padahal sudah ada KTP-el."),
]


def demo_complaints(ctx: Context, day: date, rng: random.Random, served: Sequence[Ticket]) -> int:
    """Zero to three complaints in the day's opening hours; the minor ones answered the same day."""
    opening = datetime.combine(day, time(8, 30), ZoneInfo(ctx.tz))
    clock = FixedClock(opening)
    desk = replace(ctx, clock=clock, actor=Actor("petugas.pengaduan", Role.STAFF))
    boss = replace(ctx, clock=clock, actor=Actor("koordinator", Role.SUPERVISOR))
    n = rng.choice([0, 1, 1, 2, 2, 3])
    for _ in range(n):
        channel, category, klass, text = rng.choice(DEMO_COMPLAINTS)
        clock.set(opening + timedelta(hours=rng.uniform(0, 6)))
        ticket = rng.choice(served).id if served and channel == "langsung" and rng.random() < 0.6 else None
        consent = rng.random() < 0.5
        contact = (
            f"08{rng.choice(['11', '12', '13', '52'])}{rng.randrange(10**7, 10**8)}" if consent else None
        )
        row = complaints.add(
            desk,
            channel=channel,
            category=category,
            classification=klass,
            text=text,
            ticket=ticket,
            contact=contact,
            contact_consent=consent,
        )
        if klass == "ringan":
            clock.advance(minutes=rng.uniform(20, 200))
            complaints.respond(
                boss, row.id, "Sudah dijelaskan kepada pelapor dan ditindaklanjuti di loket.", complaints.DONE
            )
        elif rng.random() < 0.5:
            clock.advance(minutes=rng.uniform(30, 120))
            complaints.respond(
                boss,
                row.id,
                "Diteruskan kepada instansi terkait untuk ditindaklanjuti.",
                complaints.IN_PROGRESS,
            )
    return n


# ---- the whole day ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDay:
    """What `fill_day` made: the queue's outcome, the survey answers and the complaints."""

    queue: DemoResult
    surveys: int
    complaints: int

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: (str(v) if k == "day" else v) for k, v in vars(self.queue).items()}
        data.update(surveys=self.surveys, complaints=self.complaints)
        return data


def fill_day(ctx: Context, day: date, visits: int, seed: int = 1, until: time | None = None) -> DemoDay:
    """A believable day: the queue (`run_demo`), then survey answers and complaints."""
    queue = run_demo(ctx, day, visits, seed, until)
    extra = demo_responses(ctx, day, seed)
    return DemoDay(queue, extra.responses, extra.complaints)
