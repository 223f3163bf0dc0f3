"""Logging: human lines by default, one JSON object per line with ``--json-logging``.

Code reports what happened with :func:`event`::

    from ucdesk.log import event
    event(log, "call_ringing", call_id=3, number="+27115551234")

Every JSON line has ``ts`` (ISO 8601 UTC), ``level``, ``event`` and the fields given. Secrets never
reach a handler: values of keys that look like secrets and SIP auth headers are masked here, in one
place, whatever the caller passes.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|auth|credential", re.IGNORECASE)
_AUTH_HEADER = re.compile(
    r"^((?:Proxy-)?Authorization|WWW-Authenticate|Proxy-Authenticate)\s*:.*$",
    re.IGNORECASE | re.MULTILINE,
)


_URI_PASSWORD = re.compile(r"\b(sips?:[^:@\s/]+):[^@\s]+@", re.IGNORECASE)


def scrub_text(text: str) -> str:
    """Mask SIP auth headers and passwords written into SIP URIs (sip:user:secret@host)."""
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}: <redacted>", text)
    return _URI_PASSWORD.sub(lambda m: f"{m.group(1)}:<redacted>@", text)


def _scrub(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if _SECRET_KEYS.search(key):
            out[key] = "<redacted>"
        elif isinstance(value, str):
            out[key] = scrub_text(value)
        else:
            out[key] = value
    return out


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    if not logger.isEnabledFor(level):
        return
    logger.log(level, name, extra={"ucdesk_event": name, "ucdesk_fields": _scrub(fields)})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "event": getattr(record, "ucdesk_event", None) or "message",
            "logger": record.name,
        }
        fields = getattr(record, "ucdesk_fields", None)
        if fields:
            for k, v in fields.items():
                payload.setdefault(k, _jsonable(v))
        if not getattr(record, "ucdesk_event", None):
            payload["message"] = scrub_text(record.getMessage())
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "ucdesk_fields", None)
        text = super().format(record)
        if fields:
            text += " " + " ".join(f"{k}={_jsonable(v)!r}" for k, v in fields.items())
        return scrub_text(text)


_listener: logging.handlers.QueueListener | None = None


def setup(*, json_lines: bool, log_file: Path | None, level: int = logging.INFO,
          stream: Any = None, to_stderr: bool = True) -> None:
    """Configure the ``ucdesk`` logger: stderr and (optionally) a file, same format.

    Records go through a queue to a listener thread, so a slow disk or terminal never delays
    the GUI thread (the ring path logs).
    """
    global _listener
    shutdown()
    root = logging.getLogger("ucdesk")
    root.setLevel(level)
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    fmt: logging.Formatter = JsonFormatter() if json_lines else TextFormatter()
    handlers: list[logging.Handler] = (
        [logging.StreamHandler(stream or sys.stderr)] if to_stderr else [])
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
    q: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    root.addHandler(_PassThroughQueueHandler(q))
    _listener = logging.handlers.QueueListener(q, *handlers, respect_handler_level=True)
    _listener.start()
    root.propagate = False
    atexit.register(shutdown)


class _PassThroughQueueHandler(logging.handlers.QueueHandler):
    """Queue the record as is (extra fields intact); formatting happens on the listener."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        return record


def shutdown() -> None:
    """Flush and stop the listener thread (at exit; safe to call twice)."""
    global _listener
    if _listener is not None:
        _listener.stop()
        for h in _listener.handlers:
            h.flush()
        _listener = None
