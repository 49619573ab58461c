"""The hall display (resources/web/display.html, served by the hub) in a real headless Chromium
with autoplay allowed, against a real hub process and counters calling with the command line.

No timing threshold is asserted: waits are bounded polls; the latency is measured and printed
(the benchmark bench/bench_display.py holds the figures).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_live_site import SITE, HubProcess, counters, run  # noqa: F401 - the fixtures

from counter_app.core.announcement import announcement
from counter_app.server.store import open_store
from web.cdp import CHROMIUM, Browser

CUT = "Terputus — mencoba menyambung kembali"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    url = f"sqlite:///{tmp_path / 'hub' / 'server.sqlite3'}"
    open_store(url).close()
    running = HubProcess(url, tmp_path / "hub")
    yield running
    running.kill()


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"headless Chromium not found at {CHROMIUM}; CI must run the browser tests")
        pytest.skip(f"headless Chromium not found at {CHROMIUM}")
    with Browser(1920, 1080) as b:
        yield b


def stats(b: Browser) -> dict[str, Any]:
    return b.js("JSON.parse(JSON.stringify(window.loketDisplay.stats))")


def text(b: Browser, ident: str) -> str:
    return b.js(f"document.getElementById({json.dumps(ident)}).textContent")


def waiting(b: Browser) -> dict[str, str]:
    return b.js(
        "Object.fromEntries([...document.querySelectorAll('#waiting .tile')]"
        ".map((tr) => [tr.dataset.service, tr.lastChild.textContent]))"
    )


def recent(b: Browser) -> list[str]:
    return b.js("[...document.querySelectorAll('#recent tr td:first-child')].map((td) => td.textContent)")


def serve(station: Any, ticket: dict[str, Any]) -> None:
    run(station, "start", ticket["id"])
    run(station, "finish", ticket["id"])


@pytest.mark.browser
def test_display_shows_and_speaks_calls_and_survives_a_hub_restart(
    hub: HubProcess, counters: Callable[..., Any], browser: Browser
) -> None:
    hub.start()
    desk = counters("L10", serves=())
    agent = counters("L03", serves=("KTP", "KK"))
    for _ in range(3):
        run(desk, "register", "--service", "KTP", "--name", "Siti Aminah")

    requests: list[str] = []
    paused: list[str] = []

    def watch(message: dict[str, Any]) -> None:  # on the reader thread: never sends
        if message.get("method") == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
        elif message.get("method") == "Fetch.requestPaused":
            paused.append(message["params"]["requestId"])

    browser.listeners.append(watch)
    browser.send("Network.enable")
    browser.goto(f"{hub.url}/display?site={SITE}")
    browser.wait_js("window.loketDisplay.stats.connected >= 1")
    browser.wait_js("document.querySelectorAll('#waiting .tile').length >= 1")
    assert waiting(browser) == {"KTP": "3 orang"}
    assert "now empty" in browser.js("document.getElementById('now').className")
    assert not browser.js("document.body.classList.contains('cut')")

    # ---- a call through the live hub path: call-next at L03 ----
    before_ms = time.time() * 1000
    called = run(agent, "call-next")
    after_ms = time.time() * 1000
    browser.wait_js(
        f"window.loketDisplay.stats.calls.some((c) => c.code === {json.dumps(called['code'])})", 10
    )
    shown = next(c for c in stats(browser)["calls"] if c["code"] == called["code"])
    print(
        f"\npage showed {called['code']} {shown['shown_at'] - before_ms:.0f} ms after `call-next` started "
        f"(the process took {after_ms - before_ms:.0f} ms: start-up, claim, local write, push)"
    )
    assert text(browser, "now-code") == called["code"] == "A001"
    assert text(browser, "now-counter") == "Loket 3"
    assert recent(browser)[0] == "A001"
    browser.wait_js(
        "document.querySelector('#waiting .tile[data-service=KTP]').lastChild.textContent === '2 orang'", 10
    )

    # the voice said exactly what `counter-app voice` says, once
    spoken = browser.wait_js(
        "window.loketDisplay.stats.spoken.length >= 1 && window.loketDisplay.stats.spoken", 15
    )
    assert spoken[0]["code"] == "A001"
    assert spoken[0]["clips"] == announcement("A001", "L03").clips
    assert not stats(browser)["errors"]

    # a recall is shown and said again
    run(agent, "recall", called["id"])
    browser.wait_js("window.loketDisplay.stats.spoken.length >= 2", 15)
    assert [s["recall"] for s in stats(browser)["spoken"]] == [False, True]

    # a second call: the last-calls list grows, newest first
    serve(agent, called)
    second = run(agent, "call-next")
    browser.wait_js(f"document.getElementById('now-code').textContent === {json.dumps(second['code'])}", 10)
    assert recent(browser)[:2] == ["A002", "A001"]
    browser.wait_js(
        "document.querySelector('#waiting .tile[data-service=KTP]').lastChild.textContent === '1 orang'", 10
    )
    browser.wait_js("window.loketDisplay.stats.spoken.length >= 3", 15)

    # ---- the hub restarts: the banner, then the page recovers ----
    # The page's reconnection requests are held (CDP Fetch) while the hub is back and a call is
    # made, so that call is certainly "old" when the page catches up: listed, never announced.
    browser.send("Fetch.enable", {"patterns": [{"urlPattern": "*/display/events*"}]})
    hub.kill()
    browser.wait_js("document.body.classList.contains('cut')", 15)
    assert browser.js("getComputedStyle(document.getElementById('cut')).display") == "block"
    assert text(browser, "cut") == CUT
    hub.start()
    serve(agent, second)
    third = run(agent, "call-next")
    assert third["code"] == "A003"
    deadline = time.monotonic() + 30
    while not paused and time.monotonic() < deadline:
        time.sleep(0.05)
    assert paused, "the page did not try to reconnect"
    browser.send("Fetch.disable")  # no more holding
    for rid in list(paused):
        try:
            browser.send("Fetch.continueRequest", {"requestId": rid})
        except Exception:
            pass
    browser.wait_js("!document.body.classList.contains('cut')", 30)
    browser.wait_js("document.getElementById('now-code').textContent === 'A003'", 10)
    assert recent(browser)[:3] == ["A003", "A002", "A001"]
    time.sleep(1.0)  # a late announcement would have been queued by now
    after = stats(browser)
    assert after["connected"] >= 2
    assert [s["code"] for s in after["spoken"]] == ["A001", "A001", "A002"]  # A003 not said late

    # a call after the recovery is announced again
    serve(agent, third)
    run(desk, "register", "--service", "KTP", "--name", "Budi Santoso")
    fourth = run(agent, "call-next")
    browser.wait_js(
        f"window.loketDisplay.stats.spoken.some((s) => s.code === {json.dumps(fourth['code'])})", 15
    )

    # ---- nothing came from outside the hub ----
    assert requests, "no request seen"
    outside = [u for u in requests if not u.startswith(hub.url + "/")]
    assert outside == [], outside
