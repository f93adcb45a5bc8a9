"""/privacy fits a phone screen – what we keep, who sees it, how long, your rights – and More
shows all of it, in the same message."""

from __future__ import annotations

from bot.app import BotApplication
from sandbox import Sandbox


async def test_privacy_is_short_and_more_shows_all_of_it(
    app: BotApplication, sandbox: Sandbox
) -> None:
    ahmed = sandbox.add_user("Ahmed", language_code="nl")
    await ahmed.send("/privacy")
    notice = await ahmed.expect("Privacy")
    assert len(notice.text) < 520  # a phone screen, with the windows in force
    for fact in ("Wie het ziet", "Hoe lang", "/mydata", "/profile", "/forget"):
        assert fact in notice.text
    # How long, truthfully: the [retention] windows, not "until you delete it".
    assert "berichten 30 dagen, reacties op meldingen 180 dagen" in notice.text
    assert "je gegevens 90 dagen nadat je stopt" in notice.text
    # Who sees the phone number, as the application's consent says it.
    assert "de politiechef, de gemeente en de coördinatoren" in notice.text
    assert "telefoonnummer alleen als jij dat wilt" in notice.text
    assert notice.button_texts() == ["Meer"]

    await (await ahmed.press(notice, "Meer")).answered()
    await sandbox.wait_for(lambda: "alles op een rij" in notice.text)
    assert notice.buttons == []
    for fact in ("Wat we nooit bewaren", "bellijst", "Met /forget wis je alles", "Je rechten"):
        assert fact in notice.text
    assert "intake" not in notice.text.lower()
    assert "Versie 1 van 6 december 2026." in notice.text  # the notice's version and date


async def test_english_privacy_uses_the_same_words(app: BotApplication, sandbox: Sandbox) -> None:
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send("/privacy")
    notice = await eve.expect("Privacy")
    assert notice.button_texts() == ["More"]
    assert "the police chief, the municipality and the coordinators" in notice.text
    await (await eve.press(notice, "More")).answered()
    await sandbox.wait_for(lambda: "Privacy in full" in notice.text)
    assert "hosts" not in notice.text and "intake" not in notice.text
