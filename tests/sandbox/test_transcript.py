"""The demo's timeline: events of several chats in the order they happened."""

from __future__ import annotations

from sandbox import Sandbox
from sandbox.transcript import timeline


async def test_the_timeline_follows_the_story_across_chats_with_notes_in_place() -> None:
    async with Sandbox() as sandbox:
        karin = sandbox.add_user("Karin")
        ahmed = sandbox.add_user("Ahmed")
        group = sandbox.add_group("Wijk Noord", members=[karin, ahmed])
        start = sandbox.mark()
        sandbox.record(karin.private_chat, "press", "Karin", "first")
        sandbox.record(ahmed.private_chat, "press", "Ahmed", "second")
        notes = [(sandbox.mark(), "  ⏩ 15 minutes later")]
        sandbox.record(ahmed.private_chat, "press", "Ahmed", "third")
        sandbox.record(group, "press", "Karin", "fourth")
        sandbox.record(karin.private_chat, "press", "Karin", "fifth")

        lines = timeline(sandbox, since=start, notes=notes).splitlines()

    assert lines == [
        f"── {karin.private_chat.label} ──",
        "Karin pressed [first]",
        f"── {ahmed.private_chat.label} ──",
        "Ahmed pressed [second]",
        "  ⏩ 15 minutes later",
        f"── {ahmed.private_chat.label} ──",
        "Ahmed pressed [third]",
        f"── {group.label} ──",
        "Karin pressed [fourth]",
        f"── {karin.private_chat.label} ──",
        "Karin pressed [fifth]",
    ]


async def test_a_shared_location_reads_as_a_place() -> None:
    async with Sandbox() as sandbox:
        karin = sandbox.add_user("Karin")
        start = sandbox.mark()
        await karin.send_location(52.37912, 4.90031)
        lines = timeline(sandbox, since=start).splitlines()
    assert lines[-1] == "Karin: 📍 Location 52.3791, 4.9003"


async def test_a_keyboard_a_ticked_answer_and_a_reply_read_plainly() -> None:
    async with Sandbox() as sandbox:
        karin = sandbox.add_user("Karin")
        chat = karin.private_chat
        start = sandbox.mark()
        contact = {"text": "📱 Deel mijn nummer", "request_contact": True}
        phone = sandbox.add_message(
            chat, None, text="Je nummer?", reply_markup={"keyboard": [[contact], ["Nee"]]}
        )
        phone.reply_markup = None  # buttons taken off a message that had none under it
        sandbox.record(chat, "edit_markup", "Bot", "", phone)
        inline = {"inline_keyboard": [[{"text": "Nederlands", "callback_data": "nl"}]]}
        asked = sandbox.add_message(chat, None, text="Welke taal?", reply_markup=inline)
        asked.edits.append("Welke taal?")
        asked.text, asked.reply_markup = "Welke taal?\n\n✓ Nederlands", None
        sandbox.record(chat, "edit", "Bot", asked.text, asked)
        sandbox.add_message(chat, None, text="Dank je.", reply_to=asked)
        lines = timeline(sandbox, since=start).splitlines()

    assert lines == [
        f"── {chat.label} ──",
        "Bot: Je nummer?",
        "  ⌨️ [ 📱 Deel mijn nummer ]",
        "  ⌨️ [ Nee ]",
        "Bot: Welke taal?",
        "  [ Nederlands ]",
        "Bot added to “Welke taal?”: ✓ Nederlands",
        "Bot (↩ “Welke taal?”): Dank je.",
    ]
