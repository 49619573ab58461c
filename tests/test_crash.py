"""The program dies at random moments while registering: nothing is lost, doubled or skipped.

A child process registers visitors (and calls some) in a loop, printing each ticket once its
transaction has returned; the test kills it with SIGKILL at random moments, several times. The
store must then be intact: integrity check ok, queue codes 1..N per letter and day with no gap
or duplicate, every ticket with its register event and outbox row, every acknowledged ticket
present, and an unbroken audit chain.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import pytest

import counter_app
from counter_app.services import journal
from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db, init_db

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from counter_app.core.clock import SystemClock
    from counter_app.core.roles import Actor, Role
    from counter_app.services import tickets
    from counter_app.services.context import Context
    from counter_app.store.connection import init_db

    data_dir = Path(sys.argv[1])
    round_no = int(sys.argv[2])
    init_db(data_dir)
    ctx = Context(data_dir, Actor("crash-child", Role.ADMIN), SystemClock())
    services = ["AKTALAHIR", "SKCK", "NIB", "KK"]  # no daily quota: the loop registers hundreds
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        svc = services[i % len(services)]
        nik = f"6171010101{round_no % 100:02d}{i % 10000:04d}" if i % 10000 else None
        t = tickets.register(
            ctx, service=svc, name=f"Pengunjung {round_no} {i}", nik=nik, phone="081234567890", phone_consent=True
        ).ticket
        print(t.id, flush=True)
        if i % 3 == 0:
            held = tickets.in_hand(ctx)  # a kill after the call leaves one in hand
            if held is not None and held.status == "serving":
                tickets.finish(ctx, held.id)
            elif held is not None:
                tickets.requeue(ctx, held.id)
            called = tickets.call_next(ctx)
            if called is not None and i % 2 == 0:
                tickets.start(ctx, called.id)
                tickets.finish(ctx, called.id)  # the counter holds one ticket at a time
            elif called is not None:
                tickets.requeue(ctx, called.id)
    """
)

ROUNDS = 12


def _one_round(script: Path, data_dir: Path, round_no: int, rng: random.Random, acked: set[str]) -> None:
    root = str(Path(counter_app.__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    child = subprocess.Popen(
        [sys.executable, str(script), str(data_dir), str(round_no)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first.strip() == "ready", child.stderr.read() if child.stderr else first
        # Let it write a random number of tickets, then kill it at a random instant.
        for _ in range(rng.randint(1, 60)):
            line = child.stdout.readline()
            if not line:
                break
            acked.add(line.strip())
        time.sleep(rng.uniform(0, 0.03))
        child.send_signal(signal.SIGKILL)
        rest, err = child.communicate(timeout=30)
        # Anything printed before the kill was acknowledged as registered.
        acked.update(x for x in rest.split() if x)
        assert child.returncode == -signal.SIGKILL, err
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _check(data_dir: Path, acked: set[str]) -> int:
    con = sqlite3.connect(data_dir / DB_NAME)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = con.execute("SELECT id, day, letter, seq, code FROM ticket").fetchall()
        ids = {r[0] for r in rows}
        missing = acked - ids
        assert not missing, f"acknowledged tickets lost: {sorted(missing)[:5]}"

        by_day_letter: dict[tuple[str, str], list[int]] = defaultdict(list)
        for _, day, letter, seq, code in rows:
            assert code == f"{letter}{seq:03d}"
            by_day_letter[(day, letter)].append(seq)
        for key, seqs in by_day_letter.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), key
        # The day's counter agrees with what was issued: the next number follows on.
        for (day, letter), last in {
            (d, letter): last
            for d, letter, last in con.execute("SELECT day, letter, last FROM queue_sequence")
        }.items():
            assert last == len(by_day_letter[(day, letter)]), (day, letter)

        registered = dict(
            con.execute(
                "SELECT ticket_id, count(*) FROM ticket_event WHERE action = 'register' GROUP BY ticket_id"
            ).fetchall()
        )
        assert registered == {i: 1 for i in ids}
        with_outbox = {r[0] for r in con.execute("SELECT DISTINCT uuid FROM outbox WHERE entity = 'ticket'")}
        assert with_outbox == ids
        # Each status change left exactly its event: the latest event's target is the status.
        for tid, status in con.execute("SELECT id, status FROM ticket"):
            (last,) = con.execute(
                "SELECT to_status FROM ticket_event WHERE ticket_id = ? ORDER BY id DESC LIMIT 1", (tid,)
            ).fetchone()
            assert last == status
        audited = {
            r[0] for r in con.execute("SELECT subject FROM audit_log WHERE action = 'ticket.register'")
        }
        assert audited == ids
        return len(ids)
    finally:
        con.close()


@pytest.mark.slow
def test_sigkill_while_registering_loses_and_doubles_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    initialise(data_dir, by="test")
    close_db()
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    rng = random.Random(20261130)
    acked: set[str] = set()
    deadline = time.monotonic() + 45
    rounds = 0
    previous = 0
    while rounds < ROUNDS and time.monotonic() < deadline:
        _one_round(script, data_dir, rounds, rng, acked)
        rounds += 1
        count = _check(data_dir, acked)
        assert count >= previous
        previous = count
    assert rounds >= 3
    assert previous > 0

    # The program opens the store again, the chain is whole, and numbering continues.
    init_db(data_dir)
    try:
        ok, broken, checked = journal.verify_chain()
        assert (ok, broken) == (True, None)
        assert checked > previous
    finally:
        close_db()


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from counter_app.core.clock import SystemClock
    from counter_app.core.roles import Actor, Role
    from counter_app.services import tickets
    from counter_app.services.context import Context
    from counter_app.store.connection import init_db

    data_dir, who, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    init_db(data_dir)
    ctx = Context(data_dir, Actor(who, Role.STAFF), SystemClock())
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    for i in range(n):
        svc = "KTP" if i % 2 else "KK"  # one letter, two services
        t = tickets.register(ctx, service=svc, name=f"Pengunjung {who} {i}").ticket
        print(t.code, flush=True)
    """
)


def test_concurrent_counters_never_issue_the_same_code(tmp_path: Path) -> None:
    """Several PCs' processes registering at once on one store: codes stay unique, no gaps."""
    data_dir = tmp_path / "data"
    initialise(data_dir, by="test")
    close_db()
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    root = str(Path(counter_app.__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    per_writer, writers = 25, 3
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(data_dir), f"w{k}", str(per_writer)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for k in range(writers)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outputs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (_, err) in zip(procs, outputs):
        assert p.returncode == 0, err
    codes = [c for out, _ in outputs for c in out.split()]
    assert len(codes) == per_writer * writers
    assert sorted(codes) == [f"A{i:03d}" for i in range(1, per_writer * writers + 1)]
    assert _check(data_dir, set()) == per_writer * writers
