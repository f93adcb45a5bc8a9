"""Validation of Bot API requests against Telegram's published API description.

The sandbox must be at least as strict as Telegram, so that code which passes against it
also passes against the real Bot API. This module loads the machine-readable description
of every method and type (``api.json``, scraped from core.telegram.org by
PaulSonOfLars/telegram-bot-api-spec) and checks each request against it: the method exists,
required parameters are present, no unknown parameters or fields are sent, every value has
the right type (recursively, through nested objects), plus a small table of Telegram rules
that the schema cannot express (callback_data size, poll option counts, ...).

Error wordings follow the real Bot API server (tdlib/telegram-bot-api) where it has one.
Where Telegram silently accepts something we deliberately reject (unknown parameters or
fields, several button types on one inline button), the wording is our own and says so.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

__all__ = [
    "BUNDLED_SPEC_PATH",
    "SPEC_ENV_VAR",
    "ApiError",
    "ApiSpec",
    "find_spec_path",
]

SPEC_ENV_VAR = "BONDGENOTEN_BOT_API_SPEC"
BUNDLED_SPEC_PATH = Path(__file__).with_name("api.json.gz")
# sandbox/spec.py -> the repository root is one level above the package directory.
_REPO_ROOT = Path(__file__).resolve().parents[1]
_SHARED_SPEC_PATH = _REPO_ROOT.parent / "shared" / "telegram-bot-api" / "api.json"


class ApiError(Exception):
    """A Bot API error answer, e.g. ``ApiError(400, "Bad Request: chat_id is empty")``.

    ``parameters`` carries Telegram's ``ResponseParameters`` (``retry_after``,
    ``migrate_to_chat_id``) for the errors that have them.
    """

    def __init__(
        self, error_code: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters: dict[str, Any] | None = dict(parameters) if parameters else None

    def to_response(self) -> dict[str, Any]:
        """The JSON body Telegram answers with for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body

    def __repr__(self) -> str:
        return f"ApiError({self.error_code!r}, {self.description!r})"


def _bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def find_spec_path() -> Path:
    """Where the API description lives: env var, then the shared checkout, then the bundled copy."""
    configured = os.environ.get(SPEC_ENV_VAR)
    if configured:
        return Path(configured)
    if _SHARED_SPEC_PATH.is_file():
        return _SHARED_SPEC_PATH
    return BUNDLED_SPEC_PATH


# --------------------------------------------------------------------------------------------
# The schema model
# --------------------------------------------------------------------------------------------

_PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
_ARRAY_PREFIX = "Array of "

# A subtype's discriminating field is described as 'Scope type, must be chat' or
# 'Type of the message origin, always "user"'.
_DISCRIMINATOR_RE = re.compile(r'(?:must be|always) "?([A-Za-z0-9_]+)"?\s*$')

# Telegram names some objects in its errors with words instead of the type name.
_CONTEXT_NAMES = {
    "InlineKeyboardButton": "inline keyboard button",
    "KeyboardButton": "keyboard button",
}
# Wording for an object parameter whose string is not JSON, or whose JSON has the wrong shape.
_BAD_JSON_NAMES = {"reply_markup": "reply keyboard markup", "scope": "BotCommandScope"}
_WRONG_SHAPE = {"reply_markup": "object expected as reply markup"}

# Telegram's own wording for the most common missing parameters; others get a generic one.
_MISSING_WORDING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "message_id": "message identifier is not specified",
    "sender_chat_id": "sender_chat_id is empty",
    "sticker_set_name": "sticker_set_name is empty",
    "latitude": "latitude is empty",
    "longitude": "longitude is empty",
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method, or one field of an object type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str = dataclass_field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """An object type; abstract types (``BotCommandScope``) list their ``subtypes``."""

    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]


def _fields(raw: Mapping[str, Any]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(
            f["name"], tuple(f["types"]), bool(f["required"]), str(f.get("description", ""))
        )
        for f in raw.get("fields", [])
    }


class _Invalid(Exception):
    """A problem inside a nested object: ``context`` names the object, ``detail`` the problem."""

    def __init__(self, context: str, detail: str) -> None:
        super().__init__(f"{context}: {detail}")
        self.context = context
        self.detail = detail


def _type_mismatch(context: str, field: str, expected: str) -> _Invalid:
    return _Invalid(context, f'Field "{field}" must be of type {expected}')


