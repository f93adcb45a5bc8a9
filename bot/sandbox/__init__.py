"""A strict fake Telegram Bot API server with a simulated world, for tests and ``make demo``.

Public API: ``Sandbox`` (server + world + driver), ``SimUser``, ``SimChat``,
``SimMessage`` and their helpers; see ``bot.sandbox.sandbox`` for how to use it.
"""

from bot.sandbox.actions import SandboxUsageError
from bot.sandbox.faults import Faults
from bot.sandbox.flood import FloodConfig
from bot.sandbox.sandbox import Sandbox
from bot.sandbox.server import RequestRecord
from bot.sandbox.world import (
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
