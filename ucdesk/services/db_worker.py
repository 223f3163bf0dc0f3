"""One thread that does every database write, in order.

Jobs run one after another on a single worker thread (FIFO), so a call's "answered" update always
runs after its "started" insert. Results go back through ``on_done``/``on_error`` callbacks, which
the caller wraps to land on its own thread (the app posts them to the GUI thread).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ucdesk.log import event

log = logging.getLogger(__name__)
T = TypeVar("T")


class DbWorker:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ucdesk-db")
        self._closed = False

    def submit(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        what: str = "",
    ) -> Future[T]:
        if self._closed:
            raise RuntimeError("the database worker is shut down")
        future: Future[T] = self._pool.submit(fn, *args)

        job = what or getattr(fn, "__name__", "?")

        def finished(f: Future[T]) -> None:
            try:
                exc = f.exception()
                if exc is not None:
                    event(log, "db_job_failed", logging.ERROR, job=job, error=repr(exc))
                    if on_error is not None:
                        on_error(exc)
                elif on_done is not None:
                    on_done(f.result())
            except Exception as exc:  # noqa: BLE001 - a callback's error must reach our log
                event(log, "db_callback_failed", logging.ERROR, job=job, error=repr(exc))

        future.add_done_callback(finished)
        return future

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self, wait: bool = True) -> None:
        """Finish the queued jobs (nothing written is dropped), then stop."""
        if not self._closed:
            self._closed = True
            self._pool.shutdown(wait=wait)
