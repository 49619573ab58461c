"""The audit log's hash chain: each entry's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, actor: str, action: str, subject: str, detail: Any) -> str:
    body = json.dumps(
        [prev_hash, at, actor, action, subject, detail],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
