"""Who may do what: the permission table, for every action and every kind of person."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.access import (
    HOST_ROLES,
    Action,
    Actor,
    Role,
    allowed,
    close_matches,
    invite_action,
    load_actor,
    remove_action,
)
from storage import coordinators, invites, memberships, networks
from storage.database import Database

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NOORD, ZUID = 1, 2

PEOPLE = {
    "coordinator": Actor(1, is_coordinator=True),
    "police_chief": Actor(2, roles={NOORD: Role.police_chief}),
    "municipality": Actor(3, roles={NOORD: Role.municipality}),
    "key_figure": Actor(4, roles={NOORD: Role.key_figure}),
    "host elsewhere": Actor(5, roles={ZUID: Role.police_chief}),
    "stranger": Actor(6),
}

Y, N = True, False
# What each person may do in network NOORD (or at all, for actions across networks).
#              coordinator, police_chief, municipality, key_figure, host elsewhere, stranger
MATRIX: dict[Action, tuple[bool, bool, bool, bool, bool, bool]] = {
    Action.create_network: (Y, N, N, N, N, N),
    Action.appoint_coordinator: (Y, N, N, N, N, N),
    Action.list_networks: (Y, Y, Y, Y, Y, N),
    Action.link_group: (Y, Y, Y, N, N, N),
    Action.invite_key_figure: (Y, Y, Y, N, N, N),
    Action.invite_host: (Y, N, N, N, N, N),
    Action.list_invites: (Y, Y, Y, N, N, N),
    Action.revoke_invite: (Y, Y, Y, N, N, N),
    Action.decide_application: (Y, Y, Y, N, N, N),
    Action.view_roster: (Y, Y, Y, N, N, N),
    Action.view_directory: (Y, Y, Y, Y, N, N),
    Action.remove_member: (Y, Y, Y, N, N, N),
    Action.remove_host: (Y, N, N, N, N, N),
    Action.leave_network: (Y, Y, Y, Y, N, N),
    Action.send_alert: (Y, Y, Y, N, N, N),
    Action.plan_meeting: (Y, Y, Y, N, N, N),
    Action.take_part: (Y, Y, Y, Y, N, N),
    Action.record_action: (Y, Y, Y, N, N, N),
    Action.view_stats: (Y, Y, Y, N, N, N),
    Action.run_pulse: (Y, Y, Y, N, N, N),  # members answer only the pulse they were asked
    Action.find_talent: (Y, Y, Y, Y, N, N),  # searched: one's own networks only
    # The table's word; domain.rumours.may_read narrows the coordinator to a network that shares
    # members' replies, may_raise to their own memberships (tests/test_rumours.py).
    Action.raise_rumour: (Y, Y, Y, Y, N, N),
    Action.judge_rumour: (Y, Y, Y, N, N, N),
}


def test_the_matrix_covers_every_action() -> None:
    assert set(MATRIX) == set(Action)


@pytest.mark.parametrize(
    ("action", "who", "expected"),
    [
        (action, who, expected)
        for action, row in MATRIX.items()
        for who, expected in zip(PEOPLE, row, strict=True)
    ],
    ids=lambda value: str(value),
)
def test_who_may_do_what(action: Action, who: str, expected: bool) -> None:
    assert allowed(PEOPLE[who], action, NOORD) is expected


def test_a_coordinator_may_do_everything_in_every_network() -> None:
    coordinator = PEOPLE["coordinator"]
    assert all(allowed(coordinator, action, network) for action in Action for network in (1, 9))


def test_a_host_acts_only_in_their_own_network() -> None:
    chief = PEOPLE["police_chief"]
    assert allowed(chief, Action.decide_application, NOORD)
    assert not allowed(chief, Action.decide_application, ZUID)


def test_an_action_within_a_network_needs_the_network() -> None:
    with pytest.raises(ValueError, match="network_id"):
        allowed(PEOPLE["coordinator"], Action.view_roster)
    assert allowed(PEOPLE["coordinator"], Action.create_network)


def test_inviting_and_removing_hosts_is_for_coordinators() -> None:
    assert {invite_action(role) for role in HOST_ROLES} == {Action.invite_host}
    assert invite_action(Role.key_figure) is Action.invite_key_figure
    assert remove_action("municipality") is Action.remove_host
    assert remove_action(Role.key_figure) is Action.remove_member


async def test_the_actor_is_loaded_from_configuration_appointment_and_approved_roles(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "b.sqlite3")
    try:
        noord = await networks.create(db, "Noord", None, 1, NOW)
        for user, approve in ((4, True), (7, False)):
            invite = await invites.create(db, noord.id, "key_figure", 1, NOW)
            await invites.redeem(db, invite.code, user, NOW)
            await memberships.save_intake(
                db, noord.id, user, NOW, answers={"display_name": "x"}, consent=True
            )
            await memberships.submit(db, noord.id, user, NOW)
            if approve:
                await memberships.decide(db, noord.id, user, "approved", 1, NOW)
        await coordinators.appoint(db, 8, 1, NOW)

        assert await load_actor(db, 1, [1]) == Actor(1, is_coordinator=True)
        assert await load_actor(db, 8, [1]) == Actor(8, is_coordinator=True)
        key_figure = await load_actor(db, 4, [1])
        assert key_figure == Actor(4, roles={noord.id: Role.key_figure})
        assert key_figure.role_in(noord.id) is Role.key_figure
        assert not key_figure.is_host_of(noord.id)
        # Someone awaiting approval has no rights in the network yet.
        assert await load_actor(db, 7, [1]) == Actor(7)
    finally:
        await db.close()


def test_an_unknown_network_name_suggests_close_ones() -> None:
    names = ["Noord", "Zuid", "Oost", "Nieuw-West"]
    assert close_matches("noordd", names) == ["Noord"]
    assert close_matches("nieuw west", names) == ["Nieuw-West"]
    assert close_matches("Amstelveen", names) == []
