"""Meta's description of the Cloud API, corrected where it contradicts the live API.

The description (``business-messaging-api_v23.0.json.gz``, converted from Meta's OpenAPI YAML by
``tools/wa_openapi.py``) ships with the package. Checked strictly (JSON Schema draft 2020-12) it
rejects every real message and lacks a few things the live API takes; each correction below is
named after the defect it mends (see the shared ``whatsapp-cloud-api/README.md``) and is applied
to the loaded document, never to the file, so that the file stays Meta's.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DESCRIPTION_PATH = Path(__file__).with_name("business-messaging-api_v23.0.json.gz")
_URI = "urn:meta:business-messaging-api:v23.0"
_MESSAGE_TYPES = (
    "TextMessage",
    "AudioMessage",
    "DocumentMessage",
    "ImageMessage",
    "LocationMessage",
    "VideoMessage",
    "StickerMessage",
    "ReactionMessage",
    "InteractiveMessage",
    "TemplateMessage",
    "ContactsMessage",
)

Schemas = dict[str, Any]


def load_description(path: Path = DESCRIPTION_PATH) -> dict[str, Any]:
    """Meta's document as it is, uncorrected."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        description: dict[str, Any] = json.load(f)
    return description


# ---- the corrections, in the README's order ----


def no_properties_beyond_base_and_part(schemas: Schemas) -> None:
    """Each message type is ``allOf: [base, part]`` with ``additionalProperties: false`` on the
    part, which then rejects the base's own fields (``to``, ``messaging_product``…): every real
    message fails. Meant is "nothing beyond base + part", which ``unevaluatedProperties`` says."""
    for name in _MESSAGE_TYPES:
        message = schemas[name]
        for part in message["allOf"]:
            part.pop("additionalProperties", None)
        message["unevaluatedProperties"] = False


def recipient_type_and_policy_optional(schemas: Schemas) -> None:
    """``recipient_type`` and the template language's ``policy`` are marked required; the live
    API takes messages without them (pywa leaves ``policy`` out)."""
    base = schemas["BaseMessageProperties"]
    base["required"] = [r for r in base["required"] if r != "recipient_type"]
    language = schemas["LanguageObject"]
    language["required"] = [r for r in language["required"] if r != "policy"]


def button_index_zero_to_nine(schemas: Schemas) -> None:
    """Template button ``index`` has the pattern ``^[2-6, 11-14]$`` (a character class, not a
    range list), which rejects "0"; the live API takes 0-9, as a string or a number (Meta's own
    examples send the number 0)."""
    index = {"type": ["string", "integer"], "pattern": "^[0-9]$", "minimum": 0, "maximum": 9}
    schemas["TemplateComponent"]["properties"]["index"] = dict(index)
    for part in schemas["ButtonComponent"]["allOf"]:
        if "index" in part.get("properties", {}):
            part["properties"]["index"] = dict(index)


def coordinates_are_numbers(schemas: Schemas) -> None:
    """Location latitude/longitude are typed as strings; clients (and Meta's examples) send
    numbers."""
    for part in schemas["LocationMessage"]["allOf"]:
        location = part.get("properties", {}).get("location")
        if location is not None:
            for axis in ("latitude", "longitude"):
                location["properties"][axis]["type"] = ["number", "string"]


def upper_case_component_types(schemas: Schemas) -> None:
    """Component ``type`` and button ``sub_type`` enums are lower case only; clients send
    ``BODY`` and ``QUICK_REPLY`` too, which the live API takes."""
    props = schemas["TemplateComponent"]["properties"]
    for key in ("type", "sub_type"):
        props[key]["enum"] = sorted({*props[key]["enum"], *(v.upper() for v in props[key]["enum"])})


def recipient_by_business_scoped_id(schemas: Schemas) -> None:
    """v23.0 predates business-scoped user ids: a message may go to ``recipient`` (a BSUID)
    instead of ``to``, exactly one of them. ``biz_opaque_callback_data`` (the tracker Meta echoes
    in status webhooks, documented for every message type) is missing from the base too."""
    base = schemas["BaseMessageProperties"]
    base["properties"]["recipient"] = {"type": "string", "minLength": 1}
    base["properties"]["biz_opaque_callback_data"] = {"type": "string", "maxLength": 512}
    base["required"] = [r for r in base["required"] if r != "to"]
    base["oneOf"] = [{"required": ["to"]}, {"required": ["recipient"]}]