def _is_upload(value: Any) -> bool:
    """Uploaded files reach us as objects (bytes, file parts), never as JSON values."""
    return not isinstance(value, str | int | float | bool | list | dict | type(None))


_ATTACH_RE = re.compile(r"attach://([A-Za-z0-9_.-]+)")


def _attached_parts(values: Iterable[Any]) -> set[str]:
    """Names of the multipart parts that string (or JSON-string) values refer to."""
    parts: set[str] = set()
    for value in values:
        if isinstance(value, str):
            if "attach://" in value:  # (most values are not; the search costs)
                parts.update(_ATTACH_RE.findall(value))
        elif isinstance(value, list | dict):
            parts.update(_ATTACH_RE.findall(json.dumps(value)))
    return parts


_INT_RE = re.compile(r"[+-]?\d+")
_CHAT_ID_RE = re.compile(r"-?\d+")


# --------------------------------------------------------------------------------------------
# Telegram rules the schema cannot express
# --------------------------------------------------------------------------------------------

_PARSE_MODES = frozenset({"", "none", "html", "markdown", "markdownv2"})

# The fields of an inline button that give it a type; exactly one must be used.
_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_STYLES = frozenset({"", "default", "primary", "danger", "success"})
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def _check_parse_mode(value: Any) -> None:
    if isinstance(value, str) and value.lower() not in _PARSE_MODES:
        raise _bad_request("unsupported parse_mode")


