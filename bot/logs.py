"""Logging set-up: one readable line per event, and the bot token never in a log."""

from __future__ import annotations

import logging


class RedactToken(logging.Filter):
    """Replaces the token wherever it appears (URLs in library messages carry it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token and self._token in message:
            record.msg = message.replace(self._token, "<token>")
            record.args = None
        return True


def setup(level: int = logging.INFO, *, token: str = "") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
