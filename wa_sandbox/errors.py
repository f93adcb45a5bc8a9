"""The Graph API's errors, in Meta's JSON shape, with the Cloud API's codes.

An error answer looks like Meta's::

    {"error": {"message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
               "type": "OAuthException", "code": 131056,
               "error_data": {"messaging_product": "whatsapp", "details": "..."},
               "fbtrace_id": "..."}}

The same codes reach the bot as ``errors`` of a ``failed`` status webhook when Meta finds the
fault after accepting the message (the 24-hour window, an unreachable member).
"""

from __future__ import annotations

import secrets
from typing import Any

# code -> (title, details); titles are Meta's (developers.facebook.com, Cloud API error codes).
CODES: dict[int, tuple[str, str]] = {
    1: ("API Unknown", "Invalid request or possible server error."),
    2: ("API Service", "Temporary due to downtime or due to being overloaded."),
    100: ("Invalid parameter", "The request included invalid or unsupported parameters."),
    190: ("Access token has expired", "Error validating access token."),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    131026: (
        "Message undeliverable",
        "Unable to deliver message: the recipient is not a WhatsApp user, or has not accepted "
        "the latest terms, or blocked the business.",
    ),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.",
    ),
    131048: (
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent "
        "from this phone number.",
    ),
    131051: ("Unsupported message type", "Message type is not currently supported."),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone number "
        "in a short period of time.",
    ),
    132000: (
        "Number of parameters does not match the expected number of params",
        "The number of variable parameter values included in the request did not match the "
        "number of variable parameters defined in the template.",
    ),
    132001: (
        "Template does not exist",
        "The template does not exist in the specified language or the template has not been "
        "approved.",
    ),
    132015: ("Template is Paused", "Template is paused due to low quality so it cannot be sent."),
    132016: (
        "Template is Disabled",
        "Template has been paused too many times due to low quality and is now permanently "
        "disabled.",
    ),
}

# HTTP status Meta answers with: throttling 429 would be natural, but the Graph API answers 400
# for request faults including rate limits; server trouble is 500 and auth 401.
_HTTP = {1: 500, 2: 503, 131000: 500, 190: 401}
TRANSIENT = frozenset({1, 2, 130429, 131000, 131056})


class GraphError(Exception):
    """One error answer of the Graph API (or one ``errors`` entry of a failed status)."""

    def __init__(self, code: int, details: str | None = None, *, http_status: int | None = None):
        title, default = CODES.get(code, ("Error", ""))
        super().__init__(f"(#{code}) {title}")
        self.code = code
        self.title = title
        self.details = details or default
        self.http_status = http_status or _HTTP.get(code, 400)

    def response(self) -> dict[str, Any]:
        """The answer's body, as Meta words it."""
        error: dict[str, Any] = {
            "message": f"(#{self.code}) {self.title}",
            "type": "OAuthException",
            "code": self.code,
            "error_data": {"messaging_product": "whatsapp", "details": self.details},
            "fbtrace_id": secrets.token_urlsafe(12),
        }
        if self.code in TRANSIENT:
            error["is_transient"] = True
        return {"error": error}

    def status_entry(self) -> dict[str, Any]:
        """The ``errors[]`` entry of a failed status webhook."""
        return {
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": {"details": self.details},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }
