"""GUI fixtures: modal questions answered by the test, a window on a fresh store, no real printer."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from counter_app.gui import theme
from counter_app.gui.widgets import prompts as prompts_module
from counter_app.services import site_settings
from counter_app.services.context import Context

MISSING_PRINTER = "Printer-Yang-Tidak-Ada"

# The GUI tests see the screen of the counters' laptops: 1366×768 (offscreen's own is 800×800).
# Set before the QApplication exists; the window tests also allow for a 40 px taskbar.
SCREEN = (1366, 768)
if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    _screen_file = Path(tempfile.gettempdir()) / f"loket-test-screen-{os.getuid()}.json"
    _screen_file.write_text(
        json.dumps(
            {
                "synchronousWindowSystemEvents": False,
                "windowFrameMargins": False,
                "screens": [
                    {
                        "name": "laptop",
                        "x": 0,
                        "y": 0,
                        "width": SCREEN[0],
                        "height": SCREEN[1],
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ],
            }
        )
    )
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen_file}"


@dataclass
class Prompts:
    """Records every message shown and answers every question from the test's script."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)
    choose: Callable[[Sequence[str]], int | None] = lambda items: 0
    confirm_answer: bool = True
    asked: list[tuple[str, str]] = field(default_factory=list)

    def messages(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind is None or k == kind]


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Prompts:
    script = Prompts()

    def shower(kind: str) -> Callable[..., None]:
        def show(parent: Any, title: str, text: str) -> None:
            script.shown.append((kind, title, text))

        return show

    for kind in ("inform", "warn", "critical"):
        monkeypatch.setattr(prompts_module, kind, shower(kind))

    def ask_text(
        parent: Any, title: str, label: str, text: str = "", *, password: bool = False
    ) -> str | None:
        script.asked.append(("text", label))
        return script.texts.pop(0) if script.texts else ""

    def ask_item(parent: Any, title: str, label: str, items: Sequence[str], current: int = 0) -> int | None:
        script.asked.append(("item", label))
        return script.choose(items)

    def confirm(parent: Any, title: str, text: str) -> bool:
        script.asked.append(("confirm", text))
        return script.confirm_answer

    monkeypatch.setattr(prompts_module, "ask_text", ask_text)
    monkeypatch.setattr(prompts_module, "ask_item", ask_item)
    monkeypatch.setattr(prompts_module, "confirm", confirm)

    # A safety net: a modal box the program opens some other way fails the test, never blocks.
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"unexpected modal dialog: {args[1:3]}")

    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))
    monkeypatch.setattr(QMessageBox, "exec", refuse)  # a box built by hand (prompts.message_box)
    for name in ("getText", "getItem", "getInt"):
        monkeypatch.setattr(QInputDialog, name, staticmethod(refuse))
    return script


@pytest.fixture
def styled(qapp: Any) -> Iterator[None]:
    """The application's look, as in the real program (fonts, stylesheet)."""
    theme.apply(qapp)
    yield
    qapp.setStyleSheet("")


@pytest.fixture
def no_printer(ctx: Context) -> str:
    """The receipt printer setting names a printer that does not exist."""
    site_settings.set_setting(ctx, "printer", MISSING_PRINTER)
    return MISSING_PRINTER


@pytest.fixture
def window(qtbot: Any, ctx: Context, prompts: Prompts, no_printer: str, styled: None) -> Iterator[Any]:
    from counter_app.gui.main_window import MainWindow

    win = MainWindow(ctx, check_printers=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()  # stops the timers and waits for receipts still printing
