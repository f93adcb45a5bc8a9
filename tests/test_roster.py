"""The roster end to end: hosts see and remove members; members leave or are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from bot.i18n import translator
from domain.group_links import invite_to_groups
from domain.removal import Failure, Problem, failure_lines
from sandbox import Sandbox, SimChat, SimUser
from storage import invites, memberships, privacy
from storage.invites import Invite
from storage.networks import Network
from tests.test_networks import a_linked_group, a_member, a_network, in_english


class Noord:
    """A network with a police chief, a municipality contact and two key figures, its group
    chat holding all of them, and personal join links sent to the key figures."""

    def __init__(self, network: Network, group: SimChat, **people: SimUser) -> None:
        self.network, self.group = network, group
        self.petra, self.marco = people["petra"], people["marco"]
        self.ayse, self.bram = people["ayse"], people["bram"]


@pytest.fixture
async def noord(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    petra = sandbox.add_user("Petra", last_name="Jansen", language_code="en")
    marco = sandbox.add_user("Marco", language_code="en")
    ayse = sandbox.add_user("Ayşe", language_code="en")
    bram = sandbox.add_user("Bram", language_code="en")
    for user in (coordinator, petra, marco, ayse, bram):
        await in_english(user)
    network = await a_network(app, "Noord")
    await a_member(app, network, petra, "police_chief", "Petra Jansen")
    await a_member(app, network, marco, "municipality", "Marco")
    await a_member(app, network, ayse, "key_figure", "Ayşe")
    await a_member(app, network, bram, "key_figure", "Bram")
    group = await a_linked_group(app, sandbox, network, petra, [marco, ayse, bram])
    svc = services.of(app)
    assert await invite_to_groups(svc, network.id, [ayse.id, bram.id]) == 2
    await ayse.expect("Welcome to the network Noord")
    await bram.expect("Welcome to the network Noord")
    return Noord(network, group, petra=petra, marco=marco, ayse=ayse, bram=bram)


def link_of(sandbox: Sandbox, group: SimChat, user: SimUser) -> str:
    [link] = [link for link in group.invite_links if link.name == f"member {user.id}"]
    return link.url


async def test_a_host_sees_the_roster_and_may_remove_key_figures_only(
    app: BotApplication, noord: Noord
) -> None:
    db = services.of(app).database
    await memberships.mark_joined(db, noord.group.id, noord.ayse.id, datetime.now(UTC))
    await noord.petra.send("/members Noord")
    roster = await noord.petra.expect("Members of Noord")
    assert "Petra Jansen – police chief, approved" in roster.text
    assert "Marco – municipality contact, approved" in roster.text
    assert "Ayşe – key figure, approved" in roster.text
    assert "in the group since" in roster.text and "last active" in roster.text
    assert "not in the group yet" in roster.text  # Bram has his link but did not join
    assert roster.button_texts() == ["Remove Ayşe", "Remove Bram", "Show removed members too"]


async def test_a_key_figure_may_not_see_the_roster(app: BotApplication, noord: Noord) -> None:
    await noord.ayse.send("/members Noord")
    refusal = await noord.ayse.expect("Sorry, only")
    forged = await noord.ayse.press(
        refusal, data=f"roster:remove:{noord.network.id}:{noord.bram.id}"
    )
    assert (await forged.answered())["show_alert"] is True
    member = await memberships.get(services.of(app).database, noord.network.id, noord.bram.id)
    assert member is not None and member.status == "approved"


async def test_removing_a_member_asks_first_then_takes_them_out_everywhere(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser, noord: Noord
) -> None:
    petra, ayse, group = noord.petra, noord.ayse, noord.group
    link = link_of(sandbox, group, ayse)
    await petra.send("/members Noord")
    roster = await petra.expect("Members of Noord")
    await (await petra.press(roster, "Remove Ayşe")).answered()
    question = await petra.expect("Remove Ayşe (key figure) from Noord?")
    await (await petra.press(question, "No, keep")).answered()
    await sandbox.wait_for(lambda: question.text == "Nothing changed: Ayşe stays.")
    assert ayse.in_chat(group) == "member"

    await (await petra.press(roster, "Remove Ayşe")).answered()
    question = await petra.expect("Remove Ayşe (key figure) from Noord?")
    await (await petra.press(question, "Yes, remove")).answered()
    await sandbox.wait_for(lambda: "Done: Ayşe is no longer a member of Noord." == question.text)

    # Out of the group, but not banned: a new invite can bring her back.
    assert ayse.in_chat(group) == "left"
    assert [r.params.get("only_if_banned") for r in sandbox.requests_for("unbanChatMember")] == [
        True
    ]
    [sandbox_link] = [x for x in group.invite_links if x.url == link]
    assert sandbox_link.is_revoked
    db = services.of(app).database
    member = await memberships.get(db, noord.network.id, ayse.id)
    assert member is not None and member.status == "removed" and member.removed_by == petra.id
    assert await memberships.open_invite_links(db, noord.network.id, ayse.id) == []

    told = await ayse.expect("You are no longer a member of the network Noord")
    assert "Thank you" in told.text
    await noord.marco.expect("Petra Jansen removed Ayşe from the network Noord.")
    await coordinator.expect("Petra Jansen removed Ayşe from the network Noord.")
    assert noord.bram.in_chat(group) == "member"

    await petra.send("/members Noord")
    roster = await petra.expect("Members of Noord")
    assert "Ayşe" not in roster.text  # removed members are hidden unless asked
    await (await petra.press(roster, "Show removed members too")).answered()
    await sandbox.wait_for(lambda: "Ayşe – key figure, removed" in (roster.text or ""))

    again = await invites.create(db, noord.network.id, "key_figure", petra.id, datetime.now(UTC))
    assert isinstance(await invites.redeem(db, again.code, ayse.id, datetime.now(UTC)), Invite)


async def test_a_bot_without_the_ban_right_says_which_right_is_missing(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    await noord.group.set_bot_rights(by=noord.petra, rights={"can_invite_users": True})
    await noord.petra.send("/members Noord")
    roster = await noord.petra.expect("Members of Noord")
    await (await noord.petra.press(roster, "Remove Bram")).answered()
    question = await noord.petra.expect("Remove Bram")
    await (await noord.petra.press(question, "Yes, remove")).answered()
    await sandbox.wait_for(lambda: "Done: Bram" in (question.text or ""))
    assert "I need the admin right “Ban users” there" in (question.text or "")
    assert "Noord chat" in (question.text or "")
    assert noord.bram.in_chat(noord.group) == "member"  # the hosts know to do it by hand


async def test_a_member_leaves_and_the_hosts_are_told(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    bram = noord.bram
    await bram.send("/leave Noord")
    question = await bram.expect("Leave Noord?")
    await (await bram.press(question, "No, stay")).answered()
    await sandbox.wait_for(lambda: "You are still in Noord" in (question.text or ""))
    await bram.send("/leave")  # his only network
    question = await bram.expect("Leave Noord?")
    await (await bram.press(question, "Yes, leave")).answered()
    await sandbox.wait_for(lambda: "You have left Noord." in (question.text or ""))
    assert bram.in_chat(noord.group) == "left"
    await noord.petra.expect("Bram has left the network Noord.")
    await noord.marco.expect("Bram has left the network Noord.")
    member = await memberships.get(services.of(app).database, noord.network.id, bram.id)
    assert member is not None and member.status == "removed" and member.removed_by == bram.id


async def test_a_removed_member_pressing_an_old_button_hears_it_no_longer_works(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    ayse = noord.ayse
    await ayse.send("/leave Noord")
    old = await ayse.expect("Leave Noord?")
    await noord.petra.send("/members Noord")
    roster = await noord.petra.expect("Members of Noord")
    await (await noord.petra.press(roster, "Remove Ayşe")).answered()
    question = await noord.petra.expect("Remove Ayşe")
    await (await noord.petra.press(question, "Yes, remove")).answered()
    await ayse.expect("You are no longer a member")

    answer = await (await ayse.press(old, "Yes, leave")).answered()
    assert (answer["text"], answer["show_alert"]) == ("This button no longer works.", True)
    # A removed host's old roster buttons stop working the same way.
    await (await noord.petra.press(roster, "Remove Bram")).answered()
    await noord.petra.expect("Remove Bram")
    db = services.of(app).database
    await memberships.remove(db, noord.network.id, noord.petra.id, 1, datetime.now(UTC))
    stale = await (await noord.petra.press(roster, "Remove Bram")).answered()
    assert stale["text"] == "This button no longer works."


async def test_forget_takes_the_person_out_of_every_network_and_deletes_their_data(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    ayse = noord.ayse
    zuid = await a_network(app, "Zuid")
    await a_member(app, zuid, ayse, "key_figure", "Ayşe")
    await ayse.send("/forget")
    question = await ayse.expect("Delete everything we store about you?")
    assert "takes you out of your networks (Noord, Zuid)" in question.text
    await (await ayse.press(question, "Yes, delete my data")).answered()
    await sandbox.wait_for(lambda: "is deleted" in (question.text or ""))
    assert "You are no longer in Noord, Zuid." in (question.text or "")
    assert ayse.in_chat(noord.group) == "left"
    [link] = [x for x in noord.group.invite_links if x.name == f"member {ayse.id}"]
    assert link.is_revoked
    await noord.petra.expect("Ayşe has left the network Noord.")

    db = services.of(app).database
    assert not await privacy.has_data(db, ayse.id)
    await ayse.send("/mydata")
    await ayse.expect("We store nothing about you")


async def test_the_privacy_notice_describes_membership_data(
    app: BotApplication, sandbox: Sandbox
) -> None:
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send("/privacy")
    notice = await eve.expect("Privacy")
    for fact in ("organisation", "phone", "diet", "police chief", "/forget"):
        assert fact in notice.text
    await (await eve.press(notice, "More")).answered()
    await sandbox.wait_for(lambda: "Privacy in full" in notice.text)
    for fact in ("organisation", "phone number", "diet", "never store", "police chief", "/forget"):
        assert fact in notice.text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_what_is_left_to_do_by_hand_names_the_person(language: str) -> None:
    """Not "them" or "deze persoon": the host reads whom the bot could not take out."""
    _ = translator(language)
    failures = [Failure(-100, "Noord chat", problem) for problem in Problem]
    lines = failure_lines(_, failures, "Bram").split("\n")
    assert len(lines) == len(Problem)
    assert all("Bram" in line and "“Noord chat”" in line for line in lines)
