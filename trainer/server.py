"""The training ground's web page and its JSON endpoints (aiohttp), on loopback only.

`GET /` is the page (`?lang=en` for English), `GET /api/state` everything the phones show,
`GET /api/events` the same as server-sent events whenever it changes. Each `POST /api/...`
is one thing a person does on their phone, or one thing the trainer does to the world; it
answers `{"ok": true}` (with the bot's toast for a button) or `{"error": "..."}` in the page's
language: 400 for what Telegram would not allow, 409 while something else changes the world.

Requests must come to a loopback address (the Host header is checked, so a web page elsewhere
cannot reach the training ground through the browser) and post JSON.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from babel.dates import format_datetime
from markupsafe import escape

from bot import logs
from bot.demo_cast import menu, picker_of
from bot.settings import SUPPORTED_LANGUAGES
from sandbox import SandboxUsageError, SimChat, SimMessage
from trainer import scenarios, texts
from trainer.session import Busy, Note, Session
from trainer.texts import Texts
from trainer.view import chat_view
from trainer.wa_view import conversation
from trainer.world import Person, WaPhone, World

log = logging.getLogger("bondgenoten.trainer")

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
SESSION: web.AppKey[Session] = web.AppKey("session")
EVENTS_EVERY = 0.25  # seconds between looks for a change, for the event stream
HEARTBEAT = 15.0  # seconds: a comment line keeps proxies and the browser's stream awake
LOOPBACK_HOSTS = re.compile(r"^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$")
# Where 📎 → Location puts the pin unless told otherwise: the square in Amsterdam-Noord.
DEFAULT_PLACE = (52.3907, 4.9264)
POLICE_STATION = (52.3935, 4.9190)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """What the person tried cannot be done (a message for the page, in its language)."""


class Unusable(Exception):
    """The page's address cannot be used (the port is in use, or not ours to take)."""


def language_of(request: web.Request) -> str:
    wanted = request.query.get("lang", "")
    return wanted if wanted in SUPPORTED_LANGUAGES else "nl"


# ---- the state the page shows ----------------------------------------------------------------


def moment(when: datetime, world: World, language: str) -> str:
    return format_datetime(when, "EEE d MMM HH:mm", tzinfo=world.tz, locale=language)


def note_text(note: Note, _: Texts, world: World | None, language: str) -> str:
    values = {
        k: (moment(v, world, language) if isinstance(v, datetime) and world else _(v))
        if isinstance(v, (datetime, str))
        else v
        for k, v in note.values.items()
    }
    return _(note.msgid, **values)


def state(session: Session, language: str) -> dict[str, Any]:
    _ = texts.texts_in(language)
    world = session.world
    if world is None:
        return {"resetting": True}
    roles = texts.roles(_)
    cast = world.cast
    phones = []
    for person in world.people:
        user = person.user
        phones.append(
            {
                "key": person.key,
                "name": user.full_name,
                "role": roles[person.role],
                "in_group": world.in_group(person),
                "menu": menu(cast, user),
                **chat_view(user.private_chat, user, _),
            }
        )
    group = world.group
    next_step = world.next_step()
    playing = session.playing
    return {
        "clock": moment(world.now(), world, language),
        "next_step": moment(next_step, world, language) if next_step else None,
        "playing": _(playing.step.title) if playing and playing.step else None,
        "busy": session.busy,
        "failed": note_text(session.failed, _, world, language) if session.failed else None,
        "log": [note_text(n, _, world, language) for n in session.notes],
        "scenarios": [
            {
                "key": s.key,
                "title": _(s.title),
                "what": _(s.what),
                "steps": [
                    {"title": _(step.title), "done": scenarios.step_id(s, step) in session.played}
                    for step in s.steps
                ],
            }
            for s in scenarios.SCENARIOS
        ],
        "phones": phones,
        "group": {
            "title": group.resolve().title,
            "members": [p.key for p in world.people if world.in_group(p)],
            **chat_view(group, None, _),
        },
        "whatsapp": whatsapp_state(world, language, _),
    }


def whatsapp_state(world: World, language: str, _: Texts) -> dict[str, Any] | None:
    """The WhatsApp phone: whose it is, and the chat with the bot's number."""
    phone = world.whatsapp
    if phone is None or world.cast.wa is None:
        return None
    return {
        "key": phone.key,
        "owner": phone.owner,
        "name": phone.user.name,
        "role": texts.roles(_)[phone.role],
        "number": world.cast.wa.display_phone,
        "messages": conversation(
            world.cast.wa, phone.user, lambda at: clock_time(at, world, language), _
        ),
    }


def clock_time(when: datetime, world: World, language: str) -> str:
    return format_datetime(when, "HH:mm", tzinfo=world.tz, locale=language)


