"""The training ground's server (`bondgenoten try`): its endpoints over HTTP against a real world
(the sandbox and the real bot), the safe rendering of the bot's messages, and the command line.

The browser tests are in tests/test_trainer_browser.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import eventually
from trainer import scenarios, server
from trainer.session import Session
from trainer.view import html_of
from trainer.wa_view import received_view, wa_html
from wa_sandbox import WaMessage

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    session = Session(language="en", realistic_pace=False)
    await session.reset()
    yield session
    await session.stop()


@pytest.fixture
async def client(session: Session) -> AsyncIterator[TestClient[Any, Any]]:
    # The test server answers on 127.0.0.1, as `bondgenoten try` does.
    async with TestClient(TestServer(server.build_app(session), host="127.0.0.1")) as client:
        yield client


async def post(client: TestClient[Any, Any], action: str, body: dict[str, Any]) -> Any:
    response = await client.post(f"/api/{action}?lang=en", json=body)
    return response.status, await response.json()


async def state(client: TestClient[Any, Any], lang: str = "en") -> dict[str, Any]:
    response = await client.get(f"/api/state?lang={lang}")
    assert response.status == 200
    return dict(await response.json())


def phone(shown: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in shown["phones"] if p["key"] == key)


def texts_in(chat: dict[str, Any]) -> list[str]:
    return [m.get("html", "") for m in chat["messages"]]


# ---- the page --------------------------------------------------------------------------------


async def test_the_page_in_dutch_and_english(client: TestClient[Any, Any]) -> None:
    dutch = await (await client.get("/")).text()
    english = await (await client.get("/?lang=en")).text()
    assert '<html lang="nl">' in dutch and "oefenterrein" in dutch
    assert '<html lang="en">' in english and "training ground" in english
    words = english.split('id="words">')[1].split("</script>")[0]
    assert "<" not in words  # no text can close the script element
    assert json.loads(words)["reset"] == "Reset"
    for name in ("app.js", "style.css"):
        assert (await client.get(f"/static/{name}")).status == 200


async def test_the_state_shows_every_phone_and_the_group(client: TestClient[Any, Any]) -> None:
    shown = await state(client)
    keys = [p["key"] for p in shown["phones"]]
    assert keys == ["karin", "femke", "ahmed", "wim", "emma", "carla"]
    assert phone(shown, "karin")["role"] == "police chief"
    assert phone(shown, "femke")["role"] == "municipality"
    assert shown["group"]["title"] == "Wijk Noord"
    assert shown["group"]["members"] == ["carla"]  # its creator; the bot is not in it yet
    assert [s["key"] for s in shown["scenarios"]] == [
        "onboarding",
        "incident",
        "meal",
        "between",
        "health",
        "whatsapp",
    ]
    assert shown["playing"] is None and shown["failed"] is None
    assert (await state(client, "nl"))["phones"][0]["role"] == "politiechef"


async def test_only_loopback_names_reach_it(client: TestClient[Any, Any]) -> None:
    """A page elsewhere that points its own host name at 127.0.0.1 (DNS rebinding) is turned
    away: the Host header must name the loopback."""
    response = await client.get("/api/state", headers={"Host": "evil.example:8765"})
    assert response.status == 421
    response = await client.get("/api/state", headers={"Host": "localhost:8765"})
    assert response.status == 200


# ---- a person's phone --------------------------------------------------------------------------


async def test_typing_a_command_gets_the_bots_answer(client: TestClient[Any, Any]) -> None:
    assert await post(client, "send", {"who": "ahmed", "text": "/start"}) == (200, {"ok": True})

    async def answered() -> bool:
        return any("112" in t for t in texts_in(phone(await state(client), "ahmed")))

    await eventually(answered)
    ahmed = phone(await state(client), "ahmed")
    mine, *bot = ahmed["messages"]
    assert mine["mine"] and 'data-cmd="/start"' in mine["html"]
    assert bot and all(m["from_bot"] for m in bot)
    assert any(c["command"] == "start" for c in ahmed["menu"])


async def test_a_button_is_pressed_and_the_message_edited(client: TestClient[Any, Any]) -> None:
    await post(client, "send", {"who": "emma", "text": "/language"})

    async def asked() -> bool:
        return any(m.get("buttons") for m in phone(await state(client), "emma")["messages"])

    await eventually(asked)
    question = next(m for m in phone(await state(client), "emma")["messages"] if m.get("buttons"))
    col = [b["text"] for b in question["buttons"][0]].index("Nederlands")
    status, answer = await post(
        client, "press", {"who": "emma", "message": question["id"], "row": 0, "col": col}
    )
    assert status == 200 and "toast" in answer

    async def edited() -> bool:
        shown = phone(await state(client), "emma")["messages"]
        return any(m["id"] == question["id"] and m["edited"] for m in shown)

    await eventually(edited)


async def test_what_cannot_be_done_gets_a_clear_line(client: TestClient[Any, Any]) -> None:
    assert await post(client, "send", {"who": "nobody", "text": "hi"}) == (
        400,
        {"error": "There is nobody by that name in the training ground."},
    )
    assert (await post(client, "send", {"who": "ahmed", "text": "  "}))[0] == 400
    status, answer = await post(client, "send", {"who": "ahmed", "chat": "group", "text": "hoi"})
    assert status == 400 and answer["error"].startswith("Telegram would not allow that:")
    status, answer = await post(client, "open", {"who": "ahmed", "url": "https://example.org/"})
    assert (status, answer) == (400, {"error": "That link leads outside the training ground."})
    status, answer = await post(client, "press", {"who": "ahmed", "message": 999, "row": 0})
    assert (status, answer) == (400, {"error": "That message is gone."})
    status, answer = await post(client, "share", {"who": "ahmed", "what": "location", "at": "x"})
    assert status == 400 and "latitude" in answer["error"]
    assert (await client.post("/api/send", data="who=ahmed")).status == 415
    assert (await client.post("/api/fly", json={})).status == 404


async def test_a_start_link_and_a_shared_place(client: TestClient[Any, Any]) -> None:
    """A link to the bot tapped on a phone opens the chat with /start, as Telegram does; 📎
    shares a place."""
    status, _answer = await post(
        client, "open", {"who": "wim", "url": "https://t.me/bondgenoten_bot?start=nonsense"}
    )
    assert status == 200
    assert (await post(client, "share", {"who": "wim", "what": "location", "at": "52.39, 4.92"}))[
        0
    ] == 200

    async def shared() -> bool:
        shown = phone(await state(client), "wim")["messages"]
        return any(m.get("location") == "52.3900, 4.9200" for m in shown) and any(
            'data-cmd="/start"' in m.get("html", "") for m in shown if m["mine"]
        )

    await eventually(shared)


async def test_a_poll_shows_its_counts_and_takes_a_vote(
    client: TestClient[Any, Any], session: Session
) -> None:
    """The bot sends no native polls today (meetings count with buttons), so the sandbox puts
    one in Carla's chat, pinned, as Telegram would show a poll the bot sent."""
    from sandbox import SimPoll

    assert session.world is not None
    chat = session.world.cast.carla.private_chat
    poll = SimPoll("p1", "Komt u <eten>?", ["Ja", "Nee"])
    message = session.world.sandbox.add_message(chat, None, poll=poll)
    message.pinned = True
    status, _answer = await post(client, "vote", {"who": "carla", "message": 1, "option": 1})
    assert status == 200
    shown = phone(await state(client), "carla")
    assert shown["pinned"] == "📊 Komt u <eten>?"
    assert shown["messages"][0]["poll"] == {
        "question": "Komt u <eten>?",  # escaped where the page inserts it
        "options": [
            {"text": "Ja", "count": 0, "chosen": False},
            {"text": "Nee", "count": 1, "chosen": True},
        ],
        "total": 1,
        "closed": False,
    }
    assert (await post(client, "vote", {"who": "carla", "message": 1, "option": 5}))[1] == {
        "error": "That poll is gone."
    }


