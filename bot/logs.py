"""Logging set-up: one line per event, as text or JSON, and the bot token never in a log.

The token is taken out of the finished line, after the formatter has added the exception text
and the stack, so it cannot slip through a library's message, a URL or a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime

REDACTED = "<token>"


class Redactor:
    """Replaces the token, and its secret half on its own, in any text; also `others`
    (the webhook's secret token)."""

    def __init__(self, token: str = "", others: Iterable[str] = ()) -> None:
        secret = token.partition(":")[2]
        # The whole token first, then the secret half (it also appears URL-encoded, %3A...).
        self._secrets = [s for s in (token, secret, *others) if s]

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then redacts the whole line."""

    def __init__(self, inner: logging.Formatter, redact: Redactor) -> None:
        super().__init__()
        self._inner = inner
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(self._inner.format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the traceback if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_redact = Redactor()


def setup(
    level: int | str = logging.INFO,
    *,
    fmt: str = "text",
    token: str = "",
    secrets: Iterable[str] = (),
) -> None:
    """Log to stderr at `level`, as `fmt` ("text" or "json"), with `token` and `secrets`
    redacted."""
    global _redact
    _redact = Redactor(token, secrets)
    inner = JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(inner, _redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library warnings (PTB's among them) go through the same handler, redacted too.
    logging.captureWarnings(True)
    # httpx logs every request URL at INFO, and the URL contains the token; redaction would
    # catch it, but a line per request is noise either way.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite logs every query at DEBUG, from its worker threads.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


def redact(text: str) -> str:
    """`text` without the token set up last: for lines the CLI prints itself."""
    return _redact(text)
