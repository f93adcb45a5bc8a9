"""The "between incidents" scene of `bondgenoten demo`: a signal with the 112 gate, a rumour
answered with a counter-message, a mood pulse, and a /whocan that finds someone.

Each step is its own function (one per feature, written with that feature); the scene plays
them in order. It runs after the meal meeting, so Noord has its police chief (Karin), its key
figures (Ahmed, Wim) and its linked group chat; Carla coordinates.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import timedelta

from bot.demo_cast import Cast, later, settle, tap
from domain.pulse import JOBS

# --- a signal with the 112 gate (feature: signals) ---


async def a_signal_with_the_112_gate(cast: Cast) -> None:
    """Late in the evening Ahmed sees two men try the back door of the community centre. In
    /signal he answers "danger now", so the bot first says: call 112. His signal is kept all
    the same, marked urgent, and reaches the police chief and the municipality only — never the
    group. Karin picks it up and answers through the bot; Ahmed sees each change."""
    ahmed, karin = cast.ahmed, cast.karin
    await ahmed.send("/signal")
    await tap(ahmed, await ahmed.expect(None), data=r"^sig:danger:yes$")
    await ahmed.expect("112")  # 112 first
    await ahmed.expect(None)  # what happened?
    await ahmed.send(
        "Twee mannen trekken aan de achterdeur van het buurthuis, een staat op de uitkijk. "
        "Ze kwamen in een witte bestelbus, die staat met draaiende motor op de hoek."
    )
    await ahmed.expect(None)  # where? with the location button
    await ahmed.send_location(52.3912, 4.9205, via_button=True)
    await ahmed.expect(None)  # got it
    await tap(ahmed, await ahmed.expect(None), data=r"^sig:when:now$")
    await tap(ahmed, await ahmed.expect(None), data=r"^sig:name:yes$")  # with his name
    await tap(ahmed, await ahmed.expect(None), data=r"^sig:send$")
    await ahmed.expect(None)  # sent to the police chief and the municipality
    card = await karin.expect("#")
    await tap(karin, card, data=r"^sig:take:")
    await ahmed.expect(None)  # Karin is looking at it
    await tap(karin, card, data=r"^sig:ans:")
    await karin.expect(None)
    await karin.send("Dank je Ahmed. Er is een auto onderweg; blijf zelf binnen.")
    await karin.expect(None)
    await ahmed.expect(None)  # Karin's answer, through the bot
    await settle(cast)


# --- a rumour answered with a counter-message (feature: rumours) ---


async def a_rumour_answered(cast: Cast) -> None:
    """In the group Wim writes that he heard the community centre is closing. The bot does not
    spread it further: one short pointer to the private chat. Wim passes the rumour on with
    /rumour; only Karin and the municipality see it, and that it came from him. Karin marks it
    not true and writes a counter-message that may be shared; every member of Noord gets it in
    their private chat, without Wim's name, and Wim also hears the verdict."""
    karin, wim, ahmed = cast.karin, cast.wim, cast.ahmed
    await wim.send("Ik hoorde dat het buurthuis na de zomer dichtgaat?!", chat=cast.group)
    await cast.group.expect(re.compile("gerucht gehoord|Heard a rumour"))  # the pointer, once
    await wim.send("/start rumour")  # the pointer's button opens the private chat
    await wim.expect(re.compile("Wat gaat er rond|What goes round"))
    await wim.send(
        "Er gaat rond dat het buurthuis na de zomer dichtgaat en de jeugd op straat staat"
    )
    preview = await wim.expect(None)
    await tap(wim, preview, data=r"^rum:s$")
    # It reached the police chief and the municipality, and nobody else: the preview says so.
    await cast.sandbox.wait_for(lambda: not preview.buttons)
    card = await karin.expect(re.compile("Gerucht #|Rumour #"))
    await tap(karin, card, data=r"^rum:v:\d+:false$")
    await wim.expect(re.compile("Hun oordeel|Their verdict"))
    await tap(karin, card, data=r"^rum:c:")
    await karin.expect(None)  # write the counter-message
    await karin.send(
        "Het buurthuis blijft open. De gemeente zoekt een nieuwe beheerder; de jeugdavonden "
        "gaan gewoon door."
    )
    label = await karin.expect(None)
    await tap(karin, label, data=r"^rum:l:shareable$")
    previewed = re.compile("Voorbeeld|Preview")  # the question becomes the preview
    await cast.sandbox.wait_for(lambda: previewed.search(label.text or "") is not None)
    await tap(karin, label, data=r"^rum:cs$")
    for member in (ahmed, wim):
        await member.expect(re.compile("Tegenbericht · Noord|Counter-message · Noord"))
    await settle(cast)