async def test_the_keys_under_the_text_field(
    client: TestClient[Any, Any], session: Session
) -> None:
    """A keyboard the sandbox shows Emma (as the bot's intake and pickers do): the number key
    shares her contact, the location key where she is, the picker the person chosen, a plain
    key its text."""
    assert session.world is not None
    chat = session.world.cast.emma.private_chat
    keyboard = [
        [{"text": "📱 Number", "request_contact": True}],
        [{"text": "📍 Here", "request_location": True}],
        [{"text": "👤 Who", "request_users": {"request_id": 7}}, {"text": "No thanks"}],
    ]
    session.world.sandbox.add_message(chat, None, text="?", reply_markup={"keyboard": keyboard})
    keys = phone(await state(client), "emma")["keyboard"]
    assert [[k["kind"] for k in row] for row in keys] == [
        ["contact"],
        ["location"],
        ["users", "text"],
    ]
    assert (await post(client, "key", {"who": "emma", "row": 0, "col": 0}))[0] == 200
    assert (await post(client, "key", {"who": "emma", "row": 1, "col": 0}))[0] == 200
    assert await post(client, "key", {"who": "emma", "row": 2, "col": 0}) == (
        400,
        {"error": "Pick someone first."},
    )
    body = {"who": "emma", "row": 2, "col": 0, "picked": ["ahmed"]}
    assert (await post(client, "key", body))[0] == 200
    assert (await post(client, "key", {"who": "emma", "row": 2, "col": 1}))[0] == 200
    assert (await post(client, "key", {"who": "emma", "row": 9, "col": 0}))[1] == {
        "error": "That key is gone."
    }
    shown = phone(await state(client), "emma")["messages"]
    mine = [m for m in shown if m.get("mine")]
    assert mine[0]["contact"]["name"] == "Emma Jansen"
    assert mine[1]["location"] == "52.3935, 4.9190"  # the police station, where she is
    assert mine[2]["html"] == "No thanks"
    assert "Emma Jansen picked Ahmed Benali" in [m.get("service") for m in shown]


