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
