"""/contacts: the members of a network who chose to show their number to the other members.

Opt-in only (issue 10, need-to-know): a number is listed where the member said yes to "may the
other members see my number?" in the application or in /profile (`phone_to_members`); the call
list of the police chief and the municipality is a separate choice and never shown here. Only
approved members of the network see its list, and only approved members are on it.

Looking at the list is not recorded in the audit: it shows only what each member chose to show
to every member, and a record of who looked up whom would itself be data about people that
nobody needs.
"""

from __future__ import annotations

from bot.fit import cut_label
from bot.i18n import Html, Translator
from domain.context import Context
from storage import memberships
from storage.memberships import Membership
from storage.networks import Network

ORGANISATION_WIDTH = 60  # an organisation is cut to this in the list: 15 members fit a message


async def listed(ctx: Context, network_id: int) -> list[Membership]:
    """The approved members of the network who show their number to members, by name."""
    roster = await memberships.roster(ctx.database, network_id)
    found = [m for m in roster if m.status == "approved" and m.phone_to_members and m.phone]
    return sorted(found, key=lambda m: ((m.display_name or "").casefold(), m.user_id))


def entry(_: Translator, member: Membership) -> Html:
    """One member: name, organisation (cut short), and the number Telegram makes tappable."""
    name = member.display_name or "–"
    if member.organisation:
        head = _(
            "<b>{name}</b> · {organisation}",
            name=name,
            organisation=cut_label(member.organisation, ORGANISATION_WIDTH),
        )
    else:
        head = _("<b>{name}</b>", name=name)
    return _("{head}\n📞 {phone}", head=head, phone=member.phone or "")


def contacts_text(
    _: Translator, network: Network, listed: list[Membership], viewer: Membership | None
) -> Html:
    """The list for one network, with a word on the viewer's own choice."""
    lines: list[str]
    if not listed:
        lines = [
            _(
                "📇 Nobody in {network} shows their number to the other members yet.",
                network=network.name,
            )
        ]
    else:
        lines = [
            _("📇 <b>Contacts in {network}</b>", network=network.name),
            _("These members chose to show their number to the other members:"),
            "",
        ]
        lines += [entry(_, m) for m in listed]
    lines.append("")
    if viewer is not None and viewer.phone_to_members and viewer.phone:
        lines.append(_("Your own number is in this list. /profile changes that."))
    else:
        lines.append(_("Your own number is not in this list. /profile changes that."))
    lines.append(_("Please use these numbers only for the network."))
    return Html("\n").join(lines)


def strangers_text(_: Translator) -> str:
    return _(
        "/contacts is for members of a network: it lists the members who chose to show "
        "their number to the other members."
    )


def not_member_text(_: Translator, network: Network) -> str:
    """For someone who is not (or no longer) an approved member of the network."""
    return _(
        "Only members of {network} see its contacts, and you are not a member there (any "
        "more). /contacts shows the networks you are in.",
        network=network.name,
    )


def which_text(_: Translator) -> str:
    return _("Whose contacts? Choose a network.")