# ---- the trainer's controls ----------------------------------------------------------------------


async def test_the_clock_moves_and_says_when_nothing_is_planned(
    client: TestClient[Any, Any], session: Session
) -> None:
    world = session.world
    assert world is not None and world.scheduler is not None
    before = world.now()
    assert await post(client, "clock", {"by": "day"}) == (200, {"ok": True})
    assert (world.now() - before).total_seconds() >= 24 * 3600
    assert "The clock moved ahead" in (await state(client))["log"][-1]
    assert (await post(client, "clock", {"by": "week"}))[0] == 400

    planned = world.next_step()
    assert planned is not None  # the bot plans its daily retention run at start
    assert await post(client, "clock", {"by": "next"}) == (200, {"ok": True})
    assert world.now() > planned
    assert "next planned step" in (await state(client))["log"][-1]

    world.scheduler.due.clear()  # as if nothing were planned
    assert await post(client, "clock", {"by": "next"}) == (
        400,
        {"error": "Nothing is planned yet."},
    )


async def test_a_scenario_plays_and_a_reset_gives_a_clean_world(
    client: TestClient[Any, Any], session: Session
) -> None:
    """The onboarding's first step alone, then the rest at once; a second scenario waits while
    one plays; the meal meeting after it; a reset forgets everything."""
    assert await post(client, "play", {"scenario": "onboarding"}) == (200, {"ok": True})
    assert await post(client, "play", {"scenario": "onboarding"}) == (
        409,
        {"error": "Wait a moment: something else is changing the world."},
    )
    await session.wait_played()
    shown = await state(client)
    done = [s["done"] for s in shown["scenarios"][0]["steps"]]
    assert done == [True, False, False, False, False, False]
    assert any("Noord" in t for t in texts_in(phone(shown, "carla")))

    await post(client, "play", {"scenario": "onboarding", "all": True})
    await session.wait_played()
    shown = await state(client)
    assert shown["failed"] is None
    assert all(s["done"] for s in shown["scenarios"][0]["steps"])
    assert shown["group"]["members"] == ["karin", "femke", "ahmed", "wim", "carla"]

    # The meal meeting's weeks on the bot's clock: the place comes as a venue on the map.
    await post(client, "play", {"scenario": "meal", "all": True})
    await session.wait_played()
    shown = await state(client)
    assert shown["failed"] is None
    venues = [m["venue"] for m in phone(shown, "ahmed")["messages"] if "venue" in m]
    assert venues and venues[0]["at"] == "52.3935, 4.9190"
    assert "Johan van Hasseltweg" in venues[0]["address"]

    assert await post(client, "reset", {"language": "nl"}) == (200, {"ok": True})
    shown = await state(client)
    assert not any(s["done"] for s in shown["scenarios"][0]["steps"])
    assert all(p["messages"] == [] for p in shown["phones"])
    assert shown["group"]["members"] == ["carla"]
    assert session.world is not None
    assert session.world.cast.ahmed.language_code == "nl"


