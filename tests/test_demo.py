"""`make demo` plays its whole story against the sandbox, and it reads in order: each scene's
people, menus and buttons where the story has them.

The demo runs in a process of its own (`bot.demo.main()`, as `bondgenoten demo` does): it sets up
logging for a terminal, which must not change the logging of the tests after it. It takes a
minute or two, most of it Telegram's pace of one message a second in a private chat.
"""

from __future__ import annotations

import asyncio
import sys

from bot.demo import SCENES

PLAY = "import asyncio, sys\nfrom bot import demo\nsys.exit(asyncio.run(demo.main()))\n"

# What a newcomer must find, in this order (narration, names, emoji and buttons: not the
# wording of the bot's texts, which the language passes change).
IN_ORDER = [
    "📱 Ahmed, a stranger, taps / in the chat with the bot and sees this menu:",
    "/start",
    "📱 Carla, a coordinator, taps / in the chat with the bot and sees this menu:",
    "/newnetwork",
    "Carla de Vries: /appoint",
    "⌨️ [ 👤 ",  # the button that opens Telegram's user picker
    "Carla de Vries picked Emma Jansen",
    "Carla de Vries pressed [↩️ ",  # withdrawn
    "Emma Jansen: /mydata",
    "📎 bondgenoten-my-data-",
    "Carla de Vries added the bot",
    "⌨️ [ 📱 ",  # the button under the text field that shares one's number
    "Karin Smit shared a contact: +316",
    "Bot approved Karin Smit's join request",
    "📱 Karin, the police chief, taps / in the chat with the bot and sees this menu:",
    "/alert",
    "✂️ Ahmed opens the link and answers the same questions as Karin did",
    "📱 Ahmed, now a key figure, taps / in the chat with the bot and sees this menu:",
    "/profile",
    "Bot declined Mallory's join request",
    "Ahmed Benali: /profile",
    "Ahmed Benali pressed [halal]",
    "📱 In the group, the / button lists for members:",
    "/link",
    "Ahmed Benali: /meetings",
    "✂️ Wim, a key figure from the football club, joined the same way",
    "Karin Smit: /alert Noord Vannacht is iemand neergestoken",
    "[ 👀 ",  # the buttons under the sender's status message
    "⏩ 15 minutes later",
    "Karin Smit pressed [👀 ",
    "Karin Smit pressed [🔁 ",
    "Karin Smit: De verdachte is aangehouden.",
    "Karin Smit pressed [✅ ",
    "Karin Smit: Het is weer rustig in de wijk.",
    "⚡ Telegram answers 502 Bad Gateway",
    "⏩ 10 minutes later: Telegram answers again",
    "Karin Smit: /meeting",
    "📍 Karin is at the police station and taps the location button",
    "Karin Smit: 📍 Location 52.3935, 4.9190",
    "⏩ three weeks before the meeting",
    "Ahmed Benali pressed [✅ ",  # in the group, under the count
    "⏩ a week before the action is due",
    "Karin Smit: /stats Noord",
    "Bot: 🖼 Photo 1080×",  # the charts, each with its numbers in the caption
    "🖼 The 6 pictures Karin got are saved; open them on this computer:",
    "build/demo/stats-noord-1.png",  # where a person finds them
    "Wim de Boer pressed [📱 WhatsApp]",
    "💬 WhatsApp · Wim de Boer → KOPPEL ",  # the one-time code, sent on WhatsApp
    "💬 WhatsApp · Wim de Boer ← 🔴",  # the alert, on WhatsApp
    "Ahmed Benali pressed [✅ ",
    "💬 WhatsApp · Wim de Boer → taps [✅ ",
    "gezien 2",  # Karin's status counts both
    "Carla de Vries: /audit Noord",
    "The demo ran the real bot against the sandbox: no token, no network.",
]


def in_order(shown: str, wanted: list[str]) -> None:
    """Each of `wanted` appears in `shown`, each after the one before it."""
    at = 0
    for line in wanted:
        found = shown.find(line, at)
        assert found >= 0, f"{line!r} does not follow in the demo's output (from {at})"
        at = found + len(line)


async def test_the_demo_plays_every_scene_in_order() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PLAY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    shown = out.decode()
    assert process.returncode == 0, shown[-3000:] + err.decode()[-3000:]
    assert not err, err.decode()[-3000:]  # no log lines, no warnings: a clean terminal
    in_order(shown, [f"═══ Scene {n}: {title} ═══" for n, (title, _) in enumerate(SCENES, 1)])
    in_order(shown, IN_ORDER)
    for leaked in ("<b>", "</b>", "&amp;", "&lt;", "StopIteration", "Traceback"):
        assert leaked not in shown, leaked
