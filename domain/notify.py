"""Who is told about a network's business, and in which language each person reads it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import Translator, pick_language, translator
from domain.context import Context
from storage import coordinators, memberships, people


async def language_of(ctx: Context, user_id: int) -> Translator:
    person = await people.get(ctx.database, user_id)
    chosen = person.language if person else None
    return translator(pick_language(chosen, None, ctx.settings.bot.default_language))


async def languages_of(ctx: Context, user_ids: Iterable[int]) -> dict[int, Translator]:
    """`language_of` for many people in one query (a broadcast to a thousand members)."""
    default = ctx.settings.bot.default_language
    chosen = await people.languages(ctx.database, user_ids)
    return {user: translator(pick_language(code, None, default)) for user, code in chosen.items()}


async def hosts_and_coordinators(ctx: Context, network_id: int) -> list[int]:
    """Who is told about a network's applications and incidents: its hosts, the coordinators."""
    hosts = [m.user_id for m in await memberships.hosts_of(ctx.database, network_id)]
    appointed = [c.user_id for c in await coordinators.all(ctx.database)]
    return list(dict.fromkeys([*hosts, *ctx.settings.access.coordinators, *appointed]))