async def test_a_template_button_copies_into_the_text_field(
    client: TestClient[Any, Any], session: Session
) -> None:
    """A copy button (an alert template) puts its text in the phone's text field, as Telegram's
    app puts it on the clipboard; the bot hears nothing of it."""
    await post(client, "play", {"scenario": "onboarding", "all": True})
    await session.wait_played()
    await post(client, "send", {"who": "karin", "text": "/alert"})

    async def press_when_shown(*labels: str) -> None:
        """Karin presses the button (labelled one of `labels`: the onboarding left her Dutch, or
        not) once the bot shows it."""
        found: list[tuple[int, int, int]] = []

        async def shown() -> bool:
            found[:] = [
                (m["id"], r, c)
                for m in phone(await state(client), "karin")["messages"]
                for r, line in enumerate(m.get("buttons", []))
                for c, b in enumerate(line)
                if b["text"] in labels
            ]
            return bool(found)

        await eventually(shown)
        message, row, col = found[-1]
        body = {"who": "karin", "message": message, "row": row, "col": col}
        assert (await post(client, "press", body))[0] == 200

    await press_when_shown("🟠 Urgent", "🟠 Dringend")
    await press_when_shown("🔒 Network only", "🔒 Alleen voor het netwerk")

    def templates(shown: dict[str, Any]) -> dict[str, Any] | None:
        return next(
            (
                m
                for m in phone(shown, "karin")["messages"]
                if any(b.get("copy") for line in m.get("buttons", []) for b in line)
            ),
            None,
        )

    async def asked() -> bool:
        return templates(await state(client)) is not None

    await eventually(asked)
    message = templates(await state(client))
    assert message is not None
    (row, col), button = next(
        ((r, c), b)
        for r, line in enumerate(message["buttons"])
        for c, b in enumerate(line)
        if b.get("copy")
    )
    assert "data" not in button and "url" not in button
    status, answer = await post(
        client, "press", {"who": "karin", "message": message["id"], "row": row, "col": col}
    )
    assert status == 200
    assert "[" in answer["copied"] and "112" in answer["copied"]  # a template with placeholders
    assert answer["toast"]


async def test_a_reset_stops_a_scenario_that_plays(
    client: TestClient[Any, Any], session: Session
) -> None:
    await post(client, "play", {"scenario": "incident", "all": True})
    assert (await state(client))["busy"]
    assert await post(client, "reset", {}) == (200, {"ok": True})
    shown = await state(client)
    assert not shown["busy"] and shown["playing"] is None and shown["failed"] is None
    assert all(p["messages"] == [] for p in shown["phones"])
    assert session.world is not None and session.world.cast.ahmed.language_code == "en"


async def test_a_step_that_finds_the_world_changed_says_so(
    client: TestClient[Any, Any], session: Session
) -> None:
    """The group linked by hand to nothing: the onboarding's second step (adding the bot to
    the group) meets a group the bot is already in, and the page says what to do."""
    assert session.world is not None
    await session.world.group.add_bot(by=session.world.cast.carla)
    await post(client, "play", {"scenario": "onboarding", "all": True})
    await session.wait_played()
    shown = await state(client)
    assert shown["failed"] is not None and "Reset" in shown["failed"]


async def test_the_event_stream_sends_the_state(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/events?lang=en")
    assert response.headers["Content-Type"] == "text/event-stream"
    line = await asyncio.wait_for(response.content.readline(), 10)
    assert line.startswith(b"data: ")
    assert json.loads(line[6:])["group"]["title"] == "Wijk Noord"
    response.close()


# ---- rendering -------------------------------------------------------------------------------


def test_text_is_escaped_and_entities_become_safe_tags() -> None:
    text = "<script>alert(1)</script> & /help"
    shown = html_of(text, [{"type": "bot_command", "offset": 28, "length": 5}])
    assert shown == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
        '<a class="cmd" href="#" data-cmd="/help">/help</a>'
    )


