"""What a signal says: the questions of /signal, the card the hosts get, the notices the
reporter gets, and the buttons under them. Every text a gettext msgid; values are escaped by the
translator (`Html` for what is HTML already)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.fit import cut_label
from bot.i18n import Html, Translator, escape
from domain.labels import moment_text
from domain.ports import Button, Keyboard
from storage.signals import Signal

PREFIX = "sig"


def urgency_name(_: Translator, urgency: str) -> str:
    return {
        "urgent": _("🔴 urgent"),
        "today": _("🟠 today, please"),
        "low": _("🟢 can wait"),
    }.get(urgency, urgency)


def happened_name(_: Translator, happened: str, typed: str | None) -> str:
    if happened == "typed" and typed:
        return typed
    return {
        "now": _("just now"),
        "today": _("earlier today"),
        "earlier": _("earlier"),
    }.get(happened, happened)


def excerpt(text: str, width: int = 40) -> str:
    """The start of what happened, on one line: which signal a notice is about."""
    return cut_label(text, width)


def call_112(_: Translator) -> str:
    """Danger now: 112 first. Telegram cannot make 112 a link (no tel: in its HTML, URL buttons
    take only http(s) and tg, clients link only numbers in international form), so it stands
    out on its own, in code type: one tap copies it."""
    return _(
        "🚨 <b>Call 112 now.</b>\n\n📞 <code>112</code> (tap to copy)\n\n"
        "The police and the ambulance come fastest that way. Once you are safe, tell the police "
        "chief and the municipality below what happened: your signal is kept and marked urgent."
    )


def ask_danger(_: Translator, network: str) -> str:
    return _(
        "📣 <b>A signal for {network}</b>\n\n"
        "A short report about something serious: what happened, where, when. It goes to the "
        "police chief and the municipality contact only, never to the group chat.\n\n"
        "<b>Is there danger right now?</b>",
        network=network,
    )


def ask_what(_: Translator) -> str:
    return _(
        "<b>What happened?</b>\nTell what you saw people do, and the details beyond how someone "
        "looks: a vehicle or number plate, which way they went, what was said, what was taken "
        "or broken.\n\n📷 Please no photos of people: words are enough."
    )


def ask_where(_: Translator) -> str:
    return _(
        "<b>Where?</b> Type the street or the place, or send your location with the button below."
    )


def ask_when(_: Translator) -> str:
    return _(
        "<b>When did it happen?</b> Choose, or type it (for example “yesterday around 22:00”)."
    )


def ask_urgency(_: Translator) -> str:
    return _("<b>How urgent is it?</b>")


def ask_name(_: Translator, network: str) -> str:
    return _(
        "<b>With your name?</b> Without it, they see “a member of {network}”. Either way "
        "you hear back from them here, through me.",
        network=network,
    )


def looks_only(_: Translator) -> str:
    return _(
        "Thank you. You describe someone by how they look, not yet by what they did. Looks "
        "alone (skin colour, origin, the clothes of a faith) say nothing about what someone "
        "does, and can point at an innocent neighbour.\n\n<b>What did you see them do?</b> "
        "Send it again with that. Nothing to add? Then send it once more as it is."
    )


def no_photos(_: Translator) -> str:
    return _(
        "📷 I don't keep photos, and this one went nowhere. A photo of a person spreads fast, "
        "can point at someone innocent, and is their privacy too. Please tell it in words: "
        "what happened, what did you see someone do?"
    )


def _where(_: Translator, place: str | None, lat: float | None, lon: float | None) -> Html:
    if place:
        return escape(place)
    if lat is not None and lon is not None:
        link = Html(
            '📍 <a href="https://www.openstreetmap.org/?mlat={lat}&amp;mlon={lon}#map=18/{lat}/{lon}">'
            "{label}</a>"
        )
        return link.format(lat=f"{lat:.5f}", lon=f"{lon:.5f}", label=_("on the map"))
    return _("not given")


def body(
    _: Translator,
    *,
    what: str,
    place: str | None,
    lat: float | None,
    lon: float | None,
    happened: str,
    happened_text: str | None,
    urgency: str,
    reporter: str,
    danger_now: bool,
) -> str:
    """What the member reported, as the hosts and the preview show it."""
    lines = []
    if danger_now:
        lines.append(_("🚨 Danger at the time: the member was told to call 112 first."))
    lines += [
        _("<b>What:</b> {what}", what=what),
        _("<b>Where:</b> {where}", where=_where(_, place, lat, lon)),
        _("<b>When:</b> {when}", when=happened_name(_, happened, happened_text)),
        _("<b>Urgency:</b> {urgency}", urgency=urgency_name(_, urgency)),
        _("<b>From:</b> {reporter}", reporter=reporter),
    ]
    return Html("\n").join(lines)


def preview(_: Translator, network: str, text: str) -> str:
    head = _("<b>Your signal for {network}</b>", network=network)
    return Html("\n\n").join([head, Html(text), _("Send it?")])


def card(
    _: Translator,
    signal: Signal,
    network: str,
    reporter: str,
    taker: str,
    closer: str,
    tz: ZoneInfo,
) -> str:
    """A host's copy: the signal, and where it stands now."""
    head = _("📣 <b>Signal #{id}</b> · {network}", id=signal.id, network=network)
    what = body(
        _,
        what=signal.what,
        place=signal.place,
        lat=signal.latitude,
        lon=signal.longitude,
        happened=signal.happened,
        happened_text=signal.happened_text,
        urgency=signal.urgency,
        reporter=reporter,
        danger_now=signal.danger_now,
    )
    sent = _("Sent {moment}", moment=moment_text(_, signal.created_at, tz))
    if signal.status == "received":
        status = _("🆕 Nobody has picked it up yet.")
    elif signal.status == "looking":
        status = _("👀 Being looked at by {name}", name=taker)
    else:
        status = _("✅ Closed by {name}", name=closer)
        if signal.closing_word:
            status += "\n" + _("Closing word: {word}", word=signal.closing_word)
    lines = [head, "", what, "", sent, status]
    if signal.answers:
        lines.append(
            _.ngettext(
                "💬 {n} answer sent to the member",
                "💬 {n} answers sent to the member",
                signal.answers,
            )
        )
    return Html("\n").join(lines)


