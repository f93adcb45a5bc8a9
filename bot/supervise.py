"""Loops that must not stop because of one bad item: each item's failure is logged with what it
was, counted for the operator, and the loop goes on with the next (the next sweep tries again).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# Failures per loop since start ("meeting timeline", "escalation"), for health and metrics.
failures: Counter[str] = Counter()


async def each(
    loop: str, items: Iterable[T], work: Callable[[T], Awaitable[object]], name: Callable[[T], str]
) -> int:
    """Do `work` for every item; returns how many failed (each logged with its name)."""
    failed = 0
    for item in items:
        try:
            await work(item)
        except Exception:
            failed += 1
            failures[loop] += 1
            log.exception(
                "%s: %s failed; the others go on, the next sweep tries again", loop, name(item)
            )
    return failed