def test_entities_count_utf16_and_overlaps_are_split() -> None:
    text = "🚨 bold link\nnext"
    entities = [
        {"type": "bold", "offset": 3, "length": 9},  # "bold link" (🚨 is two UTF-16 units)
        {"type": "text_link", "offset": 8, "length": 9, "url": 'https://x.nl/"q'},
    ]
    assert html_of(text, entities) == (
        '🚨 <b>bold <a class="link" href="#" data-url="https://x.nl/&#34;q">link</a></b>'
        '<a class="link" href="#" data-url="https://x.nl/&#34;q"><br>next</a>'
    )


def test_nested_entities_nest() -> None:
    text = "quote with bold"
    entities = [
        {"type": "blockquote", "offset": 0, "length": 15},
        {"type": "bold", "offset": 11, "length": 4},
    ]
    assert html_of(text, entities) == "<blockquote>quote with <b>bold</b></blockquote>"


def test_every_text_of_the_page_is_translated() -> None:
    """Each msgid of trainer/ has a Dutch and an English translation in the catalogs."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from bot.i18n import LOCALE_DIR

    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _c, _ctx in extract_from_dir(
            ROOT / "trainer",
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        )
    }
    assert len(found) > 40
    for language in ("nl", "en"):
        with (LOCALE_DIR / language / "LC_MESSAGES" / "bondgenoten.po").open("rb") as fp:
            catalog = read_po(fp)
        missing = sorted(m for m in found if not getattr(catalog.get(m), "string", None))
        assert not missing, f"{language}: {missing[:5]}"


def test_scenarios_play_what_they_need_first() -> None:
    steps = scenarios.plan(scenarios.INCIDENT, {"onboarding/network", "onboarding/group"})
    assert [s.key for s in steps][:5] == ["chief", "municipality", "ahmed", "wim", "alert"]
    everything = {scenarios.step_id(s, step) for s in scenarios.SCENARIOS for step in s.steps}
    assert scenarios.plan(scenarios.MEAL, everything) == []


# ---- the command line --------------------------------------------------------------------------


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_a_port_that_is_no_port_is_one_line_and_exit_2() -> None:
    done = cli("try", "--port", "99999")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "bondgenoten try: argument --port: not a port: '99999' (0 to 65535) "
        "(see bondgenoten try --help)"
    ]


def test_a_port_in_use_is_one_line_and_exit_7() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli("try", "--port", str(port))
    assert done.returncode == 7, done.stderr
    assert done.stderr.strip() == (
        f"bondgenoten: port {port} on 127.0.0.1 is in use (another `bondgenoten try`?); "
        "choose another with --port"
    )
    assert "Traceback" not in done.stdout + done.stderr


async def test_bondgenoten_try_serves_the_page_until_ctrl_c() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli import main; sys.exit(main())",
        "try",
        "--port",
        "0",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("BONDGENOTEN_")},
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
        assert "http://127.0.0.1:" in line, line
        url = line.split("at ")[1].split(" ")[0]
        import aiohttp

        async with aiohttp.ClientSession() as http, http.get(f"{url}api/state") as response:
            assert response.status == 200
            assert len((await response.json())["phones"]) == 6
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    assert "Stopped" in out.decode()
    assert not err, err.decode()[-2000:]


def test_the_wheel_ships_the_page(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path, ROOT],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [wheel] = tmp_path.glob("bondgenoten-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("server.py", "static/index.html", "static/app.js", "static/style.css"):
        assert f"trainer/{name}" in names


def test_a_chart_shows_as_its_picture_and_other_files_do_not() -> None:
    from domain import charts
    from sandbox import SimChat, SimMessage
    from trainer.view import message_view

    chat = SimChat(1, "private")
    png = charts.bars(["a", "b"], [charts.Series("", [1, 2])], title="Opkomst")
    photo = SimMessage(1, chat, 0, None, photo=[{"width": 1080}], file=png, caption="📊 Noord")
    shown = message_view(photo, None, lambda text, **_: text)
    assert shown["photo"].startswith("data:image/png;base64,iVBORw0KGgo")
    not_png = SimMessage(2, chat, 0, None, photo=[{"width": 1}], file=b"<svg onload=alert(1)>")
    assert "photo" not in message_view(not_png, None, lambda text, **_: text)


async def test_the_networks_year_plays_as_pictures_in_the_police_chiefs_phone(
    client: TestClient[Any, Any], session: Session
) -> None:
    """The health scenario onboards the network, fills in its year and asks /stats: Karin's
    phone shows the six charts as pictures, their captions counting the year filled in: five
    meetings, twelve alerts to the three members besides her (Femke, Ahmed, Wim), four pulses,
    twelve actions of which six done on time and three late."""
    await post(client, "play", {"scenario": "health", "all": True})
    await session.wait_played()
    shown = await state(client)
    assert shown["failed"] is None
    health = next(s for s in shown["scenarios"] if s["key"] == "health")
    assert all(s["done"] for s in health["steps"])
    karin = phone(shown, "karin")
    photos = [m for m in karin["messages"] if "photo" in m]
    assert len(photos) == 6
    assert all(m["photo"].startswith("data:image/png;base64,iVBORw0KGgo") for m in photos)
    captions = "\n".join(m.get("html", "") for m in photos)  # Karin chose Dutch
    assert "5 bijeenkomsten gehouden" in captions
    assert "12 meldingen bereikten 36 keer een lid" in captions
    assert "bij de eerste 6 meldingen" in captions  # the trend: half the year against the other
    assert "4 sfeerpeilingen" in captions
    assert "9 van 12 afgerond, waarvan 6 op tijd" in captions


# ---- the WhatsApp phone ------------------------------------------------------------------------


# WhatsApp paces messages to one member (one per six seconds): a few answers in a row take a while.
WA_PACE = 40


async def wa_messages(client: TestClient[Any, Any]) -> list[dict[str, Any]]:
    shown = (await state(client))["whatsapp"]
    return list(shown["messages"])


async def wa_message_with(client: TestClient[Any, Any], words: str) -> dict[str, Any]:
    """The newest message from the bot on the WhatsApp phone with `words` in it (waits)."""
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = [
            m for m in await wa_messages(client) if not m["mine"] and words in m.get("html", "")
        ]
        return bool(found)

    await eventually(arrived, timeout=WA_PACE)
    return found[-1]


async def link_wim_on_whatsapp(client: TestClient[Any, Any], session: Session) -> None:
    """Wim opens /profile, taps 📱 WhatsApp, taps the wa.me link: the WhatsApp phone has the
    code typed in, and he sends it."""
    await post(client, "send", {"who": "wim", "text": "/profile"})

    async def card() -> dict[str, Any] | None:
        for m in phone(await state(client), "wim")["messages"]:
            for r, row in enumerate(m.get("buttons", [])):
                for c, button in enumerate(row):
                    if "📱" in button["text"]:
                        return {"message": m["id"], "row": r, "col": c}
        return None

    await eventually(card)
    found = await card()
    assert found is not None
    assert (await post(client, "press", {"who": "wim", **found}))[0] == 200

    async def wa_me() -> str | None:
        for m in phone(await state(client), "wim")["messages"]:
            for row in m.get("buttons", []):
                for button in row:
                    if "wa.me" in button.get("url", ""):
                        return str(button["url"])
        return None

    await eventually(wa_me)
    url = await wa_me()
    assert url is not None
    status, answer = await post(client, "open", {"who": "ahmed", "url": url})
    assert (status, answer) == (400, {"error": "Only Wim has WhatsApp in the training ground."})
    status, answer = await post(client, "open", {"who": "wim", "url": url})
    assert status == 200 and answer["wa_phone"] == "wim_wa"
    assert answer["wa_prefill"].startswith("KOPPEL ")
    assert await post(client, "wa_send", {"text": answer["wa_prefill"]}) == (200, {"ok": True})
    await wa_message_with(client, "Noord")  # the bot confirms on WhatsApp


async def test_the_whatsapp_phone_links_gets_an_alert_and_taps(
    client: TestClient[Any, Any], session: Session
) -> None:
    """Wim links WhatsApp from his /profile (the wa.me link types the code on the WhatsApp
    phone). Karin's alert reaches him there with reply buttons; his tap counts in her status.
    A day later the window is closed: the next alert rings the doorbell template, whose quick
    reply brings the alert; a typed 'seen' counts as the tap. STOP and START answer."""
    shown = await state(client)
    assert shown["whatsapp"]["key"] == "wim_wa" and shown["whatsapp"]["owner"] == "wim"
    assert shown["whatsapp"]["name"] == "Wim de Boer" and shown["whatsapp"]["messages"] == []
    await post(client, "play", {"scenario": "onboarding", "all": True})
    await session.wait_played()
    await link_wim_on_whatsapp(client, session)
    mine = [m for m in await wa_messages(client) if m["mine"]]
    assert mine and mine[0]["html"].startswith("KOPPEL ")

    async def alert(text: str) -> None:
        await post(client, "send", {"who": "karin", "text": f"/alert Noord {text}"})
        preview = await message_with_button(client, "karin", "📤")
        assert (await post(client, "press", {"who": "karin", **preview}))[0] == 200

    await alert("Brand in de *sporthal* <b>aan</b> de Kamperfoelieweg.")
    on_wa = await wa_message_with(client, "Kamperfoelieweg")
    assert on_wa["kind"] == "interactive" and on_wa["buttons"]
    assert "&lt;b&gt;aan&lt;/b&gt;" in on_wa["html"]  # typed markup stays text
    assert "<script" not in json.dumps(await wa_messages(client))
    ack = next(i for i, title in enumerate(on_wa["buttons"]) if "✅" in title)
    assert await post(client, "wa_tap", {"message": on_wa["id"], "option": ack}) == (
        200,
        {"ok": True},
    )

    async def counted(number: int, seen: int) -> bool:
        return any(
            f"#{number} " in t and re.search(rf"\b(seen|gezien) {seen}\b", t)
            for t in texts_in(phone(await state(client), "karin"))
        )

    await eventually(lambda: counted(1, 1), timeout=WA_PACE)
    tapped = [m for m in await wa_messages(client) if m["mine"] and "tap" in m]
    assert tapped and "✅" in tapped[-1]["tap"]

    # 💬: the four moods come as a list message; a row is picked from the opened list.
    reply = next(i for i, title in enumerate(on_wa["buttons"]) if "💬" in title)
    await post(client, "wa_tap", {"message": on_wa["id"], "option": reply})

    async def listed() -> bool:
        return any(m.get("list") for m in await wa_messages(client))

    await eventually(listed, timeout=WA_PACE)
    moods = next(m for m in await wa_messages(client) if m.get("list"))
    assert len(moods["list"]["rows"]) == 4 and moods["buttons"] == [] and moods["list"]["button"]
    assert await post(client, "wa_tap", {"message": moods["id"], "option": 1}) == (
        200,
        {"ok": True},
    )
    picked = moods["list"]["rows"][1]["title"]

    async def noted() -> bool:
        shown = await wa_messages(client)
        return any(m.get("tap") == picked for m in shown) and not shown[-1]["mine"]

    await eventually(noted, timeout=WA_PACE)

    async def ticked() -> bool:
        shown = [m for m in await wa_messages(client) if m.get("id") == on_wa["id"]]
        return bool(shown) and shown[0]["status"] == "read" and shown[0]["ticks"] == "✓✓"

    await eventually(ticked, timeout=WA_PACE)

    # A day on the clock: the window closed, the next alert rings the doorbell.
    assert await post(client, "clock", {"by": "day"}) == (200, {"ok": True})
    await alert("Wateroverlast bij de Zamenhofstraat.")

    async def rung() -> bool:
        return any(m.get("template") for m in await wa_messages(client))

    await eventually(rung, timeout=WA_PACE)
    doorbell = [m for m in await wa_messages(client) if m.get("template")][-1]
    assert "Zamenhofstraat" not in doorbell["html"]
    assert doorbell["buttons"] in (["Toon bericht"], ["Show message"])  # the member's language
    await post(client, "wa_tap", {"message": doorbell["id"], "option": 0})
    second = await wa_message_with(client, "Zamenhofstraat")
    assert second["buttons"] and not second.get("template")
    assert await post(client, "wa_send", {"text": "gezien"}) == (200, {"ok": True})
    await eventually(lambda: counted(2, 1), timeout=WA_PACE)

    # What cannot be done on the WhatsApp phone says so.
    assert await post(client, "wa_tap", {"message": 999, "option": 0}) == (
        400,
        {"error": "That message is gone."},
    )
    assert await post(client, "wa_tap", {"message": second["id"], "option": 9}) == (
        400,
        {"error": "That button is gone."},
    )
    assert (await post(client, "wa_send", {"text": " "}))[0] == 400
    assert (await post(client, "wa_send", {"text": "x" * 4097}))[0] == 400

    # STOP and START, typed, are answered on WhatsApp.
    before = len(await wa_messages(client))
    await post(client, "wa_send", {"text": "STOP"})

    async def answered() -> bool:
        shown = await wa_messages(client)
        return len(shown) > before + 1 and not shown[-1]["mine"]

    await eventually(answered, timeout=WA_PACE)


def test_whatsapp_markup_is_escaped_then_marked() -> None:
    assert wa_html("*Brand* <b>x</b> & _nu_ ~weg~") == (
        "<b>Brand</b> &lt;b&gt;x&lt;/b&gt; &amp; <i>nu</i> <s>weg</s>"
    )
    assert wa_html("```*niet* <i>```\nsnake_case_naam 2*3*4") == (
        "<code>*niet* &lt;i&gt;</code><br>snake_case_naam 2*3*4"
    )
    link = wa_html('zie https://wa.me/31?text=a_b&c="x". *Klaar*')
    assert link == (
        'zie <a class="link" href="#" data-url="https://wa.me/31?text=a_b&amp;c=&#34;x&#34;">'
        "https://wa.me/31?text=a_b&amp;c=&#34;x&#34;</a>. <b>Klaar</b>"
    )


def test_a_whatsapp_location_and_template_as_the_phone_shows_them() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    place = {"latitude": 52.3935, "longitude": 4.919, "name": "Bureau <Noord>", "address": "x"}
    body = {"type": "location", "location": place}
    shown = received_view(3, WaMessage("w", "location", "", [], [], at, body, location=place), str)
    assert shown["id"] == 3 and shown["location"]["at"] == "52.3935, 4.9190"
    assert shown["location"]["name"] == "Bureau <Noord>"  # the page escapes it (esc)
    assert shown["ticks"] == "🕓" and "html" not in shown
    bell = WaMessage("t", "template", "Nieuw *bericht*", ["Toon bericht"], ["p"], at, {})
    bell.status = "read"
    shown = received_view(0, bell, str)
    assert shown["template"] and shown["buttons"] == ["Toon bericht"] and shown["ticks"] == "✓✓"


async def message_with_button(client: TestClient[Any, Any], who: str, label: str) -> dict[str, Any]:
    """Where the newest button with `label` is on `who`'s phone (waits for it)."""
    found: list[dict[str, Any]] = []

    async def there() -> bool:
        found.clear()
        for m in phone(await state(client), who)["messages"]:
            for r, row in enumerate(m.get("buttons", [])):
                for c, button in enumerate(row):
                    if label in button["text"]:
                        found.append({"message": m["id"], "row": r, "col": c})
        return bool(found)

    await eventually(there)
    return found[-1]


async def test_the_whatsapp_scenario_plays(client: TestClient[Any, Any], session: Session) -> None:
    """'On WhatsApp and Telegram' (the onboarding first): Wim links WhatsApp from /profile, the
    alert reaches him there and his tap counts in Karin's status."""
    await post(client, "play", {"scenario": "whatsapp", "all": True})
    await session.wait_played()
    shown = await state(client)
    assert shown["failed"] is None
    assert all(s["done"] for s in shown["scenarios"][-1]["steps"])
    said = [m for m in shown["whatsapp"]["messages"] if m["mine"]]
    assert said[0]["html"].startswith("KOPPEL ") and "✅" in said[-1]["tap"]
    alert = next(m for m in shown["whatsapp"]["messages"] if "Kamperfoelieweg" in m.get("html", ""))
    assert alert["kind"] == "interactive" and len(alert["buttons"]) == 3
    assert any(
        "Kamperfoelieweg" not in t and re.search(r"#1 .*\b(seen|gezien) 1\b", t)
        for t in texts_in(phone(shown, "karin"))
    )