def card_buttons(_: Translator, signal: Signal) -> Keyboard:
    if not signal.is_open:
        return ()
    row = []
    if signal.status == "received":
        row.append(Button(_("👀 I'll take this"), f"{PREFIX}:take:{signal.id}"))
    row.append(Button(_("💬 Answer"), f"{PREFIX}:ans:{signal.id}"))
    row.append(Button(_("✅ Close"), f"{PREFIX}:close:{signal.id}"))
    return [row]


def list_line(_: Translator, signal: Signal, network: str, tz: ZoneInfo) -> str:
    """One open signal in /signals."""
    status = _("new") if signal.status == "received" else _("being looked at")
    return _(
        "<b>#{id}</b> · {network} · {urgency} · {status}\n{moment}: {what}",
        id=signal.id,
        network=network,
        urgency=urgency_name(_, signal.urgency),
        status=status,
        moment=moment_text(_, signal.created_at, tz),
        what=excerpt(signal.what, 120),
    )


# --- what the reporter hears ---------------------------------------------------------------------


def told_taken(_: Translator, signal: Signal, host: str) -> str:
    return _(
        "👀 Your signal “{what}” is being looked at by {host}.",
        what=excerpt(signal.what),
        host=host,
    )


def told_answer(_: Translator, signal: Signal, host: str, text: str) -> str:
    return _(
        "💬 <b>{host} answers your signal</b> “{what}”:\n\n{text}",
        host=host,
        what=excerpt(signal.what),
        text=text,
    )


def answer_buttons(_: Translator, signal: Signal) -> Keyboard:
    """Under a host's answer: the member replies (while the signal is open)."""
    return [[Button(_("💬 Reply"), f"{PREFIX}:re:{signal.id}")]]


def reply_to_hosts(_: Translator, signal: Signal, reporter: str, text: str) -> str:
    """The member's reply to an answer, as each host gets it."""
    return _(
        "💬 <b>{reporter} replies about signal #{id}</b> “{what}”:\n\n{text}",
        reporter=reporter,
        id=signal.id,
        what=excerpt(signal.what),
        text=text,
    )


def reply_buttons(_: Translator, signal: Signal) -> Keyboard:
    return [[Button(_("💬 Answer"), f"{PREFIX}:ans:{signal.id}")]]


def told_closed(_: Translator, signal: Signal, host: str) -> str:
    text = _("✅ Your signal “{what}” was closed by {host}.", what=excerpt(signal.what), host=host)
    if signal.closing_word:
        text += "\n\n" + _("Their closing word: {word}", word=signal.closing_word)
    return text + "\n\n" + _("Thank you for telling us.")
