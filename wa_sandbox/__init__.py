"""A local WhatsApp Cloud API (Graph API) as strict as Meta's, for tests, the demo and the bench.

It validates every request against Meta's published OpenAPI description (shipped here as
``business-messaging-api_v23.0.json.gz``, MIT, see ``LICENSE-facebook-openapi``; corrections in
``wa_sandbox.schema``), enforces the 24-hour window, template status, parameter counts, pair rate
and throughput with the real error codes, and sends signed webhooks. Imports nothing of the
bot's. See ``wa_sandbox.sandbox`` for how to use it.
"""

from wa_sandbox.errors import GraphError
from wa_sandbox.sandbox import Event, WaRequest, WaSandbox, monotonic
from wa_sandbox.webhooks import SIGNATURE_HEADER, sign
from wa_sandbox.world import Template, TemplateUse, WaMessage, WaUser

__all__ = [
    "SIGNATURE_HEADER",
    "Event",
    "GraphError",
    "Template",
    "TemplateUse",
    "WaMessage",
    "WaRequest",
    "WaSandbox",
    "WaUser",
    "monotonic",
    "sign",
]
