"""A sync server that dies (os._exit, no answer, no clean-up) right after committing its Nth
push batch: the crash between "durably stored" and "answered".

    python tests/server/crashing_server.py STORE_URL PORT N
"""

from __future__ import annotations

import os
import sys

import uvicorn

from counter_app.server.app import create_app
from counter_app.server.store import open_store


def main() -> None:
    url, port, crash_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = open_store(url)
    committed = 0

    def after_commit(device: str, batch_id: str) -> None:
        nonlocal committed
        committed += 1
        if committed >= crash_at:
            os._exit(17)

    uvicorn.run(
        create_app(store, after_commit=after_commit),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        access_log=False,
    )


if __name__ == "__main__":
    main()
