"""Queued messages that fit: a delivery whose text is too long becomes several, in order.

The builders of deliveries (alerts, the meeting timeline, agreed actions) pass what they
queue through `fit` before it is stored. A message whose text Telegram would refuse as
too long is split by `bot.fit.split` into consecutive deliveries to the same chat:

- the first part keeps the delivery's kind and its pin, so whatever looks a delivery up by
  kind (follow-ups threading under an alert, reminders, the sender's counts) finds the first
  part, and the pinned message is the start of the text;
- the other parts get the kind ``<kind>:more`` (`CONTINUED`): counted nowhere, but still of
  the same family (an alert's parts are all paid broadcasts when that is on);
- the keyboard goes on the last part, under the end of the text where people read it;
- every part keeps ``reply_to``, so a follow-up's parts all thread under the original.

Everything else about a delivery (priority, chat, network, person, lifetime) is the same for
all its parts. Parts get consecutive ids, and the dispatcher takes deliveries of one priority
in id order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.fit import LIMIT, split
from domain import ports
from storage.deliveries import NewDelivery

CONTINUED = ":more"


def fit(items: Iterable[NewDelivery], limit: int = LIMIT) -> list[NewDelivery]:
    """`items` with every too-long message text split into several deliveries, in order."""
    fitted: list[NewDelivery] = []
    for item in items:
        fitted += parts_of(item, limit)
    return fitted


def parts_of(item: NewDelivery, limit: int = LIMIT) -> list[NewDelivery]:
    text = item.params.get("text")
    if item.method not in (ports.MESSAGE, "sendMessage") or not isinstance(text, str):
        return [item]
    if len(text) <= limit:
        # Parsing only takes away (tags) or shortens (an entity is one character): it fits.
        # A fan-out checks a thousand copies, and reading each one's HTML costs.
        return [item]
    parts = split(text, limit)
    if len(parts) == 1:
        return [item]
    # The keyboard: buttons as data (`ports.message`), or a Bot API markup (older callers).
    keyboard = {k: v for k, v in item.params.items() if k in ("buttons", "reply_markup")}
    shared = {key: value for key, value in item.params.items() if key not in keyboard}
    found = []
    for number, part in enumerate(parts):
        params = {**shared, "text": part}
        if number == len(parts) - 1:
            params.update(keyboard)
        found.append(
            replace(
                item,
                params=params,
                kind=item.kind if number == 0 else f"{item.kind}{CONTINUED}",
                pin=item.pin and number == 0,
            )
        )
    return found


def is_continuation(kind: str) -> bool:
    """Whether a delivery of this kind is a later part of a longer text."""
    return kind.endswith(CONTINUED)
