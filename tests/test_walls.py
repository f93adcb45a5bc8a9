"""The layers' walls, as a belt to `lint-imports`' braces: the domain and storage never name
python-telegram-bot, so a second channel can reuse them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM = re.compile(r"^\s*(from|import)\s+telegram\b", re.MULTILINE)


@pytest.mark.parametrize("layer", ["domain", "storage"])
def test_the_layer_never_imports_telegram(layer: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / layer).rglob("*.py"))
        if TELEGRAM.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
