"""Every feature's handlers, registered in one visible place.

Order matters within a handler group: the first matching handler wins, so the catch-alls in
`fallback` come last. Tracking runs in its own group (-1) beside everything else.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import errors, fallback, language, privacy, start, tracking


def register_all(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    tracking.register(application)
    start.register(application)
    language.register(application)
    privacy.register(application)
    fallback.register(application)  # last: unknown commands and stale buttons
    errors.register(application)
