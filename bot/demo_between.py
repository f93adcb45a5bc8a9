"""The "between incidents" scene of `bondgenoten demo`: a signal with the 112 gate, a rumour
answered with a counter-message, a mood pulse, and a /whocan that finds someone.

Each step is its own function (one per feature, written with that feature); the scene plays
them in order. It runs after the meal meeting, so Noord has its police chief (Karin), its key
figures (Ahmed, Wim) and its linked group chat; Carla coordinates.
"""

from __future__ import annotations

from bot.demo_cast import Cast

# --- a signal with the 112 gate (feature: signals) ---


# --- a rumour answered with a counter-message (feature: rumours) ---


# --- the mood pulse (feature: pulse) ---


# --- /whocan finds someone (feature: talents) ---


async def between_incidents(cast: Cast) -> None:
    """Life between incidents. A member reports something that is not an emergency; a rumour
    going round is checked by the hosts and answered with a message members may pass on; the
    hosts ask what lives in the neighbourhood; and a member finds who can help."""
    # STEPS (each feature adds its call here, in this order: signals, rumours, pulse, talents)
