"""The rumour desk's texts and buttons (`domain.rumours`): the member's steps, each host's copy
of a rumour, the open list, the counter-message as members get it, and the group's pointer.

A rumour's text is shown to the hosts only, and who raised it only to the network's own hosts
(a coordinator reading along sees "a member"); a counter-message carries neither.
"""

from __future__ import annotations

from bot.fit import cut_label
from bot.i18n import Html, Translator
from domain.ports import Button, Keyboard, page_turn
from storage.networks import Network
from storage.rumours import Rumour

# Callback data, each well within 64 bytes (ids are at most 20 digits).
VERDICT = "rum:v"  # rum:v:<rumour id>:<true|false|unknown>
COUNTER = "rum:c"  # rum:c:<rumour id>: write a counter-message
NETWORK = "rum:n"  # rum:n:<network id>: the network a member's rumour is for
SEND = "rum:s"  # send the member's rumour to the hosts
LABEL = "rum:l"  # rum:l:<shareable|network>: the counter-message's label
SEND_COUNTER = "rum:cs"  # send the counter-message to the network
PAGE = "rum:p"  # rum:p:<page> of /rumours
LIST_VERDICT = "rum:lv"  # rum:lv:<rumour id>:<verdict>:<page>: a verdict from the list

VERDICTS = ("true", "false", "unknown")
LIST_TEXT = 300  # characters of a rumour's text in the /rumours list (the card has all)


def verdict_name(_: Translator, status: str) -> str:
    names = {
        "open": _("❓ not judged yet"),
        "true": _("✅ true"),
        "false": _("❌ not true"),
        "unknown": _("❔ not known yet"),
    }
    return names.get(status, status)


def verdict_buttons(_: Translator, rumour_id: int) -> list[Button]:
    return [
        Button(_("✅ True"), f"{VERDICT}:{rumour_id}:true"),
        Button(_("❌ Not true"), f"{VERDICT}:{rumour_id}:false"),
        Button(_("❔ Not known yet"), f"{VERDICT}:{rumour_id}:unknown"),
    ]


def card_buttons(_: Translator, rumour: Rumour) -> Keyboard:
    """Under each host's copy: the verdicts, and a counter-message while none was sent."""
    if rumour.text is None:
        return ()
    rows: list[list[Button]] = [verdict_buttons(_, rumour.id)]
    if rumour.counter_sent_at is None:
        rows.append([Button(_("📣 Counter-message"), f"{COUNTER}:{rumour.id}")])
    return rows


def label_name(_: Translator, label: str) -> str:
    if label == "shareable":
        return _("✅ May be shared")
    return _("🔒 Network only")


def quoted(text: str, width: int | None = None) -> Html:
    """A member's words, escaped, in quotes (cut to `width` characters)."""
    shown = cut_label(text, width) if width else text
    return Html("“{text}”").format(text=shown)


def card_text(
    _: Translator,
    network: Network,
    rumour: Rumour,
    *,
    raiser: str | None,
    judge: str | None,
    judged_when: str | None,
    counter_by: str | None,
    received: str,
) -> Html:
    """A host's copy of a rumour: what goes round, who passed it on (`raiser`: None for
    a reader who is not one of the network's hosts), the verdict and who gave it, and the
    counter-message once sent."""
    head = _("🗣 <b>Rumour #{id}</b> · {network}", id=rumour.id, network=network.name)
    if rumour.text is None:
        return Html("{head}\n\n{gone}").format(
            head=head,
            gone=_("The member who passed this on deleted their data, and the rumour with it."),
        )
    lines = [head, "", quoted(rumour.text), ""]
    if raiser is not None:
        lines.append(_("Passed on by {name}, {when}.", name=raiser, when=received))
    else:
        lines.append(
            _("Passed on by a member of {network}, {when}.", network=network.name, when=received)
        )
    if rumour.status == "open":
        lines.append(_("Verdict: {verdict}", verdict=verdict_name(_, rumour.status)))
    else:
        lines.append(
            _(
                "Verdict: {verdict} – {name} ({when})",
                verdict=verdict_name(_, rumour.status),
                name=judge or _("someone"),
                when=judged_when or "?",
            )
        )
    if rumour.counter_text is not None:
        lines += [
            "",
            _(
                "📣 Counter-message sent by {name} ({label}):",
                name=counter_by or _("someone"),
                label=label_name(_, rumour.counter_label or "network"),
            ),
            quoted(rumour.counter_text),
        ]
    lines += [
        "",
        _("🔒 Only the police chief and the municipality see this rumour and who passed it on."),
    ]
    return Html("\n").join(lines)


