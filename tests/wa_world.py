"""A world for WhatsApp stories: the real application against both sandboxes.

Noord has a police chief (Karin) and a key figure (Eve) on Telegram, and a key figure (Ayşe)
who chose WhatsApp for Noord. The bot's clock is a `ManualClock`, which the WhatsApp sandbox
shares (its window and its limits run on it). The doorbell templates are declared in the
sandbox's business account as `whatsapp.templates` declares them, approved.

`wa_world` is the fixture; `WaWorld.on_whatsapp` arranges one more member who wrote to the
bot's number earlier (linked and consented, straight in storage: the linking story itself is
tests/test_wa_profile.py's).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from sandbox import Sandbox, SimUser
from storage import networks
from storage import whatsapp as wa_store
from storage.database import Database
from storage.networks import Network
from tests import given
from tests.conftest import make_settings
from tests.test_meetings import bot
from wa_sandbox import WaSandbox, WaUser
from whatsapp import templates
from whatsapp.dispatcher import WaDispatcher

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "wa-world-app-secret"
VERIFY = "wa-world-verify"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class WaWorld:
    app: BotApplication
    sandbox: Sandbox
    wa: WaSandbox
    clock: ManualClock
    network: Network
    chief: SimUser
    eve: SimUser
    ayse: SimUser  # on Telegram too, but Noord reaches her on WhatsApp
    ayse_wa: WaUser

    @property
    def db(self) -> Database:
        return services.of(self.app).database

    @property
    def outbox(self) -> WaDispatcher:
        outbox = services.of(self.app).whatsapp
        assert isinstance(outbox, WaDispatcher)
        return outbox

    def advance(self, seconds: float) -> None:
        """Time passes (for the bot and the WhatsApp sandbox); the outbox looks again."""
        self.clock.advance(timedelta(seconds=seconds))
        self.outbox.wake()

    async def on_whatsapp(
        self, user: SimUser, name: str, *, wrote_at: datetime | None, phone: str | None = None
    ) -> WaUser:
        """`user` wrote to the bot's number at `wrote_at` (their opt-in; None: long ago, the
        window closed) and chose WhatsApp for Noord."""
        moment = wrote_at or self.clock.now() - timedelta(days=3)
        wa_user = self.wa.user(name, phone=phone, wrote_at=moment)
        await wa_store.link(self.db, user.id, wa_user.bsuid, phone, "profile", moment)
        await wa_store.set_channel(self.db, self.network.id, user.id, "whatsapp", moment)
        return wa_user


@pytest.fixture
async def wa_world(
    sandbox: Sandbox, tmp_path: Path, coordinator: SimUser
) -> AsyncIterator[WaWorld]:
    clock = ManualClock(START)
    async with WaSandbox(app_secret=SECRET, verify_token=VERIFY, now=clock.now) as wa:
        for declared in templates.DECLARED:
            wa.add_template(
                declared.name,
                declared.language,
                declared.body,
                buttons=declared.buttons,
                category=declared.category,
            )
        port = free_port()
        settings = make_settings(
            sandbox,
            tmp_path / "bot.sqlite3",
            access={"coordinators": [coordinator.id]},
            monitoring={"listen": f"127.0.0.1:{free_port()}"},
            whatsapp={
                "phone_number_id": wa.phone_number_id,
                "token": wa.access_token,
                "app_secret": SECRET,
                "verify_token": VERIFY,
                "display_phone": wa.display_phone,
                "listen": f"127.0.0.1:{port}",
                "graph_url": wa.graph_url,
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
            world = WaWorld(app, sandbox, wa, clock, network, chief, eve, ayse, None)  # type: ignore[arg-type]
            world.ayse_wa = await world.on_whatsapp(
                ayse, "Ayşe Yılmaz", wrote_at=START - timedelta(hours=1), phone="31612345678"
            )
            yield world
