"""A strict fake Telegram Bot API server with a simulated world, for tests and ``make demo``.

Public API: ``Sandbox`` (server + world + driver), ``SimUser``, ``SimChat``,
``SimMessage`` and their helpers; see ``sandbox.sandbox`` for how to use it.
"""

from sandbox.actions import SandboxUsageError
from sandbox.faults import Faults
from sandbox.flood import FloodConfig
from sandbox.sandbox import Sandbox
from sandbox.server import RequestRecord
from sandbox.world import (
    InviteLink,
    JoinRequest,
    Membership,
    SimButton,
    SimCallback,
    SimChat,
    SimMessage,
    SimPoll,
    SimUser,
)

__all__ = [
    "Faults",
    "FloodConfig",
    "InviteLink",
    "JoinRequest",
    "Membership",
    "RequestRecord",
    "Sandbox",
    "SandboxUsageError",
    "SimButton",
    "SimCallback",
    "SimChat",
    "SimMessage",
    "SimPoll",
    "SimUser",
]