def mark_as_read_has_a_schema(schemas: Schemas) -> None:
    """There is no schema for the mark-as-read body sent to ``/messages``; this is Meta's
    documented shape (``typing_indicator`` shows "typing…" while the answer is prepared)."""
    schemas["SandboxMarkAsRead"] = {
        "type": "object",
        "properties": {
            "messaging_product": {"const": "whatsapp"},
            "status": {"const": "read"},
            "message_id": {"type": "string", "minLength": 1},
            "typing_indicator": {
                "type": "object",
                "properties": {"type": {"const": "text"}},
                "required": ["type"],
                "additionalProperties": False,
            },
        },
        "required": ["messaging_product", "status", "message_id"],
        "additionalProperties": False,
    }


def messaging_product_is_whatsapp(schemas: Schemas) -> None:
    """``messaging_product`` is typed as any string; the live API takes only "whatsapp"."""
    schemas["BaseMessageProperties"]["properties"]["messaging_product"] = {"const": "whatsapp"}


# ---- webhooks (what the sandbox sends; checked in its tests) ----

# The inbound message kinds, each an allOf of the (wrong, outbound) base and its own part.
_INBOUND_TYPES = {
    "text": "TextMessage_2",
    "button": "ButtonMessage",
    "interactive": "InteractiveMessageReply",
    "location": "LocationMessage_1",
    "system": "SystemMessage",
}


def inbound_messages_have_their_own_base(schemas: Schemas) -> None:
    """Inbound webhook messages reuse the outbound base (``to`` required, ``from`` unknown) and
    the discriminator points at the outbound types; inbound messages get a schema of their own:
    the inbound base (``from``, ``id``, ``timestamp``) with each kind's own part. A system
    message keeps its own value schema (it comes without ``contacts``)."""
    inbound_base = {"$ref": "#/components/schemas/BaseMessageProperties_1"}
    kinds = []
    for name in _INBOUND_TYPES.values():
        part = next(p for p in schemas[name]["allOf"] if "$ref" not in p)
        schemas[f"Sandbox{name}"] = {"allOf": [inbound_base, part]}
        kinds.append({"$ref": f"#/components/schemas/Sandbox{name}"})
    schemas["SandboxIncomingMessage"] = {"oneOf": kinds}
    messages = schemas["IncomingMessageValueGeneral"]["properties"]["messages"]
    messages["items"] = {"$ref": "#/components/schemas/SandboxIncomingMessage"}
    system = schemas["IncomingMessageValueSystem"]["properties"]["messages"]
    system["items"] = {"$ref": "#/components/schemas/SandboxSystemMessage"}


def context_of_a_reply_needs_no_product(schemas: Schemas) -> None:
    """The inbound text's ``context`` requires ``from``, ``id`` and ``referred_product``, which
    only a product inquiry has all of; a reply carries ``from`` and ``id``, a forwarded message
    ``forwarded`` alone."""
    schemas["ContextObject"]["required"] = []


def played_status_and_business_scoped_ids(schemas: Schemas) -> None:
    """The status ``played`` (voice messages) is missing, and v23.0 predates business-scoped
    user ids: ``contacts[].user_id``/``parent_user_id``/``username``, ``from_user_id`` on
    messages and ``recipient_user_id`` on statuses are absent; ``wa_id`` is no longer sure."""
    statuses = schemas["Statuses"]["properties"]
    statuses["status"]["enum"] = [*statuses["status"]["enum"], "played"]
    statuses["recipient_user_id"] = {"type": "string"}
    statuses["biz_opaque_callback_data"] = {"type": "string"}
    profile = schemas["ContactProfile"]["properties"]
    for key in ("user_id", "parent_user_id", "username"):
        profile[key] = {"type": "string"}
    schemas["BaseMessageProperties_1"]["properties"]["from_user_id"] = {"type": "string"}