def _check_inline_button(button: dict[str, Any]) -> None:
    if not button["text"]:
        raise _bad_request("BUTTON_TEXT_INVALID")
    used = [name for name in _INLINE_BUTTON_ACTIONS if _button_field_used(button, name)]
    if not used:
        raise _bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(used) > 1:
        # Telegram silently uses the first one; we reject so the ambiguity is noticed.
        raise _bad_request(
            "can't parse inline keyboard button: exactly one button type must be used, got "
            + ", ".join(used)
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
        raise _bad_request("BUTTON_DATA_INVALID")


# tdlib keeps the first 12 buttons of a row and drops the rest without a word
# (td/telegram/ReplyMarkup.cpp); Telegram's servers refuse an inline keyboard of more than 100
# buttons (REPLY_MARKUP_TOO_LONG). The sandbox drops the same buttons when it stores a message.
MAX_ROW_BUTTONS = 12
MAX_INLINE_BUTTONS = 100


def _check_inline_keyboard(markup: dict[str, Any]) -> None:
    kept = sum(min(len(row), MAX_ROW_BUTTONS) for row in markup["inline_keyboard"])
    if kept > MAX_INLINE_BUTTONS:
        raise _bad_request("reply markup is too long")


def _button_field_used(button: Mapping[str, Any], name: str) -> bool:
    if name not in button:
        return False
    # An empty url or callback_data counts as absent for Telegram; an empty inline query is
    # meaningful (it inserts just the bot's username).
    return not (name in ("url", "callback_data") and button[name] == "")


def _check_button_style(button: dict[str, Any]) -> None:
    style = button.get("style")
    if isinstance(style, str) and style.lower() not in _BUTTON_STYLES:
        raise _bad_request("invalid button style specified")


def _check_bot_command(command: dict[str, Any]) -> None:
    if not _BOT_COMMAND_RE.fullmatch(command["command"]):
        raise _bad_request("BOT_COMMAND_INVALID")
    description = command["description"]
    if not description.strip() or len(description) > 256:
        raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


def _check_poll_option(option: dict[str, Any]) -> None:
    # Telegram counts these limits in Unicode characters (td: utf8_length).
    text = option["text"]
    if not text.strip():
        raise _bad_request("poll option must be non-empty")
    if len(text) > 100:
        raise _bad_request("poll options length must not exceed 100")


def _check_poll(params: dict[str, Any]) -> None:
    question = params["question"]
    if not question.strip():
        raise _bad_request("poll question must be non-empty")
    if len(question) > 300:
        raise _bad_request("poll question length must not exceed 300")
    options = params["options"]
    if not options:  # Bot API 10.1: "a JSON-serialized list of 1-12 answer options"
        raise _bad_request("poll must have at least 1 option")
    if len(options) > 12:
        raise _bad_request("poll can't have more than 12 options")


def _check_set_my_commands(params: dict[str, Any]) -> None:
    if len(params["commands"]) > 100:
        raise _bad_request("BOT_COMMANDS_TOO_MUCH")


def _check_callback_answer(params: dict[str, Any]) -> None:
    if len(params.get("text", "")) > 200:
        raise _bad_request("MESSAGE_TOO_LONG")


def _check_edit_text(params: dict[str, Any]) -> None:
    if "text" not in params and "rich_message" not in params:
        raise _bad_request(_MISSING_WORDING["text"])


Rule = Callable[[dict[str, Any]], None]

# Extra checks, keyed by type name (run on every object of that type, however deeply nested)
# or by method name (run on the decoded parameters). They run after the schema check, so the
# fields they look at have the right type and required ones are present.
# The one exception to "no unknown parameters": python-telegram-bot sends its default
# parse_mode (ApplicationBuilder().defaults(...)) with every method built on its internal
# _send_message, also those that have no parse_mode (editMessageReplyMarkup, sendVenue,
# sendContact, ...). Telegram ignores unknown parameters, so such a request works there; the
# sandbox ignores exactly this one too rather than reject a correct bot.
TOLERATED_EXTRA_PARAMETERS = frozenset({"parse_mode"})

# Parameters the Bot API server still reads although api.json no longer lists them
# (telegram-bot-api/Client.cpp): they are read as their successors.
_LEGACY_PARAMETERS = (
    "reply_to_message_id",
    "allow_sending_without_reply",
    "disable_web_page_preview",
)


def _legacy_to_current(fields: Mapping[str, FieldSpec], present: dict[str, Any]) -> None:
    """Rewrite the legacy reply and link preview parameters into their successors."""
    if "reply_parameters" in fields and "reply_to_message_id" in present:
        if "reply_parameters" not in present:
            reply: dict[str, Any] = {"message_id": _legacy_int(present["reply_to_message_id"])}
            if "allow_sending_without_reply" in present:
                reply["allow_sending_without_reply"] = _legacy_bool(
                    present["allow_sending_without_reply"]
                )
            present["reply_parameters"] = reply
        present.pop("reply_to_message_id")
        present.pop("allow_sending_without_reply", None)
    if "link_preview_options" in fields and "disable_web_page_preview" in present:
        disabled = _legacy_bool(present.pop("disable_web_page_preview"))
        if disabled and "link_preview_options" not in present:
            present["link_preview_options"] = {"is_disabled": True}


def _legacy_int(value: Any) -> int:
    decoded = _decode_primitive("Integer", value)
    if decoded is _NO_VALUE:
        raise _bad_request("can't parse reply_to_message_id: expected Integer")
    return int(decoded)


def _legacy_bool(value: Any) -> bool:
    return _decode_primitive("Boolean", value) is True


def _poll_options_as_objects(present: dict[str, Any]) -> None:
    """The Bot API server still takes poll options as plain strings (Client.cpp)."""
    options = present.get("options")
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except ValueError:
            return  # the schema check words the error
    if isinstance(options, list):
        present["options"] = [{"text": o} if isinstance(o, str) else o for o in options]


EXTRA_RULES: Mapping[str, tuple[Rule, ...]] = {
    "InlineKeyboardButton": (_check_inline_button, _check_button_style),
    "InlineKeyboardMarkup": (_check_inline_keyboard,),
    "KeyboardButton": (_check_button_style,),
    "BotCommand": (_check_bot_command,),
    "InputPollOption": (_check_poll_option,),
    "sendPoll": (_check_poll,),
    "setMyCommands": (_check_set_my_commands,),
    "answerCallbackQuery": (_check_callback_answer,),
    "editMessageText": (_check_edit_text,),
}


def _check_field_rules(values: Mapping[str, Any]) -> None:
    """Rules that go by field name wherever the field appears (parse_mode, quote_parse_mode...)."""
    for name, value in values.items():
        if name == "parse_mode" or name.endswith("_parse_mode"):
            _check_parse_mode(value)


def _check_message_target(method: MethodSpec, params: dict[str, Any]) -> None:
    """Edit-style methods address either an inline message or a (chat_id, message_id) pair."""
    fields = method.fields
    if not {"chat_id", "message_id", "inline_message_id"} <= fields.keys():
        return
    if any(fields[n].required for n in ("chat_id", "message_id", "inline_message_id")):
        return
    if "inline_message_id" in params:
        return
    for name in ("chat_id", "message_id"):
        if name not in params:
            raise _bad_request(_MISSING_WORDING[name])


# --------------------------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------------------------


class ApiSpec:
    """The Bot API description, able to validate requests; build it with :meth:`load`."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.release_date: str = data.get("release_date", "")
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(name, _fields(raw)) for name, raw in data["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(name, _fields(raw), tuple(raw.get("subtypes", ())))
            for name, raw in data["types"].items()
        }
        self._lower_methods = {name.lower(): name for name in self.methods}
        # Object parameters sent as JSON text, checked before: (field, text) -> the checked
        # value as JSON text. The check depends on nothing else, so a fan-out of a thousand
        # copies with one keyboard checks it once and is exactly as strict.
        self._checked_json: dict[tuple[FieldSpec, str], str] = {}
        self._discriminators = {
            name: d
            for name, spec in self.types.items()
            if spec.subtypes and (d := self._find_discriminator(spec)) is not None
        }

    @classmethod
    def load(cls, path: str | Path | None = None) -> ApiSpec:
        """Load (and cache) the description at ``path``, or at :func:`find_spec_path`."""
        return _load_cached(Path(path) if path is not None else find_spec_path())

    # ---- methods ------------------------------------------------------------------------

    def canonical(self, method: str) -> str | None:
        """Telegram's spelling of ``method`` (names are case-insensitive), or None if unknown."""
        return self._lower_methods.get(method.lower())

    def has_method(self, method: str) -> bool:
        return self.canonical(method) is not None

    def validate(self, method: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Decode and check the parameters of one request, as they arrived over HTTP.

        ``raw`` may come from a query string or form (every value a string, non-strings
        JSON-encoded, as python-telegram-bot sends them), from a JSON body (values typed),
        or from multipart form data (strings, plus uploaded files as non-JSON objects).
        Returns the parameters decoded to Python values; raises :class:`ApiError`.
        """
        name = self.canonical(method)
        if name is None:
            raise ApiError(404, "Not Found")
        spec = self.methods[name]

        # Telegram treats an empty value like a missing one.
        present = {k: v for k, v in raw.items() if v is not None and v != ""}
        # Files uploaded as their own multipart parts and referred to as "attach://<part>"
        # (InputMedia and the like) are passed through under their part names.
        attached = {
            part: present.pop(part)
            for part in _attached_parts(present.values())
            if part in present and part not in spec.fields and _is_upload(present[part])
        }
        if any(key in present for key in _LEGACY_PARAMETERS):
            _legacy_to_current(spec.fields, present)
        if name == "sendPoll":
            _poll_options_as_objects(present)
        for key in list(present):
            if key not in spec.fields:
                if key in TOLERATED_EXTRA_PARAMETERS:
                    del present[key]  # ignored, as Telegram ignores it
                    continue
                raise _bad_request(f'unknown parameter "{key}"')
        for field in spec.fields.values():
            if field.required and field.name not in present:
                wording = _MISSING_WORDING.get(field.name, f'parameter "{field.name}" is required')
                raise _bad_request(wording)

        params: dict[str, Any] = {}
        for key, value in present.items():
            params[key] = self._decode_param(spec.fields[key], value)

        _check_field_rules(params)
        _check_message_target(spec, params)
        for rule in EXTRA_RULES.get(name, ()):
            rule(params)
        params.update(attached)
        return params

    # ---- top-level parameters -----------------------------------------------------------

    def _decode_param(self, field: FieldSpec, value: Any) -> Any:
        types = field.types
        name = field.name
        if set(types) == {"Integer", "String"}:
            return _decode_chat_id(name, value)
        if all(t in _PRIMITIVES for t in types):
            return _decode_scalar(name, types, value)

        # An object or array parameter: form values carry it JSON-encoded.
        if isinstance(value, str):
            known = self._checked_json.get((field, value))
            if known is not None:
                return json.loads(known)  # a fresh copy of what the check returned
            checked = self._decode_json_param(field, value)
            if len(self._checked_json) >= _CHECKED_JSON_KEPT:
                self._checked_json.clear()
            self._checked_json[(field, value)] = json.dumps(checked)
            return checked
        return self._decode_object_param(field, value)

    def _decode_json_param(self, field: FieldSpec, value: str) -> Any:
        name = field.name
        try:
            decoded = json.loads(value)
        except ValueError:
            raise _bad_request(
                f"can't parse {_BAD_JSON_NAMES.get(name, name)} JSON object"
            ) from None
        return self._decode_object_param(field, decoded)

    def _decode_object_param(self, field: FieldSpec, value: Any) -> Any:
        """Check an object or array parameter's decoded value."""
        types = field.types
        name = field.name
        if not self._shape_matches(types, value):
            raise _bad_request(
                _WRONG_SHAPE.get(name, f"can't parse {name}: expected {' or '.join(types)}")
            )
        try:
            return self._check_value(types, value, name, name)
        except _Invalid as problem:
            raise _bad_request(f"can't parse {problem.context}: {problem.detail}") from None

    def _shape_matches(self, types: tuple[str, ...], value: Any) -> bool:
        for t in types:
            if t.startswith(_ARRAY_PREFIX):
                if isinstance(value, list):
                    return True
            elif t in _PRIMITIVES:
                if _primitive_ok(t, value):
                    return True
            else:
                spec = self.types.get(t)
                if isinstance(value, dict):
                    return True
                if spec is not None and spec.subtypes and self._shape_matches(spec.subtypes, value):
                    return True
        return False

    # ---- nested values ------------------------------------------------------------------

    def _check_value(self, types: tuple[str, ...], value: Any, field: str, context: str) -> Any:
        """Check a JSON value against one of ``types``; ``context`` names the enclosing object."""
        expected = " or ".join(types)
        candidates = [t for t in types if self._shape_matches((t,), value)]
        if not candidates:
            raise _type_mismatch(context, field, expected)
        if len(candidates) == 1:
            return self._check_type(candidates[0], value, field, context)
        # Several object variants (reply_markup): try the likeliest first, and if none fits
        # report the problem with the likeliest one.
        candidates.sort(key=lambda t: -self._affinity(t, value))
        first_problem: _Invalid | ApiError | None = None
        for t in candidates:
            try:
                return self._check_type(t, value, field, context)
            except (_Invalid, ApiError) as problem:
                first_problem = first_problem or problem
        assert first_problem is not None
        raise first_problem

    def _affinity(self, type_name: str, value: Any) -> int:
        """How many of the object's keys a type knows (to guess which union member was meant)."""
        spec = self.types.get(type_name)
        if spec is None or not isinstance(value, dict):
            return 0
        return sum(1 for key in value if key in spec.fields)

    def _check_type(
        self, type_expr: str, value: Any, field: str, context: str, whole: str | None = None
    ) -> Any:
        """Check ``value`` against one type; ``whole`` is the full array type, for errors."""
        whole = whole or type_expr
        if type_expr.startswith(_ARRAY_PREFIX):
            if not isinstance(value, list):
                raise _type_mismatch(context, field, whole)
            inner = type_expr.removeprefix(_ARRAY_PREFIX)
            if inner.startswith(_ARRAY_PREFIX) or inner in _PRIMITIVES:
                return [self._check_type(inner, item, field, context, whole) for item in value]
            return [self._check_value((inner,), item, field, context) for item in value]
        if type_expr in _PRIMITIVES:
            if not _primitive_ok(type_expr, value):
                raise _type_mismatch(context, field, whole)
            return value
        return self._check_named(type_expr, value, field, context)

    def _check_named(self, type_name: str, value: Any, field: str, context: str) -> Any:
        spec = self.types.get(type_name)
        if spec is None:
            raise AssertionError(f"api.json refers to unknown type {type_name!r}")
        if spec.subtypes:
            subtypes = self._pick_subtypes(spec, value)
            return self._check_value(subtypes, value, field, context)
        if not isinstance(value, dict):
            raise _type_mismatch(context, field, type_name)
        return self._check_object(spec, value)

    def _check_object(self, spec: TypeSpec, obj: Mapping[str, Any]) -> dict[str, Any]:
        context = _CONTEXT_NAMES.get(spec.name, spec.name)
        for key in obj:
            if key not in spec.fields:
                raise _Invalid(context, f'Unknown field "{key}"')
        out: dict[str, Any] = {}
        for field in spec.fields.values():
            value = obj.get(field.name)
            if value is None:
                if field.required:
                    raise _Invalid(context, f'Can\'t find field "{field.name}"')
                continue
            out[field.name] = self._check_value(field.types, value, field.name, context)
        _check_field_rules(out)
        for rule in EXTRA_RULES.get(spec.name, ()):
            rule(out)
        return out

    def _find_discriminator(self, spec: TypeSpec) -> tuple[str, dict[str, list[str]]] | None:
        """The field ("type", "status", ...) whose value tells an abstract type's subtypes apart."""
        key: str | None = None
        by_value: dict[str, list[str]] = {}
        for sub in spec.subtypes:
            sub_spec = self.types.get(sub)
            if sub_spec is None or not sub_spec.fields:
                return None  # e.g. RichText, whose members include plain strings
            found = None
            for candidate in sub_spec.fields.values():
                if candidate.types != ("String",) or not candidate.required:
                    continue
                match = _DISCRIMINATOR_RE.search(candidate.description)
                if match:
                    found = (candidate.name, match.group(1))
                    break
            if found is None or (key is not None and found[0] != key):
                return None
            key = found[0]
            by_value.setdefault(found[1], []).append(sub)
        return (key, by_value) if key is not None else None

    def _pick_subtypes(self, spec: TypeSpec, value: Any) -> tuple[str, ...]:
        discriminator = self._discriminators.get(spec.name)
        if discriminator is None or not isinstance(value, dict):
            return spec.subtypes
        key, by_value = discriminator
        tag = value.get(key)
        if tag is None:
            raise _Invalid(spec.name, f'Can\'t find field "{key}"')
        if not isinstance(tag, str):
            raise _type_mismatch(spec.name, key, "String")
        if tag not in by_value:
            raise _Invalid(spec.name, f'Unsupported {key} "{tag}" specified')
        return tuple(by_value[tag])


_CHECKED_JSON_KEPT = 4096  # texts remembered; then forgotten all at once and checked again


@functools.lru_cache(maxsize=8)
def _load_cached(path: Path) -> ApiSpec:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return ApiSpec(data)


def _primitive_ok(type_name: str, value: Any) -> bool:
    """Whether a JSON value (inside an object) has the primitive type ``type_name``."""
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    if type_name == "InputFile":
        return _is_upload(value)
    raise AssertionError(type_name)


# Telegram (Client::to_bool) reads "true", "yes" and "1", in any case, as true and anything
# else as false; the sandbox refuses what is neither, so "on" is not silently false.
_TRUE_STRINGS = frozenset({"true", "yes", "1"})
_FALSE_STRINGS = frozenset({"false", "no", "0"})


def _decode_chat_id(name: str, value: Any) -> int | str:
    """chat_id-like parameters: an integer (maybe as a string) or an ``@username``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _CHAT_ID_RE.fullmatch(text):
            return int(text)
        if text.startswith("@") and len(text) > 1:
            return text
        raise _bad_request("chat not found")
    raise _bad_request(f"can't parse {name}: expected Integer or String")


def _decode_scalar(name: str, types: tuple[str, ...], value: Any) -> Any:
    """Decode a parameter whose types are all primitive, from a form string or a JSON value."""
    for t in types:
        decoded = _decode_primitive(t, value)
        if decoded is not _NO_VALUE:
            return decoded
    raise _bad_request(f"can't parse {name}: expected {' or '.join(types)}")


_NO_VALUE = object()


def _decode_primitive(type_name: str, value: Any) -> Any:
    if type_name == "String":
        if isinstance(value, str):
            return value
        # In a JSON body Telegram reads a number given for a string parameter as its text.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return _NO_VALUE
    if type_name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return int(value)
        return _NO_VALUE
    if type_name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                return _NO_VALUE
            return number if math.isfinite(number) else _NO_VALUE
        return _NO_VALUE
    if type_name == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE_STRINGS:
            return True
        if isinstance(value, str) and value.strip().lower() in _FALSE_STRINGS:
            return False
        return _NO_VALUE
    if type_name == "True":
        truthy = isinstance(value, str) and value.strip().lower() in _TRUE_STRINGS
        return True if value is True or truthy else _NO_VALUE
    if type_name == "InputFile":
        if _is_upload(value):
            return value
        # A multipart request names an uploaded part with "attach://<name>".
        if isinstance(value, str) and value.startswith("attach://"):
            return value
        return _NO_VALUE
    raise AssertionError(type_name)
