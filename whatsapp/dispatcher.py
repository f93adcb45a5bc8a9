"""The WhatsApp outbox loop: sends the deliveries routed to WhatsApp, most urgent first, within
WhatsApp's rules, and records each outcome the way Telegram's dispatcher does.

For each delivery (storage.whatsapp.due gives it with the member's contact):

- no longer linked → back to Telegram; stopped by the member → 'cancelled' (an answer to their
  own message still goes: they are talking to us);
- no WhatsApp form (a pin, a poll) → 'cancelled' with the reason;
- the member's 24-hour window open → the message (a long text in parts, each its own message,
  paced like any other); closed → the doorbell template, once, and the delivery waits for the
  member's tap or message (whatsapp.inbound opens the window and wakes this loop), or its end;
- a doorbell that may not be sent (not an approved utility template) → Telegram instead.

Limits: `messages_per_second` for the number (paced at `PACE_MARGIN` of it), one message per
`seconds_between_messages_to_a_member` to one member (a 131056 waits it out, not an attempt),
at most `members_outside_window_per_day` members rung in 24 hours — those over it are held back
(the sender's status says so) until a place frees. A 130429 pauses everything a moment.

A time-out, a 5xx or an unreachable Graph API is never final: the delivery waits a growing
pause and is tried again until its lifetime ends; several in a row are an outage, during which
one delivery a second probes, and the first answer releases what waited. Meta's verdict on one
message (a 4xx other than its limits) sends it on Telegram instead: the message must arrive.

A sent delivery's listeners hear 'sent' without a Telegram message (`Sent` is None): nothing of
Telegram's can edit or pin a WhatsApp message.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.i18n import pick_language, translator
from domain.context import Context
from storage import deliveries, networks, people
from storage import incidents as incident_store
from storage import whatsapp as store
from storage.deliveries import Delivery
from storage.whatsapp import Contact
from whatsapp import templates
from whatsapp.client import Accepted, Client, Refused
from whatsapp.render import Outgoing, Unsendable, render
from whatsapp.statuses import TEMPLATE_STATES, WINDOW_CLOSED

log = logging.getLogger(__name__)

IDLE_POLL_S = 1.0
LOOP_PAUSE_S = 2.0
PROBE_EVERY_S = 1.0
OUTAGE_AFTER = 3
MAX_PAUSE_S = 180.0
THROUGHPUT_PAUSE_S = 1.0  # after a 130429
# Sends are paced this much below `messages_per_second`: requests in flight together reach
# WhatsApp bunched by the network and our own event loop, and a sliding second that catches 81
# of them is a 130429 (the mixed bench saw 3-20 per 1,000 at the exact rate).
PACE_MARGIN = 0.9
# Likewise between two messages to one member: the moment recorded for the last one is taken
# before its send waited for its slot, so the gap WhatsApp measures can be shorter than ours.
PAIR_MARGIN = 1.1
ANSWER_KIND = "wa_answer"  # storage.wa_links: an answer to the member's own message
PAIR_LIMIT = 131056
THROUGHPUT = 130429
CAP_REASON = "WhatsApp's daily limit of members outside their 24 hours"
READ_GRACE_S = 65.0  # at stop, how long sends on the wire may take


@dataclass
class Outage:
    since: datetime
    failures: int
    last_error: str


class WaDispatcher:
    """The WhatsApp channel's outbox (the domain's `Outbox`: `wake`, `waiting_for_channel`)."""

    def __init__(self, ctx: Context, client: Client, *, in_flight: int = 16) -> None:
        self.ctx = ctx
        self.client = client
        self.settings = ctx.settings.whatsapp
        self.in_flight = in_flight
        self.outage: Outage | None = None
        self.outcomes: Counter[str] = Counter()
        self.loop_restarts = 0
        self.last_turn_at: datetime | None = None
        self._failures_in_row = 0
        self._first_failure_at: datetime | None = None
        self._next_probe = 0.0
        self._next_slot = 0.0  # the number's pace (event loop time)
        self._paused_until = 0.0  # after a 130429
        self._sending: dict[int, asyncio.Task[None]] = {}
        self._members_busy: set[int] = set()  # one message at a time per member
        self._wake = asyncio.Event()
        self._ringing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- the Outbox port ---------------------------------------------------------------------

    @property
    def waiting_for_channel(self) -> bool:
        return self.outage is not None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="whatsapp-dispatcher")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def idle(self) -> None:
        """Wait until nothing is due or on the wire (for tests and the demo)."""
        while self._sending or await store.due(  # noqa: ASYNC110
            self.ctx.database, self.ctx.clock.now(), 1
        ):
            await asyncio.sleep(0.02)

    # --- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while not self._stopping:
                try:
                    await self._turn()
                except Exception:
                    self.loop_restarts += 1
                    log.exception(
                        "the WhatsApp dispatcher failed; it goes on in %.0f s", LOOP_PAUSE_S
                    )
                    await asyncio.sleep(LOOP_PAUSE_S)
        finally:
            if self._sending:
                await asyncio.wait(self._sending.values(), timeout=READ_GRACE_S)

    async def _turn(self) -> None:
        self.last_turn_at = self.ctx.clock.now()
        await self._fill()
        timeout = PROBE_EVERY_S if self.outage is not None else IDLE_POLL_S
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)
        except TimeoutError:
            pass
        self._wake.clear()

    async def _fill(self) -> None:
        loop = asyncio.get_running_loop()
        free = self.in_flight - len(self._sending)
        if loop.time() < self._paused_until:
            return
        if self.outage is not None:
            if loop.time() < self._next_probe:
                return
            self._next_probe = loop.time() + PROBE_EVERY_S
            free = min(free, 1)
        if free <= 0:
            return
        # A probe ignores pauses: the Graph API's return is noticed within a second.
        batch = await store.due(
            self.ctx.database,
            self.ctx.clock.now(),
            free,
            list(self._sending),
            paused_too=self.outage is not None,
        )
        for delivery, contact in batch:
            if delivery.chat_id in self._members_busy:
                continue
            self._members_busy.add(delivery.chat_id)
            task = asyncio.create_task(self._send(delivery, contact), name=f"wa-{delivery.id}")
            self._sending[delivery.id] = task
            task.add_done_callback(functools.partial(self._done, delivery))

    def _done(self, delivery: Delivery, _task: asyncio.Task[None]) -> None:
        self._sending.pop(delivery.id, None)
        self._members_busy.discard(delivery.chat_id)
        self._wake.set()

    # --- one delivery ------------------------------------------------------------------------

    async def _send(self, delivery: Delivery, contact: Contact | None) -> None:
        try:
            await self._attempt(delivery, contact)
        except Exception:  # one delivery never stops the others
            log.exception("whatsapp delivery %s: unexpected failure", delivery.id)
            await self._retry(delivery, "unexpected failure", passing=False)

    async def _attempt(self, delivery: Delivery, contact: Contact | None) -> None:
        db, now = self.ctx.database, self.ctx.clock.now()
        if contact is None:
            if delivery.kind == ANSWER_KIND:  # an answer there makes no sense elsewhere
                await self._end(delivery, "cancelled", "not linked to WhatsApp any more")
            else:
                await self._to_telegram(delivery, "not linked to WhatsApp (any more)")
            return
        if contact.stopped_at is not None and delivery.kind != ANSWER_KIND:
            await self._end(delivery, "cancelled", store.STOPPED)
            return
        language = await self._language(delivery.chat_id)
        rendered = render(delivery, translator(language))
        if isinstance(rendered, Unsendable):
            await self._end(delivery, "cancelled", rendered.reason)
            return
        # One message per few seconds to one member (WhatsApp's pair rate).
        last = await store.last_message_at(db, delivery.chat_id)
        gap = timedelta(seconds=self.settings.seconds_between_messages_to_a_member * PAIR_MARGIN)
        if last is not None and now < last + gap:
            await deliveries.postpone(db, delivery.id, last + gap)
            self.wake_at(last + gap - now)
            return
        if not contact.window_open(now) and contact.doorbell_waiting(now):
            return  # rung already (a probe in an outage looks past the hold): wait for the tap
        if not contact.window_open(now):
            # One ring at a time: the daily limit counts the members rung so far.
            async with self._ringing:
                await self._ring(delivery, contact, language)
            return
        done = await store.parts_sent(db, delivery.id)
        part = rendered[min(done, len(rendered) - 1)]
        final = done + 1 >= len(rendered)
        result = await self._post(contact, part)
        if isinstance(result, Accepted):
            # Stamped with the moment it left (WhatsApp paces from then, not from its answer).
            await store.record_message(
                db, result.wamid, delivery, now, actions=part.actions, final=final
            )
            if final:
                self.outcomes["sent"] += 1
                await self._tell(delivery, "sent")
            else:
                self.wake_at(gap)
            return
        await self._refused(delivery, contact, result)

    async def _ring(self, delivery: Delivery, contact: Contact, language: str) -> None:
        """Outside the window: the doorbell, unless it may not be sent or the daily limit of
        members rung is reached."""
        db, now = self.ctx.database, self.ctx.clock.now()
        if not await templates.usable(self.ctx, templates.DOORBELL, language):
            await self._to_telegram(delivery, "the WhatsApp doorbell may not be sent now")
            return
        reached = await store.members_reached_outside_window(db, now)
        if contact.user_id not in reached and len(reached) >= (
            self.settings.members_outside_window_per_day
        ):
            oldest = await store.oldest_template_since(db, now) or now
            until = oldest + store.WINDOW + timedelta(seconds=1)
            held = await store.hold(db, [delivery.id], until, CAP_REASON)
            if held and not (delivery.error or "").startswith(store.HELD_BACK):
                self.outcomes["held_back"] += 1
                log.warning(
                    "whatsapp: delivery %s to %s held back until %s: %s",
                    delivery.id,
                    delivery.chat_id,
                    until.isoformat(),
                    CAP_REASON,
                )
                await self._changed(delivery)
            return
        network = await networks.get(db, delivery.network_id or 0)
        bell = templates.doorbell(language, network.name if network else "bondgenoten", delivery.id)
        result = await self._post(contact, bell)
        if isinstance(result, Accepted):
            await store.record_message(
                db,
                result.wamid,
                delivery,
                now,
                template=templates.DOORBELL,
                actions=bell.actions,
                final=False,
            )
            self.outcomes["doorbell"] += 1
            await self._changed(delivery)
            log.info("whatsapp: doorbell rung for delivery %s to %s", delivery.id, contact.user_id)
            return
        if result.code in TEMPLATE_STATES:
            await templates.apply_template_update(
                self.ctx, templates.DOORBELL, language, status=TEMPLATE_STATES[result.code]
            )
            await self._to_telegram(delivery, f"the WhatsApp doorbell was refused: {result.reason}")
            return
        await self._refused(delivery, contact, result)

    async def _post(self, contact: Contact, message: Outgoing) -> Accepted | Refused:
        """Send one message within the number's pace; an answer of any kind ends an outage."""
        loop = asyncio.get_running_loop()
        slot = max(loop.time(), self._next_slot)
        self._next_slot = slot + 1.0 / (self.settings.messages_per_second * PACE_MARGIN)
        if slot > loop.time():
            await asyncio.sleep(slot - loop.time())
        result = await self.client.send(contact.wa_user, message)
        if isinstance(result, Accepted) or not result.passing:
            await self._answered()
        return result

    async def _refused(self, delivery: Delivery, contact: Contact, result: Refused) -> None:
        db, now = self.ctx.database, self.ctx.clock.now()
        if result.passing:
            await self._retry(delivery, result.reason, passing=True)
        elif result.code == PAIR_LIMIT:
            gap = max(1.0, self.settings.seconds_between_messages_to_a_member)
            await deliveries.postpone(db, delivery.id, now + timedelta(seconds=gap))
            self.wake_at(timedelta(seconds=gap))
        elif result.code == THROUGHPUT:
            loop = asyncio.get_running_loop()
            self._paused_until = loop.time() + THROUGHPUT_PAUSE_S
            await deliveries.postpone(db, delivery.id, now + timedelta(seconds=THROUGHPUT_PAUSE_S))
            self.wake_at(timedelta(seconds=THROUGHPUT_PAUSE_S))
        elif result.code == WINDOW_CLOSED:
            await store.close_window(db, contact.user_id)
            self.wake()
        elif result.transient:
            await self._retry(delivery, result.reason, passing=False)
        else:
            log.error(
                "whatsapp delivery %s (%s) to %s refused: %s",
                delivery.id,
                delivery.kind,
                delivery.chat_id,
                result.reason,
            )
            await self._to_telegram(delivery, f"{result.reason}: sent on Telegram")

    async def _retry(self, delivery: Delivery, error: str, *, passing: bool) -> None:
        now = self.ctx.clock.now()
        attempts = delivery.attempts + 1
        pause = min(MAX_PAUSE_S, 2.0**attempts) * random.uniform(0.5, 1.0)
        if passing:
            await self._failed_passing(error, now)
        self.outcomes["retried"] += 1
        log.info(
            "whatsapp delivery %s: %s; try %d again in %.1f s", delivery.id, error, attempts, pause
        )
        await deliveries.retry_later(
            self.ctx.database, delivery.id, now + timedelta(seconds=pause), error, now
        )

    async def _to_telegram(self, delivery: Delivery, why: str) -> None:
        log.warning(
            "whatsapp delivery %s to %s goes on Telegram: %s", delivery.id, delivery.chat_id, why
        )
        if await store.to_telegram(self.ctx.database, [delivery.id], why):
            self.outcomes["to_telegram"] += 1
            self.ctx.dispatcher.wake()

    async def _end(self, delivery: Delivery, status: str, reason: str) -> None:
        log.info(
            "whatsapp delivery %s (%s) ends %s: %s", delivery.id, delivery.kind, status, reason
        )
        await deliveries.give_up(self.ctx.database, delivery.id, status, reason)
        self.outcomes[status] += 1

    async def _changed(self, delivery: Delivery) -> None:
        """The sender's status shows who waits at the door or for a limit (domain.alerts)."""
        if delivery.incident_id is not None:
            await incident_store.mark_changed(self.ctx.database, delivery.incident_id)

    async def _tell(self, delivery: Delivery, outcome: str) -> None:
        for listener in list(self.ctx.delivery_listeners):
            try:
                await listener(delivery, outcome, None)
            except Exception:
                log.exception("listener failed for WhatsApp delivery %s", delivery.id)

    async def _language(self, user_id: int) -> str:
        person = await people.get(self.ctx.database, user_id)
        chosen = person.language if person is not None else None
        return pick_language(chosen, None, self.ctx.settings.bot.default_language)

    def wake_at(self, after: timedelta) -> None:
        """Look again when a pause ends (the loop looks every second anyway)."""
        seconds = max(0.0, after.total_seconds())
        if seconds < IDLE_POLL_S:
            asyncio.get_running_loop().call_later(seconds, self._wake.set)

    # --- outages -----------------------------------------------------------------------------

    async def _failed_passing(self, error: str, now: datetime) -> None:
        self._failures_in_row += 1
        if self._first_failure_at is None:
            self._first_failure_at = now
        if self.outage is not None:
            self.outage.failures += 1
            self.outage.last_error = error
            return
        if self._failures_in_row >= OUTAGE_AFTER:
            self.outage = Outage(self._first_failure_at, self._failures_in_row, error)
            queued = (await store.queue(self.ctx.database))[store.WHATSAPP]
            log.warning(
                "WhatsApp is not answering (%s); %d deliveries wait, a try a second until it does",
                error,
                queued.pending,
            )

    async def _answered(self) -> None:
        since = self._first_failure_at
        self._failures_in_row = 0
        self._first_failure_at = None
        if self.outage is None:
            return
        outage, self.outage = self.outage, None
        now = self.ctx.clock.now()
        released = await store.release(self.ctx.database, since or outage.since, now)
        log.warning(
            "WhatsApp answers again after %.0f s (%d failed tries); %d deliveries go now",
            (now - outage.since).total_seconds(),
            outage.failures,
            released,
        )
        self._wake.set()