# ---- helpers for the actions -----------------------------------------------------------------


async def body_of(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="post JSON")
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object, please")
    return body


def person_in(world: World, body: dict[str, Any], _: Texts) -> Person:
    person = world.person(str(body.get("who", "")))
    if person is None:
        raise Refused(_("There is nobody by that name in the training ground."))
    return person


def chat_in(world: World, person: Person, body: dict[str, Any]) -> SimChat:
    return world.group.resolve() if body.get("chat") == "group" else person.user.private_chat


def message_in(chat: SimChat, body: dict[str, Any], _: Texts) -> SimMessage:
    try:
        number = int(body.get("message", 0))
    except (TypeError, ValueError):
        number = 0
    for candidate in (chat, chat.migrated_from):
        found = candidate.get_message(number) if candidate is not None else None
        if found is not None:
            return found
    raise Refused(_("That message is gone."))


def index(body: dict[str, Any], name: str) -> int:
    try:
        return int(body.get(name, -1))
    except (TypeError, ValueError):
        return -1


def place(text: object, _: Texts) -> tuple[float, float]:
    found = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*", str(text or ""))
    if found is None:
        raise Refused(_("A place is two numbers: latitude, longitude (52.39, 4.92)."))
    latitude, longitude = float(found.group(1)), float(found.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Refused(_("A place is two numbers: latitude, longitude (52.39, 4.92)."))
    return latitude, longitude


def phone_of(person: Person) -> str:
    return f"+316{person.user.id % 100_000_000:08d}"


START_LINK = re.compile(r"^(?:https?://)?t\.me/(?P<bot>\w+)(?:\?start=(?P<code>[\w-]+))?$")
WA_TEXT_AT_MOST = 4096  # WhatsApp's limit on a text message's body


def wa_phone_of(world: World, _: Texts) -> WaPhone:
    if world.whatsapp is None:
        raise Refused(_("There is no WhatsApp in this training ground."))
    return world.whatsapp


def wa_link_text(world: World, url: str) -> str | None:
    """What a wa.me link to the bot's number types into WhatsApp ('' for none); None: the link
    is not one to the bot's number."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    wa = world.cast.wa
    if wa is None or parts.hostname != "wa.me" or parts.path.strip("/") != wa.display_phone:
        return None
    return (parse_qs(parts.query).get("text") or [""])[0]


# ---- the actions -----------------------------------------------------------------------------


async def send(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    person = person_in(world, body, _)
    text = str(body.get("text", "")).strip()
    if not text:
        raise Refused(_("Type a message first."))
    if len(text) > 4096:
        raise Refused(_("Telegram takes at most 4096 characters in a message."))
    await person.user.send(text, chat=chat_in(world, person, body))
    return {}


async def press(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    person = person_in(world, body, _)
    message = message_in(chat_in(world, person, body), body, _)
    row, col = index(body, "row"), index(body, "col")
    buttons = message.buttons
    if not (0 <= row < len(buttons) and 0 <= col < len(buttons[row])):
        raise Refused(_("That button is gone."))
    chosen = buttons[row][col]
    if chosen.url:
        return await open_link(world, {"who": person.key, "url": chosen.url}, _)
    if chosen.copy_text is not None:  # a CopyTextButton: the app copies, the bot hears nothing
        copied = await person.user.copy(message, chosen.text)
        return {"toast": _("Copied: it is in the text field now."), "copied": copied}
    callback = await person.user.press(message, chosen.text, data=chosen.callback_data)
    try:
        answer = await callback.answered(timeout=10)
    except AssertionError:
        raise Refused(_("The bot did not answer the button in time.")) from None
    return {"toast": answer.get("text") or "", "alert": bool(answer.get("show_alert"))}


async def vote(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    person = person_in(world, body, _)
    message = message_in(chat_in(world, person, body), body, _)
    option = index(body, "option")
    if message.poll is None or not 0 <= option < len(message.poll.options):
        raise Refused(_("That poll is gone."))
    await person.user.answer_poll(message, [option])
    return {}


async def key(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    """A key of the keyboard under the text field."""
    person = person_in(world, body, _)
    user = person.user
    rows = user.private_chat.reply_keyboard or []
    row, col = index(body, "row"), index(body, "col")
    if not (0 <= row < len(rows) and 0 <= col < len(rows[row])):
        raise Refused(_("That key is gone."))
    pressed = rows[row][col]
    if pressed.get("request_contact"):
        await user.share_contact(phone_of(person))
    elif pressed.get("request_location"):
        latitude, longitude = place(body["at"], _) if body.get("at") else POLICE_STATION
        await user.send_location(latitude, longitude, via_button=True)
    elif "request_users" in pressed:
        picked = [world.person(str(k)) for k in body.get("picked") or []]
        chosen = [p.user for p in picked if p is not None and p is not person]
        if not chosen:
            raise Refused(_("Pick someone first."))
        await user.share_users(picker_of(user), chosen)
    else:
        await user.tap(pressed["text"])
    return {}


async def share(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    """📎: one's own number, or a place on the map."""
    person = person_in(world, body, _)
    chat = chat_in(world, person, body)
    if body.get("what") == "contact":
        await person.user.share_contact(phone_of(person), chat=chat)
    elif body.get("what") == "location":
        if chat is not person.user.private_chat:
            raise Refused(_("The training ground shares places in the chat with the bot only."))
        latitude, longitude = place(body["at"], _) if body.get("at") else DEFAULT_PLACE
        await person.user.send_location(latitude, longitude)
    else:
        raise Refused(_("Share a place or your number."))
    return {}


async def open_link(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    """A link tapped on someone's phone: an invite to the group, or a link to the bot."""
    person = person_in(world, body, _)
    url = str(body.get("url", ""))
    invites = [link.url for chat in world.sandbox.chats.values() for link in chat.invite_links]
    if url in invites:
        request = await person.user.join(url)
        if request is None:
            return {"toast": _("{name} joined the group.", name=person.user.first_name)}
        return {"toast": _("{name} asked to join the group.", name=person.user.first_name)}
    typed = wa_link_text(world, url)
    if typed is not None:
        # WhatsApp opens the bot's number with the text typed in; the person sends it.
        phone = wa_phone_of(world, _)
        if person.key not in (phone.owner, phone.key):
            owner = world.person(phone.owner)
            name = owner.user.first_name if owner is not None else phone.user.name
            raise Refused(_("Only {name} has WhatsApp in the training ground.", name=name))
        return {"wa_phone": phone.key, "wa_prefill": typed}
    found = START_LINK.match(url)
    if found is not None and found.group("bot").lower() == world.sandbox.bot_username.lower():
        code = found.group("code")
        await person.user.send(f"/start {code}" if code else "/start")
        return {}
    raise Refused(_("That link leads outside the training ground."))


async def wa_send(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    """The WhatsApp member types and sends (a keyword, a code, or words that answer a button)."""
    phone = wa_phone_of(world, _)
    text = str(body.get("text", "")).strip()
    if not text:
        raise Refused(_("Type a message first."))
    if len(text) > WA_TEXT_AT_MOST:
        raise Refused(_("WhatsApp takes at most 4096 characters in a message."))
    await phone.user.write(text)
    return {}


async def wa_tap(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    """The WhatsApp member taps a reply button, a quick reply, or a row of an opened list."""
    phone = wa_phone_of(world, _)
    inbox = phone.user.inbox
    number, option = index(body, "message"), index(body, "option")
    if not 0 <= number < len(inbox):
        raise Refused(_("That message is gone."))
    message = inbox[number]
    if not 0 <= option < len(message.buttons):
        raise Refused(_("That button is gone."))
    await phone.user.tap(message, message.buttons[option])
    return {}


async def wa_share(world: World, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    """📎 on WhatsApp: a place on the map."""
    phone = wa_phone_of(world, _)
    latitude, longitude = place(body["at"], _) if body.get("at") else DEFAULT_PLACE
    await phone.user.share_location(latitude, longitude)
    return {}


async def clock(session: Session, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    by = body.get("by")
    if by == "hour":
        await session.forward(timedelta(hours=1))
    elif by == "day":
        await session.forward(timedelta(days=1))
    elif by == "next":
        if await session.to_next_step() is None:
            raise Refused(_("Nothing is planned yet."))
    else:
        raise Refused(_("Move the clock by an hour, a day, or to the next planned step."))
    return {}


async def play(session: Session, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    found = scenarios.scenario(str(body.get("scenario", "")))
    if found is None:
        raise Refused(_("There is no such scenario."))
    session.play(found, everything=bool(body.get("all")))
    return {}


async def reset(session: Session, body: dict[str, Any], _: Texts) -> dict[str, Any]:
    language = body.get("language")
    await session.reset(language if language in SUPPORTED_LANGUAGES else None)
    return {}


PersonAction = Callable[[World, dict[str, Any], Texts], Awaitable[dict[str, Any]]]
TrainerAction = Callable[[Session, dict[str, Any], Texts], Awaitable[dict[str, Any]]]
PERSON_ACTIONS: dict[str, PersonAction] = {
    "send": send,
    "press": press,
    "vote": vote,
    "key": key,
    "share": share,
    "open": open_link,
    "wa_send": wa_send,
    "wa_tap": wa_tap,
    "wa_share": wa_share,
}
TRAINER_ACTIONS: dict[str, TrainerAction] = {"clock": clock, "play": play, "reset": reset}


def refusal(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def action(request: web.Request) -> web.StreamResponse:
    session = request.app[SESSION]
    _ = texts.texts_in(language_of(request))
    name = request.match_info["action"]
    body = await body_of(request)
    try:
        if name in TRAINER_ACTIONS:
            done = await TRAINER_ACTIONS[name](session, body, _)
        elif name in PERSON_ACTIONS:
            done = await PERSON_ACTIONS[name](session.current, body, _)
        else:
            raise web.HTTPNotFound()
    except Busy:
        return refusal(_("Wait a moment: something else is changing the world."), 409)
    except Refused as exc:
        return refusal(str(exc), 400)
    except SandboxUsageError as exc:  # Telegram would not let the person do this
        log.info("training ground: %s refused: %s", name, exc)
        return refusal(_("Telegram would not allow that: {reason}", reason=str(exc)), 400)
    return web.json_response({"ok": True, **done})


# ---- the page and its stream -----------------------------------------------------------------


def static_file(name: str) -> str:
    return (resources.files("trainer") / "static" / name).read_text(encoding="utf-8")


async def page(request: web.Request) -> web.StreamResponse:
    language = language_of(request)
    _ = texts.texts_in(language)
    words = texts.page_texts(_)
    other = "en" if language == "nl" else "nl"
    html = static_file("index.html").format(
        lang=language,
        title=escape(words["title"]),
        intro=escape(words["intro"]),
        other=other,
        other_name={"nl": "Nederlands", "en": "English"}[other],
        language=escape(words["language"]),
        # In a <script type="application/json">: `<` escaped so no text can close the tag.
        words=json.dumps(words, ensure_ascii=False).replace("<", "\\u003c"),
    )
    return web.Response(text=html, content_type="text/html", headers=NO_STORE)


NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


async def get_state(request: web.Request) -> web.StreamResponse:
    return web.json_response(state(request.app[SESSION], language_of(request)), headers=NO_STORE)


async def events(request: web.Request) -> web.StreamResponse:
    """The state as server-sent events: once at once, then whenever it changes."""
    session = request.app[SESSION]
    language = language_of(request)
    stream = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await stream.prepare(request)
    last = ""
    quiet = 0.0
    try:
        while True:
            now = json.dumps(state(session, language), ensure_ascii=False)
            if now != last:
                await stream.write(f"data: {now}\n\n".encode())
                last, quiet = now, 0.0
            elif quiet >= HEARTBEAT:
                await stream.write(b": still here\n\n")
                quiet = 0.0
            await asyncio.sleep(EVENTS_EVERY)
            quiet += EVENTS_EVERY
    except ConnectionResetError:  # the page was closed
        pass
    return stream


@web.middleware
async def loopback_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not LOOPBACK_HOSTS.match(request.host or ""):
        return web.Response(status=421, text="the training ground answers on 127.0.0.1 only")
    return await handler(request)


def build_app(session: Session) -> web.Application:
    app = web.Application(middlewares=[loopback_only])
    app[SESSION] = session
    app.router.add_get("/", page)
    app.router.add_get("/api/state", get_state)
    app.router.add_get("/api/events", events)
    app.router.add_post("/api/{action}", action)
    app.router.add_static("/static/", str(resources.files("trainer") / "static"))
    return app


async def serve(session: Session, port: int) -> web.AppRunner:
    """The page on 127.0.0.1:`port` (0: any free port); `Unusable` when it cannot be bound."""
    runner = web.AppRunner(build_app(session), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    try:
        await web.TCPSite(runner, HOST, port).start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise Unusable(
                f"port {port} on {HOST} is in use (another `bondgenoten try`?); "
                "choose another with --port"
            ) from None
        raise Unusable(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    return runner


def bound_port(runner: web.AppRunner) -> int:
    return int(runner.addresses[0][1])


async def main(*, port: int = DEFAULT_PORT, verbose: bool = False) -> int:
    """`bondgenoten try`: until Ctrl+C or SIGTERM. Raises `Unusable` for a port in use."""
    logs.setup(logging.INFO if verbose else logging.ERROR)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    session = Session()
    runner = await serve(session, port)
    try:
        await session.reset()
        print(
            f"The training ground is at http://{HOST}:{bound_port(runner)}/ "
            "(only on this computer). Stop it with Ctrl+C.",
            flush=True,
        )
        await stop.wait()
    finally:
        await runner.cleanup()
        await session.stop()
    print("Stopped; the training world is gone.", flush=True)
    return 0