def list_entry(
    _: Translator, network: Network, rumour: Rumour, *, raiser: str | None, received: str
) -> Html:
    """One open rumour in /rumours: short; its card has the whole text."""
    who = raiser if raiser is not None else _("a member")
    return _(
        "<b>#{id}</b> · {network} · {when}\n{text}\n<i>{by}</i>",
        id=rumour.id,
        network=network.name,
        when=received,
        text=quoted(rumour.text or "", LIST_TEXT),
        by=_("passed on by {name}", name=who),
    )


def list_buttons(_: Translator, rumours: list[Rumour], page: int) -> list[list[Button]]:
    """A row per rumour on the page: its verdicts and a counter-message, by number."""
    rows: list[list[Button]] = []
    for rumour in rumours:
        rows.append(
            [
                Button(f"✅ #{rumour.id}", f"{LIST_VERDICT}:{rumour.id}:true:{page}"),
                Button(f"❌ #{rumour.id}", f"{LIST_VERDICT}:{rumour.id}:false:{page}"),
                Button(f"❔ #{rumour.id}", f"{LIST_VERDICT}:{rumour.id}:unknown:{page}"),
                Button(f"📣 #{rumour.id}", f"{COUNTER}:{rumour.id}"),
            ]
        )
    return rows


def page_buttons(page: int, pages: int) -> list[Button]:
    return page_turn(PAGE, page, pages)


def list_head(_: Translator, total: int, first: int, last: int) -> str:
    if total <= last - first + 1:
        return _.ngettext(
            "🗣 <b>One open rumour</b>",
            "🗣 <b>{n} open rumours</b>",
            total,
        )
    return _(
        "🗣 <b>Open rumours</b> · {first}–{last} of {total}", first=first, last=last, total=total
    )


def list_foot(_: Translator) -> str:
    return _("✅ true · ❌ not true · ❔ not known yet · 📣 write a counter-message")


def nothing_open(_: Translator) -> str:
    return _("🗣 No open rumours in your networks. New ones reach you as soon as they come in.")


# --- the member's steps ----------------------------------------------------------------------


def not_member(_: Translator) -> str:
    return _(
        "/rumour is for members of a network: you pass on a rumour that goes round, and the "
        "police chief and the municipality look into it."
    )


def which_network(_: Translator) -> str:
    return _("About which network is the rumour? Choose one.")


def ask_text(_: Translator, network: Network) -> str:
    return _(
        "🗣 <b>What goes round?</b>\n"
        "Type the rumour as you heard it, e.g. “people say that…”.\n\n"
        "Only the police chief and the municipality of {network} see it and who passed it on; "
        "nobody else learns it came from you.\n"
        "🚨 Danger now? Call 112.",
        network=network.name,
    )


def empty_text(_: Translator) -> str:
    return _(
        "I don't see what goes round yet. Type what people say, for example: “people say "
        "the community centre is closing”."
    )


def too_long(_: Translator, length: int, limit: int) -> str:
    return _(
        "That is {length} characters; a rumour fits in {limit}. Please keep it shorter.",
        length=length,
        limit=limit,
    )


def preview(_: Translator, network: Network, text: str) -> str:
    return _(
        "This goes to the police chief and the municipality of {network}:\n\n{text}\n\nSend it?",
        network=network.name,
        text=quoted(text),
    )


def preview_buttons(_: Translator) -> Keyboard:
    return [[Button(_("📨 Send"), SEND)]]


def sent(_: Translator, network: Network) -> str:
    return _(
        "📨 Your rumour reached the police chief and the municipality of {network}. They "
        "look into it, and you hear what they think.\n"
        "🔒 Nobody else learns that you raised it.",
        network=network.name,
    )


def no_hosts(_: Translator, network: Network) -> str:
    return _(
        "{network} has no police chief or municipality in the bot right now, so nobody could "
        "look into it. Your rumour was not kept. Please tell a coordinator.",
        network=network.name,
    )


def verdict_for_raiser(_: Translator, network: Network, rumour: Rumour) -> str:
    """The member who raised it hears the verdict (no name of the host)."""
    return _(
        "🗣 The police chief and the municipality of {network} looked at the rumour you "
        "passed on:\n{text}\n\n"
        "Their verdict: <b>{verdict}</b>",
        network=network.name,
        text=quoted(rumour.text or "", LIST_TEXT),
        verdict=verdict_name(_, rumour.status),
    )


