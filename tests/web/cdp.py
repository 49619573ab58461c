"""Headless Chromium driven over the Chrome DevTools protocol, on a pipe (no websocket library).

`--remote-debugging-pipe` makes Chromium read commands from fd 3 and write answers and events
to fd 4, each message JSON ended by a NUL byte. Used by tests/web/test_display_page.py, the
benchmark bench/bench_display.py and tools that take screenshots of the hall display.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    # a TV's page is never in the background: no throttled timers
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]  # fmt: skip


class CdpError(RuntimeError):
    pass


class Browser:
    """One Chromium process and one page in it."""

    def __init__(self, width: int = 1920, height: int = 1080, chromium: str = CHROMIUM) -> None:
        self.profile = tempfile.mkdtemp(prefix="loket-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        cmd = [
            chromium,
            *FLAGS,
            f"--window-size={width},{height}",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # Chromium wants the pipe on fds 3 and 4 exactly: bash puts them there (dash takes
        # only one-digit fds). $CDP_LOG: where Chromium's own messages go (for debugging).
        script = f'exec "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'
        with open(os.environ.get("CDP_LOG", os.devnull), "wb") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", script, "bash", *cmd],
                pass_fds=(to_chrome_r, from_chrome_w),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next = 0
        self._lock = threading.Lock()
        self._answers: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = self._attach()
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    # -- the pipe --

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                for waiting in list(self._answers.values()):
                    waiting.put({"error": {"message": "chromium closed the pipe"}})
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message and message["id"] in self._answers:
                    self._answers[message["id"]].put(message)
                else:
                    for listener in list(self.listeners):
                        listener(message)
                    self.events.put(message)

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = "page",
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        with self._lock:
            self._next += 1
            ident = self._next
            box: queue.Queue[dict[str, Any]] = queue.Queue()
            self._answers[ident] = box
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session == "page":
            message["sessionId"] = self.session
        elif session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        try:
            answer = box.get(timeout=timeout)
        except queue.Empty:
            raise CdpError(f"{method}: no answer in {timeout} s") from None
        finally:
            self._answers.pop(ident, None)
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def _attach(self) -> str:
        deadline = time.monotonic() + 30
        while True:
            targets = self.send("Target.getTargets", session=None)["targetInfos"]
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise CdpError("no page target")
            time.sleep(0.05)
        return str(
            self.send(
                "Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True}, session=None
            )["sessionId"]
        )

    # -- the page --

    def goto(self, url: str, timeout: float = 30.0) -> None:
        loaded = threading.Event()

        def on_load(message: dict[str, Any]) -> None:
            if message.get("method") == "Page.loadEventFired":
                loaded.set()

        self.listeners.append(on_load)
        try:
            self.send("Page.navigate", {"url": url})
            if not loaded.wait(timeout):
                raise CdpError(f"{url} did not load in {timeout} s")
        finally:
            self.listeners.remove(on_load)

    def js(self, expression: str, timeout: float = 30.0) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise CdpError(
                f"{expression}: {result['exceptionDetails'].get('text')} "
                f"{result['exceptionDetails'].get('exception', {}).get('description', '')}"
            )
        return result["result"].get("value")

    def wait_js(self, expression: str, seconds: float = 30.0, every: float = 0.02) -> Any:
        """Poll `expression` until truthy (bounded: fails only if it never comes)."""
        deadline = time.monotonic() + seconds
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached in {seconds} s: {expression}")
            time.sleep(every)

    def screenshot(self, path: Path, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        time.sleep(0.3)  # one layout and paint at the new size
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.send("Browser.close", session=None, timeout=5)
        except CdpError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
