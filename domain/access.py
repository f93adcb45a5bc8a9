"""Who may do what: the one place for the permission rules of networks and membership.

Pure functions, no Telegram: a handler loads the `Actor` for the person behind an update and
asks `allowed(actor, action, network_id)` before doing anything. Coordinators may do everything
in every network; everyone else acts through the role of an approved membership in that
network, as the table `RULES` says.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from storage import coordinators, memberships, networks
from storage.database import Database


class Role(StrEnum):
    police_chief = "police_chief"
    municipality = "municipality"
    key_figure = "key_figure"


# The professionals who host a network together; there is no single chair.
HOST_ROLES: frozenset[Role] = frozenset({Role.police_chief, Role.municipality})
EVERY_ROLE: frozenset[Role] = frozenset(Role)
NOBODY: frozenset[Role] = frozenset()


class Action(StrEnum):
    # Across networks.
    create_network = "create_network"
    appoint_coordinator = "appoint_coordinator"
    list_networks = "list_networks"
    # Within one network.
    link_group = "link_group"
    invite_key_figure = "invite_key_figure"
    invite_host = "invite_host"
    list_invites = "list_invites"
    revoke_invite = "revoke_invite"
    decide_application = "decide_application"
    view_roster = "view_roster"
    view_directory = "view_directory"
    remove_member = "remove_member"
    remove_host = "remove_host"
    leave_network = "leave_network"
    send_alert = "send_alert"
    plan_meeting = "plan_meeting"  # plan, move, cancel a meal meeting; confirm who came
    take_part = "take_part"  # answer a meeting, propose a topic, see meetings and actions
    record_action = "record_action"  # record agreed actions; mark anyone's progress
    view_stats = "view_stats"  # attendance and actions done on time
    run_pulse = "run_pulse"  # /pulse: ask the mood pulse, switch its schedules, see the tallies
    raise_rumour = "raise_rumour"  # /rumour: pass on a rumour to the hosts
    judge_rumour = "judge_rumour"  # see rumours, give a verdict, send a counter-message
    find_talent = "find_talent"  # /whocan: search the members' talents and reach


# Actions that are not about one network: a role in any network counts.
GLOBAL_ACTIONS: frozenset[Action] = frozenset(
    {Action.create_network, Action.appoint_coordinator, Action.list_networks}
)

# Which roles of an approved member may do what. Coordinators are not in the table: they may
# do everything, everywhere. Setting up networks and vetting hosts is the coordinator's job;
# hosts run their own network and let key figures in; every member may see the others and go.
RULES: Mapping[Action, frozenset[Role]] = {
    Action.create_network: NOBODY,
    Action.appoint_coordinator: NOBODY,
    Action.list_networks: EVERY_ROLE,  # each sees their own networks
    Action.link_group: HOST_ROLES,
    Action.invite_key_figure: HOST_ROLES,
    Action.invite_host: NOBODY,
    Action.list_invites: HOST_ROLES,
    Action.revoke_invite: HOST_ROLES,
    Action.decide_application: HOST_ROLES,
    Action.view_roster: HOST_ROLES,
    Action.view_directory: EVERY_ROLE,  # the phone numbers members chose to share
    Action.remove_member: HOST_ROLES,
    Action.remove_host: NOBODY,
    Action.leave_network: EVERY_ROLE,
    Action.send_alert: HOST_ROLES,
    Action.plan_meeting: HOST_ROLES,
    Action.take_part: EVERY_ROLE,
    Action.record_action: HOST_ROLES,
    Action.view_stats: HOST_ROLES,
    Action.run_pulse: HOST_ROLES,  # members answer only the pulse they were asked (domain.pulse)
    # Only members raise rumours; a coordinator reads them only where the network shares its
    # members' replies with the coordinators (need-to-know: domain.rumours.may_read).
    Action.raise_rumour: EVERY_ROLE,
    Action.judge_rumour: HOST_ROLES,
    Action.find_talent: EVERY_ROLE,  # within one's own networks only (domain.talents)
}


@dataclass(frozen=True)
class Actor:
    """A person as far as permissions go."""

    user_id: int
    is_coordinator: bool = False
    # network_id → role, for approved memberships only: applicants and removed members have
    # no rights in the network.
    roles: Mapping[int, Role] = field(default_factory=dict)

    def role_in(self, network_id: int) -> Role | None:
        return self.roles.get(network_id)

    def is_host_of(self, network_id: int) -> bool:
        return self.roles.get(network_id) in HOST_ROLES


async def load_actor(db: Database, user_id: int, config_coordinators: Collection[int]) -> Actor:
    """The actor for `user_id`: coordinator by configuration or appointment, and their roles."""
    is_coordinator = user_id in config_coordinators or await coordinators.is_appointed(db, user_id)
    roles = {
        network_id: Role(role)
        for network_id, role in (await memberships.approved_roles(db, user_id)).items()
    }
    return Actor(user_id, is_coordinator, roles)


def allowed(actor: Actor, action: Action, network_id: int | None = None) -> bool:
    """Whether `actor` may do `action` (in `network_id`, for actions within one network).

    Raises ValueError for an action within a network asked without one: that is a mistake in
    the caller, not a refusal.
    """
    if action not in GLOBAL_ACTIONS and network_id is None:
        raise ValueError(f"{action} is about one network: pass network_id")
    if actor.is_coordinator:
        return True
    permitted = RULES[action]
    if action in GLOBAL_ACTIONS:
        return any(role in permitted for role in actor.roles.values())
    assert network_id is not None
    role = actor.roles.get(network_id)
    return role is not None and role in permitted


async def networks_where(db: Database, actor: Actor, action: Action) -> list[networks.Network]:
    """The networks in which `actor` may do `action` (every network, for a coordinator)."""
    return [n for n in await networks.all(db) if allowed(actor, action, n.id)]


def invite_action(role: Role) -> Action:
    """The action needed to invite someone in `role`."""
    return Action.invite_host if role in HOST_ROLES else Action.invite_key_figure


def remove_action(role: Role | str) -> Action:
    """The action needed to remove a member who holds `role`."""
    return Action.remove_host if role in HOST_ROLES else Action.remove_member


def close_matches(name: str, names: Collection[str], limit: int = 3) -> list[str]:
    """Names that look like `name`, best first, for "unknown network – did you mean …?"."""
    by_folded: dict[str, str] = {}
    for candidate in names:
        by_folded.setdefault(candidate.casefold(), candidate)
    found = difflib.get_close_matches(name.casefold(), list(by_folded), n=limit, cutoff=0.6)
    return [by_folded[folded] for folded in found]
