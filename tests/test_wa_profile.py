"""Linking WhatsApp from Telegram's /profile: a wa.me link with a one-time code, the member
writes first (the opt-in, recorded with its time and source), then chooses per network how the
bot reaches them, and can unlink. Driven through both sandboxes: Telegram's and WhatsApp's.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from domain import whatsapp_link
from sandbox import Sandbox, SimMessage, SimUser
from storage import audit, networks, wa_links
from storage import whatsapp as wa_store
from storage.database import Database
from storage.networks import Network
from tests import given
from tests.conftest import make_settings
from tests.test_meetings import bot
from wa_sandbox import WaSandbox, WaUser

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "app-s3cret-for-tests"
VERIFY = "verify-me"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class WaWorld:
    """Noord, with a police chief and two key figures on Telegram, and the WhatsApp sandbox
    where one of them (Ayşe) has WhatsApp too."""

    app: BotApplication
    sandbox: Sandbox
    wa: WaSandbox
    clock: ManualClock
    network: Network
    chief: SimUser  # Karin, police chief
    eve: SimUser  # a key figure on Telegram only
    ayse: SimUser  # a key figure, on Telegram...
    ayse_wa: WaUser  # ... and on WhatsApp

    @property
    def db(self) -> Database:
        return services.of(self.app).database

    async def idle(self) -> None:
        """Everything sent, every webhook delivered and handled."""
        svc = services.of(self.app)
        await svc.dispatcher.idle()
        await self.wa.idle()
        assert svc.wa_webhook is not None
        await svc.wa_webhook.idle()

    async def link(self, user: SimUser, wa_user: WaUser, network_id: int | None = None) -> None:
        """The member links WhatsApp with a code made for `network_id` (the real path: the
        member writes the code there)."""
        svc = services.of(self.app)
        code = await whatsapp_link.new_code(svc, user.id, network_id, "profile")
        seen = len(wa_user.inbox)
        await wa_user.write(f"KOPPEL {code.code}")
        await wa_user.wait_for(lambda m: "linked to you" in m.text, after=seen)


@pytest.fixture
async def world(sandbox: Sandbox, tmp_path: Path, coordinator: SimUser) -> AsyncIterator[WaWorld]:
    clock = ManualClock(START)
    async with WaSandbox(app_secret=SECRET, verify_token=VERIFY, now=clock.now) as wa:
        wa.pair_interval = 0  # these stories are not about pacing (tests/test_wa_outbound.py)
        port = free_port()
        settings = make_settings(
            sandbox,
            tmp_path / "bot.sqlite3",
            access={"coordinators": [coordinator.id]},
            whatsapp={
                "phone_number_id": wa.phone_number_id,
                "token": wa.access_token,
                "app_secret": SECRET,
                "verify_token": VERIFY,
                "display_phone": wa.display_phone,
                "listen": f"127.0.0.1:{port}",
                "graph_url": wa.graph_url,
                "seconds_between_messages_to_a_member": 0,  # as the sandbox's pair_interval
            },
        )
        wa.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
        async with bot(settings, clock) as app:
            db = services.of(app).database
            network = await networks.create(db, "Noord", None, coordinator.id, START)
            chief = sandbox.add_user("Karin", language_code="en")
            eve = sandbox.add_user("Eve", language_code="en")
            ayse = sandbox.add_user("Ayşe", last_name="Yılmaz", language_code="en")
            for user, role in ((chief, "police_chief"), (eve, "key_figure"), (ayse, "key_figure")):
                user.started = True
                await given.approved(db, network.id, user, role, coordinator.id, language="en")
            ayse_wa = wa.user("Ayşe Yılmaz", phone="31612345678")
            yield WaWorld(app, sandbox, wa, clock, network, chief, eve, ayse, ayse_wa)


async def open_whatsapp_screen(user: SimUser) -> SimMessage:
    await user.send("/profile")
    card = await user.expect("Your details in Noord")
    assert "📱 WhatsApp" in card.button_texts()
    await (await user.press(card, "📱 WhatsApp")).answered()
    return card


def code_of(message: SimMessage) -> str:
    """The code in the wa.me link of the screen's 📱 Open WhatsApp button."""
    [url] = [b.url for row in message.buttons for b in row if b.url]
    assert url is not None
    parts = urlsplit(url)
    assert parts.netloc == "wa.me" and parts.path == "/31850001234"
    [text] = parse_qs(parts.query)["text"]
    found = re.fullmatch(r"KOPPEL ([A-Z0-9]{8})", unquote(text))
    assert found, text
    return found[1]