# --- the mood pulse (feature: pulse) ---


async def the_mood_pulse(cast: Cast) -> None:
    """Karin asks the members of Noord "wat leeft er in de wijk?". Each gets the question in
    their private chat, nothing in the group. Ahmed is worried and says why in a few words,
    anonymously; Wim finds it calm. (Who has not answered gets one reminder a day before the
    end.) Three days later the pulse closes and Karin gets the tally: numbers and words, no
    names."""
    karin, ahmed, wim = cast.karin, cast.ahmed, cast.wim
    asked = re.compile(r"Wat leeft er in de wijk|What is going on in the neighbourhood")
    await karin.send("/pulse")
    overview = await karin.expect(re.compile("Sfeerpeiling · Noord|Mood pulse · Noord"))
    await tap(karin, overview, data=r"^pulse:ask:")
    await cast.sandbox.wait_for(lambda: "Ja, vraag het" in overview.button_texts())
    await tap(karin, overview, data=r"^pulse:go:")
    question = await ahmed.expect(asked)
    await tap(ahmed, question, data=r":worried$")
    await cast.sandbox.wait_for(lambda: len(question.buttons) > 2)  # thanks, and more to add
    await tap(ahmed, question, data=r"^pulse:w:")
    await ahmed.expect(re.compile("Typ een paar woorden|Type a few words"))  # behaviour, not looks
    await ahmed.send(
        "Jongeren voelen zich weggezet sinds de steekpartij; ouders maken zich zorgen."
    )
    await ahmed.expect(re.compile("Genoteerd|Noted"))
    await tap(wim, await wim.expect(asked), data=r":calm$")
    await later(cast, timedelta(days=3), "three days later the pulse closes", JOBS)
    await karin.expect(re.compile("Sfeerpeiling Noord|Mood pulse of Noord"))  # the tally: hers
    await settle(cast)


# --- /whocan finds someone (feature: talents) ---


async def whocan_finds_someone(cast: Cast) -> None:
    """Ahmed puts on his /profile card what he can do (translate Arabic) and whom he reaches
    (the mosque). Wim needs someone for an Arabic-speaking neighbour: /whocan arabisch finds
    Ahmed, with his number as Ahmed chose to show it to the members, and who reaches the
    mosque."""
    ahmed, wim = cast.ahmed, cast.wim
    await ahmed.send("/profile")
    card = await ahmed.expect("Noord")

    async def then(done: Awaitable[object]) -> None:
        """Do something on the card, and wait until the card shows it."""
        before = len(card.edits)
        await done
        await cast.sandbox.wait_for(lambda: len(card.edits) > before)

    for what, typed in (("can", "Arabisch vertalen"), ("reaches", "de moskee Al-Nour")):
        await then(tap(ahmed, card, data=rf":{what}$"))
        await then(ahmed.send(typed))
        await then(tap(ahmed, card, data=r":show$"))
    await tap(ahmed, card, data=r":done$")
    await wim.send("/whocan arabisch")
    await wim.expect("Ahmed")
    await wim.send("/whocan moskee")
    await wim.expect("Ahmed")


async def between_incidents(cast: Cast) -> None:
    """Life between incidents. A member reports what he sees to the police chief (112 first:
    there is danger now); a rumour going round is checked by the hosts and answered with a
    message members may pass on; the hosts ask what is going on in the neighbourhood; and a
    member finds who can help."""
    await a_signal_with_the_112_gate(cast)
    await a_rumour_answered(cast)
    await the_mood_pulse(cast)
    await whocan_finds_someone(cast)
