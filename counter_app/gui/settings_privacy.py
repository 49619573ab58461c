"""Settings page "Privasi": how long personal data is kept, and what the last purge did (UU PDP)."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from counter_app.core.clock import local_time_text
from counter_app.core.formats import format_number
from counter_app.core.i18n import t
from counter_app.services import privacy
from counter_app.services.context import Context
from counter_app.services.usecase import usecase


class PrivacyPage(QWidget):
    """Read-only: the retention period and its cut-off day, the last purge (when, and its
    counts), the backup rule. Refreshed each time it is shown."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.retention_label = QLabel()
        self.cutoff_label = QLabel()
        self.last_label = QLabel()
        self.counts_label = QLabel()
        self.backups_label = QLabel()
        layout = QVBoxLayout(self)
        for label in (
            self.retention_label,
            self.cutoff_label,
            self.last_label,
            self.counts_label,
            self.backups_label,
        ):
            label.setWordWrap(True)
            layout.addWidget(label)
        for label in (self.cutoff_label, self.counts_label, self.backups_label):
            label.setProperty("role", "muted")
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        with usecase(self.ctx):
            state = privacy.status(self.ctx)
        self.retention_label.setText(
            t(
                "gui.privacy.retention",
                days=format_number(state.retention_days),
                years=format_number(round(state.retention_days / 365, 1)),  # "5", "5,5"; not "5.0"
            )
        )
        self.cutoff_label.setText(t("gui.privacy.cutoff", day=state.cutoff.strftime("%d-%m-%Y")))
        if state.last_purge_at is None:
            self.last_label.setText(t("gui.privacy.never"))
            self.counts_label.setText("")
        else:
            self.last_label.setText(
                t("gui.privacy.last", at=local_time_text(state.last_purge_at, self.ctx.tz))
            )
            counts = {
                k: state.last_counts.get(k, 0)
                for k in ("tickets", "complaints", "surveys", "backups", "kept")
            }
            self.counts_label.setText(t("gui.privacy.counts", **counts))
        self.backups_label.setText(t("gui.privacy.backups", keep=state.backup_keep))

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        super().showEvent(event)