async def test_a_member_links_whatsapp_from_profile_and_the_consent_is_recorded(
    world: WaWorld,
) -> None:
    ayse, ayse_wa = world.ayse, world.ayse_wa
    screen = await open_whatsapp_screen(ayse)
    await world.sandbox.wait_for(lambda: "Open WhatsApp" in " ".join(screen.button_texts()))
    assert "STOP there ends it" in (screen.text or "")
    code = code_of(screen)
    assert code in (screen.text or "")  # also to type by hand
    assert await wa_store.get_contact(world.db, ayse.id) is None

    world.clock.advance(timedelta(minutes=3))
    await ayse_wa.write(f"KOPPEL {code}")
    welcome = await ayse_wa.wait_for(lambda m: "linked to you" in m.text)
    assert "Noord" in welcome.text  # the code was made for Noord: it reaches her there now
    assert "STOP" in welcome.text
    await ayse.expect("Your WhatsApp is linked. On WhatsApp from now on: Noord")

    contact = await wa_store.get_contact(world.db, ayse.id)
    assert contact is not None
    assert contact.consent_source == "profile"
    assert contact.consent_at == (START + timedelta(minutes=3)).isoformat()
    assert contact.phone == "31612345678" and contact.wa_user == ayse_wa.bsuid
    assert await wa_store.channels_of(world.db, ayse.id) == {world.network.id: "whatsapp"}
    entries = await audit.about(world.db, ayse.id)
    assert [e.action for e in entries] == ["wa_linked"]

    # The code was for once.
    someone = world.wa.user("Someone", phone="31699990000")
    await someone.write(f"KOPPEL {code}")
    used = await someone.wait_for(lambda m: "al gebruikt" in m.text)  # Dutch: not known yet
    assert used.kind == "text"
    assert await wa_store.contact_by_wa_user(world.db, someone.bsuid) is None

    # The screen now shows the link and the choice per network.
    await ayse.send("/profile")
    card = await ayse.expect("Your details in Noord")
    await (await ayse.press(card, "📱 WhatsApp")).answered()
    await world.sandbox.wait_for(lambda: "Linked (+31612345678)" in (card.text or ""))
    assert "• Noord: WhatsApp" in (card.text or "")
    assert card.button_texts()[:2] == ["Noord: Telegram", "✓ WhatsApp"]
    await (await ayse.press(card, "Noord: Telegram")).answered()
    await world.sandbox.wait_for(lambda: "• Noord: Telegram" in (card.text or ""))
    assert await wa_store.channels_of(world.db, ayse.id) == {}
    await (await ayse.press(card, "WhatsApp")).answered()
    await world.sandbox.wait_for(lambda: "• Noord: WhatsApp" in (card.text or ""))

    # /mydata shows it.
    await ayse.send("/mydata")
    mine = await ayse.expect("What we keep about you")
    assert "WhatsApp id" in (mine.text or "") and "+31612345678" in (mine.text or "")
    assert "On WhatsApp: Noord" in (mine.text or "")

    # Unlinking: the identity and the choices go.
    await (await ayse.press(card, "🗑 Unlink WhatsApp")).answered()
    await world.sandbox.wait_for(lambda: "WhatsApp is unlinked" in (card.text or ""))
    assert await wa_store.get_contact(world.db, ayse.id) is None
    assert await wa_store.channels_of(world.db, ayse.id) == {}
    assert "📱 Open WhatsApp" in card.button_texts()  # a fresh code to link again


