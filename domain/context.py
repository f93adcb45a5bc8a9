"""What every use case needs: settings, the clock, the database and the ports.

The Telegram side's `bot.services.Services` is one of these with more attached (the handlers'
text takers); use cases ask only for a `Context`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.settings import Settings
from domain.ports import Editor, Groups, Outbox, Scheduler, Sent
from storage.database import Database
from storage.deliveries import Delivery

# Told how each delivery ended: "sent" (with where it went), "unreachable", "failed" or
# "expired" (without).
Listener = Callable[[Delivery, str, Sent | None], Awaitable[None]]
# Told when the channel stops answering (with a description) and answers again (with None).
OutageListener = Callable[[Any], Awaitable[None]]


@dataclass
class Context:
    settings: Settings
    clock: Clock
    db: Database | None = None  # opened at start, closed at the end
    outbox: Outbox | None = None  # started at start, stopped at the end
    # The WhatsApp channel's outbox (whatsapp.dispatcher), when [whatsapp] is configured: woken
    # when a member's message opens their window (whatsapp.inbound) or deliveries are queued.
    whatsapp: Outbox | None = None
    scheduler: Scheduler | None = None
    editor: Editor | None = None
    groups_port: Groups | None = None  # what only the chat platform can do with a group
    # Features that want to hear how each delivery ended add themselves at registration.
    delivery_listeners: list[Listener] = field(default_factory=list)
    # ... and those that want to hear when the channel stops and starts answering.
    outage_listeners: list[OutageListener] = field(default_factory=list)
    # Incidents marked "status changed" since the status job last looked (domain.alerts):
    # the database flag is written once per look, not once per sent copy.
    changed_incidents: set[int] = field(default_factory=set)

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is not open yet")
        return self.db

    @property
    def dispatcher(self) -> Outbox:
        if self.outbox is None:
            raise RuntimeError("the outbox is not running yet")
        return self.outbox

    @property
    def jobs(self) -> Scheduler:
        if self.scheduler is None:
            raise RuntimeError("the scheduler is not running yet")
        return self.scheduler

    @property
    def groups(self) -> Groups:
        if self.groups_port is None:
            raise RuntimeError("the group chats port is not open yet")
        return self.groups_port

    def is_configured_coordinator(self, user_id: int) -> bool:
        """A coordinator from [access] coordinators (appointed ones: domain.access)."""
        return user_id in self.settings.access.coordinators