# --- the counter-message ---------------------------------------------------------------------


def ask_counter(_: Translator, rumour: Rumour, limit: int) -> str:
    return _(
        "📣 <b>Counter-message for rumour #{id}</b>\n"
        "Type a short message for every member of the network (at most {limit} characters). "
        "It does not repeat the rumour and never names who passed it on.",
        id=rumour.id,
        limit=limit,
    )


def counter_too_long(_: Translator, length: int, limit: int) -> str:
    return _(
        "That is {length} characters; a counter-message fits in {limit}. Please keep it shorter.",
        length=length,
        limit=limit,
    )


def counter_empty(_: Translator) -> str:
    return _("The counter-message is empty. Type what the members should know.")


def ask_label(_: Translator) -> str:
    return _("May the members pass it on outside the network, in their own words?")


def label_buttons(_: Translator) -> Keyboard:
    return [
        [
            Button(label_name(_, "shareable"), f"{LABEL}:shareable"),
            Button(label_name(_, "network"), f"{LABEL}:network"),
        ]
    ]


def counter_message(_: Translator, network: Network, text: str, label: str, by: str) -> Html:
    """The counter-message as every member of the network gets it."""
    if label == "shareable":
        tag = _("✅ <b>May be shared</b>")
        ask = _("Please pass this on in your own words to the people you reach.")
    else:
        tag = _("🔒 <b>Network only</b>")
        ask = _("Please keep this within the network.")
    return Html("\n").join(
        [
            _("📣 <b>Counter-message · {network}</b>", network=network.name),
            tag,
            "",
            Html("{text}").format(text=text),
            "",
            _("– {name}, {network}", name=by, network=network.name),
            "",
            ask,
        ]
    )


def counter_preview(_: Translator, shown: str, reach: int) -> str:
    return Html("{head}\n\n{shown}\n\n{reach}").format(
        head=_("<b>Preview</b> – this is how the members get it:"),
        shown=Html(shown),
        reach=_.ngettext(
            "It reaches one member of the network.",
            "It reaches {n} members of the network.",
            reach,
        ),
    )


def counter_preview_buttons(_: Translator) -> Keyboard:
    return [[Button(_("📣 Send to the network"), SEND_COUNTER)]]


def counter_sent(_: Translator, network: Network, reach: int) -> str:
    return _.ngettext(
        "📣 The counter-message is on its way to one member of {network}.",
        "📣 The counter-message is on its way to {n} members of {network}.",
        reach,
        network=network.name,
    )


def counter_already(_: Translator, name: str) -> str:
    return _("A counter-message for this rumour was already sent by {name}.", name=name)


# --- refusals and stale buttons -------------------------------------------------------------


def not_reader(_: Translator, network: Network | None) -> str:
    return _(
        "Only the police chief and the municipality of {network} see its rumours.",
        network=network.name if network else _("the network"),
    )


def not_reader_anywhere(_: Translator) -> str:
    return _(
        "/rumours is for the police chief and the municipality of a network: they see the "
        "rumours their members pass on. Heard one yourself? /rumour passes it on."
    )


def gone(_: Translator) -> str:
    return _("This rumour is no longer kept.")


def already(_: Translator, status: str, name: str, when: str) -> str:
    return _(
        "Already marked {verdict} by {name} ({when}).",
        verdict=verdict_name(_, status),
        name=name,
        when=when,
    )


def marked(_: Translator, status: str) -> str:
    return _("Marked {verdict}.", verdict=verdict_name(_, status))


def privacy_text(_: Translator) -> str:
    """For the full /privacy notice: who sees a rumour someone passed on."""
    return _(
        "A rumour you pass on with /rumour: only the police chief and the municipality of that "
        "network see it and that it came from you; a counter-message never names you."
    )


# --- the group chat --------------------------------------------------------------------------


def group_pointer(_: Translator) -> str:
    return _(
        "🗣 Heard a rumour? Please don't pass it on here: tell the police chief and the "
        "municipality privately with /rumour. They check it, and nobody else learns it came "
        "from you."
    )


def group_pointer_button(_: Translator, bot_username: str) -> Keyboard:
    return [[Button(_("🗣 Pass on a rumour"), url=f"https://t.me/{bot_username}?start=rumour")]]
