"""The training ground in a real browser: headless Chromium (Debian's `chromium` package, driven
by Playwright's Python package; never a downloaded browser) opens the page of `bondgenoten try`
and does what a trainer does, against the real bot and the sandbox.

Each step leaves a screenshot in build/screenshots/ (`make test` installs chromium when it is
missing; without it these tests fail and say so, they do not skip).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from trainer import server
from trainer.session import Session

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
SCENARIO = 120_000  # ms: a scenario played at full speed, on a busy machine
ANSWER = 20_000  # ms: the bot answers, the page shows it


@pytest.fixture
async def page_url() -> AsyncIterator[tuple[str, Session]]:
    session = Session(language="en", realistic_pace=False)
    await session.reset()
    runner = await server.serve(session, 0)
    try:
        yield f"http://127.0.0.1:{server.bound_port(runner)}/?lang=en", session
    finally:
        await runner.cleanup()
        await session.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(`make test` does: apt-get install chromium)"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class Shots:
    """Numbered screenshots of one test, in build/screenshots/."""

    def __init__(self, page: Any, name: str) -> None:
        self.page, self.name, self.number = page, name, 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob(f"{name}-*.png"):
            old.unlink()

    async def take(self, what: str) -> None:
        self.number += 1
        await self.page.screenshot(path=SHOTS / f"{self.name}-{self.number:02d}-{what}.png")


async def test_a_trainer_onboards_alerts_and_moves_the_clock(
    page_url: tuple[str, Session], browser: Any
) -> None:
    """Open the page; play the onboarding; Ahmed, a key figure, sends /start and presses a
    button; the police chief sends an alert with the buttons under its preview; Ahmed
    acknowledges it and her status counts him; an hour later Wim, who did nothing, has a
    reminder; at the next step the bot planned, she has the list of whom to call."""
    from playwright.async_api import expect

    url, _session = page_url
    page = await browser.new_page(viewport={"width": 2200, "height": 1000})
    shots = Shots(page, "trainer")
    await page.goto(url)
    karin, ahmed, wim = (page.locator(f"#phone-{key}") for key in ("karin", "ahmed", "wim"))
    await expect(karin.locator("header")).to_contain_text("police chief", timeout=ANSWER)
    await expect(page.locator("#phone-group header")).to_contain_text("Wijk Noord")
    await shots.take("page")

    onboarding = page.locator('.scenario[data-scenario="onboarding"]')
    await onboarding.locator("button[data-all]").click()
    await expect(onboarding.locator("li.done")).to_have_count(6, timeout=SCENARIO)
    await expect(page.locator("#status")).to_be_hidden()
    await expect(wim.locator("header")).not_to_contain_text("not in the group yet")
    await shots.take("onboarded")

    # A key figure types /start, then /language and presses a button.
    await ahmed.locator("input[name=text]").fill("/start")
    await ahmed.locator("button[type=submit]").click()
    await expect(ahmed.locator(".msg").last).to_contain_text("112", timeout=ANSWER)
    await expect(ahmed.locator("input[name=text]")).to_have_value("")
    await ahmed.locator("input[name=text]").fill("/language")
    await ahmed.locator("input[name=text]").press("Enter")
    question = ahmed.locator(".kb").last
    await question.locator("button", has_text="English").click()
    await expect(ahmed.locator(".msg").last).to_contain_text("edited", timeout=ANSWER)
    await shots.take("key-figure-pressed-a-button")

    # The police chief sends an alert; her status message counts who saw it.
    await karin.locator("input[name=text]").fill(
        "/alert Noord Brand in de sporthal aan de Kamperfoelieweg. Blijf uit de buurt."
    )
    await karin.locator("input[name=text]").press("Enter")
    await karin.locator(".kb button", has_text="📤").last.click(timeout=ANSWER)
    alert = ahmed.locator(".msg", has_text="Kamperfoelieweg")
    await expect(alert).to_have_count(1, timeout=ANSWER)
    status = karin.locator(".msg", has_text=re.compile(r"#1 .*(seen|gezien) 0"))
    await expect(status).to_have_count(1, timeout=ANSWER)
    await shots.take("alert-sent")
    await ahmed.locator(".kb button", has_text="✅").last.click()
    counted = karin.locator(".msg", has_text=re.compile(r"#1 .*(seen|gezien) 1"))
    await expect(counted).to_have_count(1, timeout=ANSWER)
    await shots.take("acknowledged")

    # An hour on the bot's clock: Wim, who did not react, is reminded.
    before = await page.locator("#clock").inner_text()
    await page.locator('[data-act="clock"][data-by="hour"]').click()
    await expect(page.locator("#clock")).not_to_have_text(before, timeout=ANSWER)
    await expect(wim.locator(".msg", has_text="⏰")).to_have_count(1, timeout=ANSWER)
    await expect(page.locator("#log li").last).to_contain_text("The clock moved ahead")
    await expect(page.locator('[data-act="clock"][data-by="next"]')).to_be_enabled()
    await shots.take("an-hour-later")
    # To the next step the bot planned: the police chief gets the list of whom to call.
    await page.locator('[data-act="clock"][data-by="next"]').click()
    await expect(karin.locator(".msg", has_text="📞")).to_have_count(1, timeout=ANSWER)
    await shots.take("the-next-step")


async def test_the_incident_scenario_counts_in_the_police_chiefs_chat(
    page_url: tuple[str, Session], browser: Any
) -> None:
    """The incident at night played step by step from the page (the onboarding first, at
    once, as it needs it): the police chief's status message counts Ahmed's acknowledgement
    after his step; the last step closes the incident."""
    from playwright.async_api import expect

    url, _session = page_url
    page = await browser.new_page(viewport={"width": 2200, "height": 1000})
    shots = Shots(page, "incident")
    await page.goto(url)
    karin = page.locator("#phone-karin")
    await page.locator('.scenario[data-scenario="onboarding"] button[data-all]').click()
    onboarded = page.locator('.scenario[data-scenario="onboarding"] li.done')
    await expect(onboarded).to_have_count(6, timeout=SCENARIO)
    incident = page.locator('.scenario[data-scenario="incident"]')
    step = incident.locator("button:not([data-all])")
    status = karin.locator(".msg", has_text=re.compile(r"#1 "))

    await step.click()  # the alert is sent
    await expect(incident.locator("li.done")).to_have_count(1, timeout=SCENARIO)
    await expect(status).to_contain_text(re.compile(r"(seen|gezien) 0"), timeout=ANSWER)
    status = karin.locator(f'.msg[data-message="{await status.get_attribute("data-message")}"]')
    await shots.take("alert-sent")
    await step.click()  # Ahmed acknowledges
    await expect(incident.locator("li.done")).to_have_count(2, timeout=SCENARIO)
    await expect(status).to_contain_text(re.compile(r"(seen|gezien) 1"), timeout=ANSWER)
    await shots.take("acknowledged")
    await incident.locator("button[data-all]").click()  # the rest at once
    await expect(incident.locator("li.done")).to_have_count(4, timeout=SCENARIO)
    await expect(page.locator("#status")).to_be_hidden()
    await expect(status).to_contain_text("🔒")
    # Each chat followed what came in: its newest message is in sight.
    for key in ("karin", "ahmed", "wim"):  # (the group's phone is right of the window)
        await expect(page.locator(f"#phone-{key} .msg").last).to_be_in_viewport()
    await shots.take("closed")

    # The page in Dutch: its own words change; the world stays as it is.
    await page.locator("#language").click()
    await expect(page.locator("#phone-karin header")).to_contain_text("politiechef")
    await expect(page.locator("h2").first).to_have_text("Scenario's")
    await expect(incident.locator("li.done")).to_have_count(4)
    await shots.take("in-dutch")


WA_PACE = 40_000  # ms: WhatsApp paces messages to one member (one per six seconds)


async def test_an_alert_reaches_telegram_and_whatsapp_and_both_count(
    page_url: tuple[str, Session], browser: Any
) -> None:
    """After the onboarding Wim moves to WhatsApp from his welcome: its wa.me link opens the
    WhatsApp phone (green, beside his Telegram one) with his code typed in, and he sends it.
    The police chief's alert reaches the group and Ahmed on Telegram and Wim on WhatsApp
    (reply buttons under the bubble, WhatsApp's bold, ticks). Wim taps ✅ Gezien, Ahmed ✅:
    her status counts both. 💬 opens a list of moods; a row is picked. A day later the next
    alert rings the doorbell; its quick reply brings the alert, and a typed 'gezien' counts."""
    from playwright.async_api import expect

    url, _session = page_url
    page = await browser.new_page(viewport={"width": 2600, "height": 1000})
    shots = Shots(page, "whatsapp")
    await page.goto(url)
    karin, ahmed, wim = (page.locator(f"#phone-{key}") for key in ("karin", "ahmed", "wim"))
    whatsapp = page.locator("#phone-wim_wa")
    await expect(whatsapp.locator("header")).to_contain_text("WhatsApp", timeout=ANSWER)
    assert await page.locator("#phone-wim + #phone-wim_wa").count() == 1  # beside his Telegram
    onboarding = page.locator('.scenario[data-scenario="onboarding"]')
    await onboarding.locator("button[data-all]").click()
    await expect(onboarding.locator("li.done")).to_have_count(6, timeout=SCENARIO)
    await expect(page.locator("#status")).to_be_hidden()

    # Wim links WhatsApp from his welcome: its wa.me link opens WhatsApp with his code typed.
    await wim.locator(".kb button", has_text="WhatsApp").last.click(timeout=ANSWER)
    await page.locator("#modal-choices button", has_text="Wim").click()
    field = whatsapp.locator("input[name=text]")
    await expect(field).to_have_value(re.compile(r"^KOPPEL \w+$"))
    await shots.take("code-typed-in")
    await whatsapp.locator("button[type=submit]").click()
    await expect(whatsapp.locator(".msg.mine")).to_contain_text("KOPPEL")
    await expect(whatsapp.locator(".msg:not(.mine)").last).to_contain_text(
        "WhatsApp", timeout=ANSWER
    )
    await shots.take("linked")

    # The police chief's alert reaches both channels.
    await karin.locator("input[name=text]").fill(
        "/alert Noord Brand in de sporthal aan de Kamperfoelieweg. <b>Blijf</b> uit de buurt."
    )
    await karin.locator("input[name=text]").press("Enter")
    await karin.locator(".kb button", has_text="📤").last.click(timeout=ANSWER)
    await expect(ahmed.locator(".msg", has_text="Kamperfoelieweg")).to_have_count(1, timeout=ANSWER)
    on_wa = whatsapp.locator(".msg", has_text="Kamperfoelieweg")
    await expect(on_wa).to_have_count(1, timeout=WA_PACE)
    await expect(on_wa.locator("b").first).to_have_text(re.compile(r"DRINGEND|URGENT"))
    await expect(on_wa).to_contain_text("<b>Blijf</b>")  # typed markup shows as text
    await expect(on_wa.locator(".ticks.read")).to_have_count(1, timeout=ANSWER)
    status = karin.locator(".msg", has_text=re.compile(r"#1 .*(seen|gezien) 0"))
    await expect(status).to_have_count(1, timeout=ANSWER)
    await shots.take("alert-on-both-channels")

    buttons = whatsapp.locator(".wa-buttons").first
    await buttons.locator("button", has_text=re.compile("Gezien|Seen")).click()
    await expect(whatsapp.locator(".msg.mine .tap").last).to_contain_text("✅")
    counted = karin.locator(".msg", has_text=re.compile(r"#1 .*(seen|gezien) 1"))
    await expect(counted).to_have_count(1, timeout=WA_PACE)
    await ahmed.locator(".kb button", has_text="✅").last.click()
    counted = karin.locator(".msg", has_text=re.compile(r"#1 .*(seen|gezien) 2"))
    await expect(counted).to_have_count(1, timeout=ANSWER)
    await shots.take("both-counted")

    # 💬: the moods as a list; open it, pick a row.
    await buttons.locator("button", has_text="💬").click()
    opener = whatsapp.locator("[data-act=wa_list]")
    await expect(opener).to_have_count(1, timeout=WA_PACE)
    await opener.click()
    rows = page.locator("#modal-choices button")
    await expect(rows).to_have_count(5)  # four moods and Cancel
    await shots.take("list-opened")
    await rows.nth(0).click()
    await expect(whatsapp.locator(".msg.mine .tap")).to_have_count(3)

    # A day later the window is closed: the doorbell, its quick reply, then the alert.
    before = await page.locator("#clock").inner_text()
    await page.locator('[data-act="clock"][data-by="day"]').click()
    await expect(page.locator("#clock")).not_to_have_text(before, timeout=WA_PACE)
    await expect(page.locator('[data-act="clock"][data-by="day"]')).to_be_enabled(timeout=WA_PACE)
    await karin.locator("input[name=text]").fill(
        "/alert Noord Wateroverlast bij de Zamenhofstraat."
    )
    await karin.locator("input[name=text]").press("Enter")
    await karin.locator(".kb button", has_text="📤").last.click(timeout=ANSWER)
    bell = whatsapp.locator(".wa-buttons button", has_text=re.compile("Toon bericht|Show message"))
    await expect(bell).to_have_count(1, timeout=WA_PACE)
    await expect(whatsapp.locator(".msg", has_text="Zamenhofstraat")).to_have_count(0)
    await shots.take("doorbell")
    await bell.click()
    await expect(whatsapp.locator(".msg", has_text="Zamenhofstraat")).to_have_count(
        1, timeout=WA_PACE
    )
    await field.fill("gezien")
    await field.press("Enter")
    counted = karin.locator(".msg", has_text=re.compile(r"#2 .*(seen|gezien) 1"))
    await expect(counted).to_have_count(1, timeout=WA_PACE)
    await expect(whatsapp.locator(".msg").last).to_be_in_viewport()
    await shots.take("typed-reply-counted")
