"""Small helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")

# Far below SQLite's limit on bound variables (32766 since 3.32) and PostgreSQL's (65535).
IN_CHUNK = 900


def utcnow() -> datetime:
    return datetime.now(UTC)


def chunks(items: Iterable[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """Successive lists of at most ``size`` items."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