WEBHOOK_CORRECTIONS: tuple[Callable[[Schemas], None], ...] = (
    inbound_messages_have_their_own_base,
    context_of_a_reply_needs_no_product,
    played_status_and_business_scoped_ids,
)

CORRECTIONS: tuple[Callable[[Schemas], None], ...] = (
    no_properties_beyond_base_and_part,
    recipient_type_and_policy_optional,
    button_index_zero_to_nine,
    coordinates_are_numbers,
    upper_case_component_types,
    recipient_by_business_scoped_id,
    mark_as_read_has_a_schema,
    messaging_product_is_whatsapp,
    *WEBHOOK_CORRECTIONS,
)


def corrected(description: dict[str, Any]) -> dict[str, Any]:
    """A copy of the description with every correction applied."""
    fixed = copy.deepcopy(description)
    for correction in CORRECTIONS:
        correction(fixed["components"]["schemas"])
    return fixed


class Validator:
    """Checks request bodies against the corrected description; answers what is wrong, or None."""

    def __init__(self, description: dict[str, Any] | None = None) -> None:
        document = corrected(description if description is not None else load_description())
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_URI, resource)
        self._validators = {
            name: Draft202012Validator(
                {"$ref": f"{_URI}#/components/schemas/{name}"}, registry=registry
            )
            for name in (
                *_MESSAGE_TYPES,
                "SandboxMarkAsRead",
                "StatusMessageValue",
                "IncomingMessageValueGeneral",
                "IncomingMessageValueSystem",
            )
        }
        mapping = document["components"]["schemas"]["Message"]["discriminator"]["mapping"]
        self._by_type = {kind: ref.rsplit("/", 1)[1] for kind, ref in mapping.items()}

    def message_problem(self, body: Any) -> str | None:
        """What is wrong with a body POSTed to ``/messages`` (a message or a mark-as-read).

        ``Message`` is a ``oneOf`` whose failures all read "not valid under any of the given
        schemas"; choosing the member by its discriminator (``type``) names the real fault."""
        if not isinstance(body, dict):
            return "(body): a JSON object is expected"
        if "status" in body:
            return self.problem("SandboxMarkAsRead", body)
        kind = body.get("type", "text")  # the live API takes a message without type as text
        schema = self._by_type.get(kind) if isinstance(kind, str) else None
        if schema is None:
            return f"type: {kind!r} is not one of {sorted(self._by_type)}"
        return self.problem(schema, {"type": kind, **body})

    def webhook_problem(self, payload: Any) -> str | None:
        """What is wrong with a ``messages`` webhook payload (other fields, such as template
        updates, are not in Meta's description and pass unchecked)."""
        # The envelope by hand: Meta's Change.value is a oneOf that cannot tell a text message
        # from a system one, so each value is checked against the schema its content names.
        if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
            return "object: 'whatsapp_business_account' expected"
        for entry in payload.get("entry") or [None]:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                return "entry: objects with a string id expected"
            for change in entry.get("changes") or [None]:
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    return "entry/changes: objects with a value expected"
                if change.get("field") != "messages":
                    continue
                value = change["value"]
                if "statuses" in value:
                    schema = "StatusMessageValue"
                elif any(m.get("type") == "system" for m in value.get("messages", ())):
                    schema = "IncomingMessageValueSystem"
                else:
                    schema = "IncomingMessageValueGeneral"
                problem = self.problem(schema, value)
                if problem is not None:
                    return f"{schema}: {problem}"
        return None

    def problem(self, schema: str, body: Any) -> str | None:
        """The first problem of ``body`` against the named schema, in words; None if valid."""
        validator = self._validators[schema]
        errors = list(validator.iter_errors(body))
        if not errors:
            return None
        # A part that fails leaves its properties "unevaluated": the part's error is the cause.
        causes = [e for e in errors if e.validator != "unevaluatedProperties"] or errors
        best = best_match(causes)
        where = "/".join(str(p) for p in best.absolute_path) or "(body)"
        return f"{where}: {best.message}"


@functools.cache
def default_validator() -> Validator:
    """One validator per process: building it takes a moment."""
    return Validator()
