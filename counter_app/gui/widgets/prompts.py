"""Every modal question the program asks, in one place (tests replace these so nothing blocks).

The dialog classes are imported when first needed: the login should not wait for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from counter_app.core.i18n import t

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox, QWidget


def message_box(parent: QWidget | None, icon: str, title: str, text: str) -> QMessageBox:
    """A message box showing `text` as plain text: messages carry user input (a visitor's name,
    a complaint), and `<b>Joko</b>` must read as typed, not in bold (QMessageBox guesses rich
    text otherwise)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(getattr(QMessageBox.Icon, icon), title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def inform(parent: QWidget | None, title: str, text: str) -> None:
    message_box(parent, "Information", title, text).exec()


def warn(parent: QWidget | None, title: str, text: str) -> None:
    message_box(parent, "Warning", title, text).exec()


def critical(parent: QWidget | None, title: str, text: str) -> None:
    message_box(parent, "Critical", title, text).exec()


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    from PySide6.QtWidgets import QMessageBox

    box = message_box(parent, "Question", title, text)
    yes = box.addButton(t("gui.common.yes"), QMessageBox.ButtonRole.YesRole)
    box.addButton(t("gui.common.no"), QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(yes)
    box.exec()
    return box.clickedButton() is yes


def ask_text(
    parent: QWidget | None, title: str, label: str, text: str = "", *, password: bool = False
) -> str | None:
    """The text typed, or None when the user cancelled."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setOkButtonText(t("gui.common.ok"))
    dialog.setCancelButtonText(t("gui.common.cancel"))
    if password:
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.resize(420, dialog.sizeHint().height())
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return dialog.textValue()


def ask_item(
    parent: QWidget | None, title: str, label: str, items: Sequence[str], current: int = 0
) -> int | None:
    """The index of the chosen item, or None when the user cancelled."""
    if not items:
        return None
    from PySide6.QtWidgets import QInputDialog

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setComboBoxItems(list(items))
    dialog.setComboBoxEditable(False)
    dialog.setTextValue(items[max(0, min(current, len(items) - 1))])
    dialog.setOkButtonText(t("gui.common.ok"))
    dialog.setCancelButtonText(t("gui.common.cancel"))
    dialog.resize(460, dialog.sizeHint().height())
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    chosen = dialog.textValue()
    return list(items).index(chosen) if chosen in items else None
