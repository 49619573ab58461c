"""Where the program's bundled resources and the user's data folder live."""

from __future__ import annotations

import os
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"

ENV_DATA_DIR = "COUNTER_APP_DATA_DIR"


def default_data_dir() -> Path:
    """The data folder: `$COUNTER_APP_DATA_DIR`, else the platform's user data folder."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("loket", "MPP"))


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)
