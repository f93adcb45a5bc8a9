"""Single import point for the request-validation pieces (spec + HTML parser)."""

from __future__ import annotations

from sandbox.html import check_text_length, parse_html, utf16_len
from sandbox.spec import ApiError, ApiSpec

__all__ = ["ApiError", "ApiSpec", "check_text_length", "parse_html", "utf16_len"]
