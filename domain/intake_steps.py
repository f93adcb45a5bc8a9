"""The intake conversation as rules, without Telegram: the order of questions and valid answers.

The step a person has reached is stored in `memberships.intake_step` as `Position.encode()`, so
the conversation survives a restart. Correcting an answer from the review goes back to that one
question (and the one it implies, such as sharing a new phone number) and then to the review.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    NAME = "name"
    ORGANISATION = "organisation"
    REACH = "reach"
    PHONE = "phone"
    SHARE_PHONE = "share_phone"  # may the police chief and the municipality call me (call list)
    MEMBERS_PHONE = "members_phone"  # may the other members see my number (/contacts)
    DIET = "diet"
    DIET_OTHER = "diet_other"  # "other" was chosen: described in their own words
    LANGUAGE = "language"
    CONSENT = "consent"
    REVIEW = "review"


# The questions in the order they are asked. SHARE_PHONE, MEMBERS_PHONE and DIET_OTHER are only
# asked when the answer before makes them relevant.
ORDER: tuple[Step, ...] = (
    Step.NAME,
    Step.ORGANISATION,
    Step.REACH,
    Step.PHONE,
    Step.SHARE_PHONE,
    Step.MEMBERS_PHONE,
    Step.DIET,
    Step.LANGUAGE,
    Step.CONSENT,
    Step.REVIEW,
)

# The answers a person can correct from the review, in the order shown there.
CORRECTABLE: tuple[Step, ...] = (
    Step.NAME,
    Step.ORGANISATION,
    Step.REACH,
    Step.PHONE,
    Step.DIET,
    Step.LANGUAGE,
)

# Questions answered by typing, and the longest answer each accepts.
TEXT_LIMITS: dict[Step, int] = {
    Step.NAME: 64,
    Step.ORGANISATION: 300,
    Step.REACH: 300,
    Step.DIET_OTHER: 300,
}

# Dietary needs offered as buttons; anything else is "other", described as free text.
DIETS: tuple[str, ...] = ("none", "halal", "vegetarian", "vegan", "kosher")
OTHER_DIET = "other"

_CORRECTING = "fix:"


@dataclass(frozen=True)
class Position:
    """Where a person is in the intake; `correcting` means: back to the review afterwards."""

    step: Step
    correcting: bool = False

    def encode(self) -> str:
        return f"{_CORRECTING}{self.step}" if self.correcting else str(self.step)


FIRST = Position(Step.NAME)


def decode(stored: str | None) -> Position:
    """The position stored in the database; nothing (or anything unknown) is the first question."""
    if not stored:
        return FIRST
    correcting = stored.startswith(_CORRECTING)
    try:
        step = Step(stored.removeprefix(_CORRECTING))
    except ValueError:
        return FIRST
    return Position(step, correcting and step is not Step.REVIEW)


def correct(step: Step) -> Position:
    """Going back from the review to one answer."""
    if step not in CORRECTABLE:
        raise ValueError(f"{step} cannot be corrected from the review")
    return Position(step, correcting=True)


def after(position: Position, *, has_phone: bool = False, other_diet: bool = False) -> Position:
    """The question that follows once `position` is answered.

    `has_phone`: a phone number is known now (then we ask the two phone questions: the call
    list of the police chief and the municipality, then the other members);
    `other_diet`: "other" was chosen for the meals (then we ask what it is).
    """
    step = position.step
    if step is Step.PHONE and has_phone:
        return Position(Step.SHARE_PHONE, position.correcting)
    if step is Step.SHARE_PHONE:
        return Position(Step.MEMBERS_PHONE, position.correcting)
    if step is Step.DIET and other_diet:
        return Position(Step.DIET_OTHER, position.correcting)
    if position.correcting or step is Step.REVIEW:
        return Position(Step.REVIEW)
    if step is Step.DIET_OTHER:
        step = Step.DIET
    following = ORDER[ORDER.index(step) + 1]
    if following is Step.SHARE_PHONE:  # only reached with has_phone, handled above
        following = Step.DIET
    return Position(following)


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def clean(step: Step, text: str) -> str | Problem:
    """A typed answer as stored (spaces tidied), or what is wrong with it."""
    limit = TEXT_LIMITS[step]
    if step is Step.NAME:
        answer = " ".join(text.split())  # a name is one line
    else:
        answer = "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    if not answer:
        return Problem.EMPTY
    if len(answer) > limit:
        return Problem.TOO_LONG
    return answer


def name_offer(first_name: str, last_name: str | None) -> str | None:
    """The Telegram name to offer as a one-tap answer, if it is a valid display name."""
    offered = clean(Step.NAME, f"{first_name} {last_name or ''}")
    return None if isinstance(offered, Problem) else offered
