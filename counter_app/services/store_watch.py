"""Noticing that another program (the CLI, a second window) changed the store."""

from __future__ import annotations

from counter_app.store.models import db


def data_version() -> int:
    """SQLite's `PRAGMA data_version`: changes when another connection commits (not our own)."""
    version: int = db.execute_sql("PRAGMA data_version").fetchone()[0]
    return version