async def test_someone_without_a_valid_code_hears_how_to_link_and_nothing_is_kept(
    world: WaWorld,
) -> None:
    stranger = world.wa.user("Stranger", phone="31611112222")
    await stranger.write("Hallo, is dit de wijkagent?")
    how = await stranger.wait_for(lambda m: "/profile" in m.text)
    assert "Bondgenoten" in how.text  # Dutch: the default language
    await stranger.write("KOPPEL 22223333")
    await stranger.wait_for(lambda m: "ken ik niet" in m.text)
    # An expired code.
    svc = services.of(world.app)
    code = await whatsapp_link.new_code(svc, world.eve.id, None, "profile")
    world.clock.advance(timedelta(hours=25))
    await stranger.write(f"koppel {code.code.lower()}")
    await stranger.wait_for(lambda m: "verlopen" in m.text)
    await world.idle()
    assert await world.db.fetch_all("SELECT * FROM wa_contacts") == []
    left = await world.db.fetch_all("SELECT item FROM wa_webhooks_seen")
    assert left and all(row["item"] is None for row in left)  # handled: their words are gone


async def test_the_welcome_of_a_new_member_offers_whatsapp(
    world: WaWorld, coordinator: SimUser
) -> None:
    from domain import approval  # the welcome a new member gets once approved

    svc = services.of(world.app)
    newcomer = world.sandbox.add_user("Noor", language_code="en")
    newcomer.started = True
    await given.approved(
        svc.database, world.network.id, newcomer, "key_figure", coordinator.id, language="en"
    )
    await approval.welcome_member(svc, world.network, newcomer.id, "Karin", world.chief.id)
    welcome = await newcomer.expect("has approved your membership")
    assert "Rather get the alerts and questions on WhatsApp?" in (welcome.text or "")
    code = code_of(welcome)
    found = await wa_links.check(svc.database, code, world.clock.now())
    assert isinstance(found, wa_links.LinkCode)
    assert found.source == "invite" and found.network_id == world.network.id


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_whatsapp_screen_with_twenty_networks_at_their_longest_fits_one_message(
    language: str,
) -> None:
    from bot.fit import LIMIT, visible_length
    from bot.i18n import translator
    from bot.settings import load_settings

    _ = translator(language)
    settings = load_settings(
        None,
        telegram={"token": "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"},
        whatsapp={"phone_number_id": "1100200300", "token": "t", "display_phone": "31850001234"},
    )
    many = [Network(i, "N" * 200, None, None, START.isoformat()) for i in range(1, 21)]
    contact = wa_store.Contact(
        1, "NL.1", "31612345678", START.isoformat(), "profile", None, START.isoformat(), None
    )
    linked = whatsapp_link.Standing(contact, many, {n.id: "whatsapp" for n in many[::2]})
    text, rows = whatsapp_link.screen(_, settings, linked, None, "prof:1:wa")
    assert visible_length(text) < LIMIT
    assert sum(len(row) for row in rows) <= 100  # Telegram's most buttons under one message
    code = wa_links.LinkCode(
        "ABCDEFGH", 1, 1, "profile", START.isoformat(), START.isoformat(), None
    )
    text, rows = whatsapp_link.screen(
        _, settings, whatsapp_link.Standing(None, many, {}), code, "x"
    )
    assert visible_length(text) < LIMIT
    url = whatsapp_link.wa_me_link(settings, code.code)
    assert url == "https://wa.me/31850001234?text=KOPPEL%20ABCDEFGH"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_privacy_in_full_says_what_whatsapp_keeps_only_when_it_is_offered(language: str) -> None:
    from bot.fit import LIMIT, visible_length
    from bot.i18n import translator
    from bot.settings import load_settings
    from handlers.privacy import full_privacy

    _ = translator(language)
    token = {"token": "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"}
    wa = {"phone_number_id": "1100200300", "token": "t", "display_phone": "31850001234"}
    offered = full_privacy(_, load_settings(None, telegram=token, whatsapp=wa))
    assert "<b>WhatsApp</b>" in offered and "30" in offered  # wa_message_days
    assert visible_length(offered) < LIMIT
    assert "<b>WhatsApp</b>" not in full_privacy(_, load_settings(None, telegram=token))
