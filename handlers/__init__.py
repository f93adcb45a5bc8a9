"""Every feature's handlers, registered in one visible place.

Order matters within a handler group: the first matching handler wins. `intake` comes before
`start` (it takes `/start <invite code>`), `flows` before both (typed private text goes to the
open conversation, whichever feature it belongs to), and the
catch-alls in `fallback` come last. Tracking runs in its own group (-2) beside everything else;
before it (-3), `once` stops an update Telegram delivered again; after it (-1), the consent
guard asks a member to agree to a changed privacy notice before anything else (`guard`).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    alert_replies,
    alerts,
    approval,
    audit,
    closing_reminders,
    contacts,
    digest,
    errors,
    export,
    fallback,
    flows,
    groups,
    guard,
    incidents,
    intake,
    invites,
    language,
    meetings,
    networks,
    once,
    privacy,
    profile,
    pulse,
    roster,
    rumours,
    signals,
    start,
    stats,
    tracking,
    whocan,
)


def register_all(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    once.register(application)  # group -2: an update delivered again stops here
    tracking.register(application)
    guard.register(application)  # group -1: a changed privacy notice is agreed to first
    groups.register(application)
    flows.register(application)  # typed private text, /cancel and Cancel: the open conversation
    rumours.register(application)  # before intake: /start rumour (the group's pointer)
    intake.register(application)  # before start: /start <code>
    start.register(application)
    language.register(application)
    privacy.register(application)
    profile.register(application)
    contacts.register(application)
    whocan.register(application)
    networks.register(application)
    invites.register(application)
    approval.register(application)
    roster.register(application)
    export.register(application)
    audit.register(application)
    alerts.register(application)  # then alert_replies, then incidents: its `inc:` catch-all
    alert_replies.register(application)
    closing_reminders.register(application)  # ⏰ Later, before the `inc:` catch-all
    incidents.register(application)
    meetings.register(application)
    stats.register(application)
    pulse.register(application)
    digest.register(application)  # the coordinators' monthly digest
    signals.register(application)  # before fallback: its media handler and `sig:` buttons
    fallback.register(application)  # last: unknown commands, free text and stale buttons
    errors.register(application)
