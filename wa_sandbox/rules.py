"""What the live Cloud API refuses that Meta's description does not say.

Checked after the schema, on a valid body. Wordings follow Meta's where it has one
("Param text['body'] must be at most 4096 characters long."); the codes are Meta's
(100 for a parameter out of bounds, 131009 for a value that is not allowed).
"""

from __future__ import annotations

from typing import Any

from wa_sandbox.errors import GraphError

TEXT_MAX = 4096


def check(body: dict[str, Any]) -> None:
    """Raise the ``GraphError`` Meta answers for ``body``; nothing if it would pass."""
    kind = body.get("type", "text")
    if kind == "text":
        text = body["text"].get("body", "")
        if not text.strip():
            raise GraphError(100, "Param text['body'] is required and must not be empty.")
        if len(text) > TEXT_MAX:
            raise GraphError(100, f"Param text['body'] must be at most {TEXT_MAX} characters long.")
    elif kind == "interactive":
        _interactive(body["interactive"])
    elif kind == "location":
        location = body["location"]
        for axis, bound in (("latitude", 90.0), ("longitude", 180.0)):
            try:
                value = float(location[axis])
            except (KeyError, TypeError, ValueError):
                raise GraphError(100, f"Param location['{axis}'] is required.") from None
            if not -bound <= value <= bound:
                raise GraphError(100, f"Param location['{axis}'] is out of range.")


def _interactive(interactive: dict[str, Any]) -> None:
    kind = interactive["type"]
    if kind in ("button", "list") and not interactive.get("body", {}).get("text", "").strip():
        raise GraphError(100, "Param interactive['body']['text'] is required.")
    action = interactive["action"]
    if kind == "button":
        replies = [b["reply"] for b in action.get("buttons", ())]
        if not replies:
            raise GraphError(100, "Param interactive['action']['buttons'] is required.")
        _unique([r["title"] for r in replies], "Button title")
        _unique([r["id"] for r in replies], "Button id")
        for reply in replies:
            if not reply["title"].strip() or not reply["id"].strip():
                raise GraphError(100, "Button title and id must not be empty.")
    elif kind == "list":
        sections = action.get("sections", ())
        rows = [row for section in sections for row in section.get("rows", ())]
        if not rows or len(rows) > 10:
            raise GraphError(131009, "Total row count exceed max allowed count: 10")
        if len(sections) > 1 and not all(s.get("title") for s in sections):
            raise GraphError(131009, "Section title is required when there are several sections.")
        _unique([r["id"] for r in rows], "Row id")
        if not str(action.get("button", "")).strip():
            raise GraphError(100, "Param interactive['action']['button'] is required.")


def _unique(values: list[str], what: str) -> None:
    if len(set(values)) != len(values):
        raise GraphError(131009, f"{what} must be unique.")
