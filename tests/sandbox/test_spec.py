"""The sandbox accepts the requests Telegram accepts and rejects those Telegram rejects."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatPermissions,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    InputPollOption,
    KeyboardButton,
    LinkPreviewOptions,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.request import BaseRequest, RequestData

from sandbox import spec as spec_module
from sandbox.spec import BUNDLED_SPEC_PATH, SPEC_ENV_VAR, ApiError, ApiSpec, find_spec_path

SHARED_SPEC = Path(__file__).resolve().parents[2].parent / "shared/telegram-bot-api/api.json"


@pytest.fixture(scope="module")
def api() -> ApiSpec:
    return ApiSpec.load()


def rejects(api: ApiSpec, method: str, params: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        api.validate(method, params)
    return caught.value


def keyboard(*buttons: dict[str, Any]) -> str:
    return json.dumps({"inline_keyboard": [list(buttons)]})


# --------------------------------------------------------------------------------------------
# What python-telegram-bot really sends
# --------------------------------------------------------------------------------------------

_MESSAGE = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}


class _CapturingRequest(BaseRequest):
    """Records each request PTB makes instead of sending it anywhere."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, RequestData | None]] = []

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name == "getMe":
            me = {"id": 42, "is_bot": True, "first_name": "Sandbox", "username": "sandbox_bot"}
            return 200, json.dumps({"ok": True, "result": me}).encode()
        self.sent.append((name, request_data))
        result = [_MESSAGE] if name == "sendMediaGroup" else _MESSAGE
        return 200, json.dumps({"ok": True, "result": result}).encode()


@pytest.fixture
async def ptb() -> tuple[Bot, _CapturingRequest]:
    request = _CapturingRequest()
    bot = Bot("1:sandbox", request=request, get_updates_request=_CapturingRequest())
    await bot.initialize()
    return bot, request


def as_form(request_data: RequestData | None) -> dict[str, Any]:
    """The parameters as the sandbox receives them from PTB's form/multipart request."""
    assert request_data is not None
    form: dict[str, Any] = dict(request_data.json_parameters)
    if request_data.contains_files:
        form.update(request_data.multipart_data)
    return form


async def test_ptb_send_message_with_inline_keyboard_validates(ptb: Any, api: ApiSpec) -> None:
    bot, request = ptb
    await bot.send_message(
        chat_id=-1001234567890,
        text="<b>Hallo</b> buurt",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Ja", callback_data="vote:yes")],
                [InlineKeyboardButton("Site", url="https://example.org")],
            ]
        ),
        reply_parameters=ReplyParameters(message_id=7, allow_sending_without_reply=True),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        disable_notification=True,
    )
    method, data = request.sent[-1]
    params = api.validate(method, as_form(data))
    assert params["chat_id"] == -1001234567890
    assert params["text"] == "<b>Hallo</b> buurt"
    assert params["disable_notification"] is True
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "vote:yes"
    assert params["reply_parameters"] == {"message_id": 7, "allow_sending_without_reply": True}


async def test_ptb_json_payload_validates_too(ptb: Any, api: ApiSpec) -> None:
    bot, request = ptb
    await bot.send_message(chat_id=5, text="x", reply_markup=ForceReply(selective=True))
    method, data = request.sent[-1]
    assert data is not None
    params = api.validate(method, json.loads(data.json_payload))
    assert params["reply_markup"] == {"force_reply": True, "selective": True}


@pytest.mark.parametrize(
    "markup",
    [
        ReplyKeyboardMarkup([[KeyboardButton("Deel locatie", request_location=True)], ["Stop"]]),
        ReplyKeyboardRemove(),
        ForceReply(input_field_placeholder="Uw antwoord"),
    ],
)
async def test_ptb_every_kind_of_reply_markup_validates(
    ptb: Any, api: ApiSpec, markup: Any
) -> None:
    bot, request = ptb
    await bot.send_message(chat_id="@buurtkanaal", text="x", reply_markup=markup)
    method, data = request.sent[-1]
    assert api.validate(method, as_form(data))["chat_id"] == "@buurtkanaal"


async def test_ptb_other_methods_validate(ptb: Any, api: ApiSpec) -> None:
    bot, request = ptb
    await bot.edit_message_text(
        "nieuw", chat_id=1, message_id=2, entities=[MessageEntity("bold", 0, 5)]
    )
    await bot.edit_message_reply_markup(inline_message_id="abc", reply_markup=None)
    await bot.answer_callback_query("123456", text="Bedankt!", show_alert=False)
    await bot.set_my_commands(
        [BotCommand("start", "Begin"), BotCommand("help_me", "Hulp")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="nl",
    )
    await bot.set_my_commands([BotCommand("report", "Melden")], scope=BotCommandScopeChat(-100))
    await bot.send_poll(1, "Wanneer?", [InputPollOption("Ma"), "Di"], is_anonymous=False)
    await bot.delete_message(1, 2)
    await bot.restrict_chat_member(
        -100, 7, ChatPermissions(can_send_messages=False), until_date=1_800_000_000
    )
    await bot.send_document(1, InputFile(b"data", filename="a.txt"), caption="bijlage")
    for method, data in request.sent:
        api.validate(method, as_form(data))
    assert [m for m, _ in request.sent] == [
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "setMyCommands",
        "setMyCommands",
        "sendPoll",
        "deleteMessage",
        "restrictChatMember",
        "sendDocument",
    ]


async def test_ptb_media_group_with_an_attached_upload_validates(ptb: Any, api: ApiSpec) -> None:
    bot, request = ptb
    await bot.send_media_group(
        1, [InputMediaPhoto(b"png", caption="<b>a</b>", parse_mode="HTML"), InputMediaPhoto("id")]
    )
    method, data = request.sent[-1]
    params = api.validate(method, as_form(data))
    part = params["media"][0]["media"].removeprefix("attach://")
    assert params[part][1] == b"png"  # the uploaded part travels along under its own name


def test_upload_parts_nobody_refers_to_are_unknown_parameters(api: ApiSpec) -> None:
    upload = ("a.png", b"png", "image/png")
    error = rejects(api, "sendMessage", {"chat_id": "1", "text": "x", "stray": upload})
    assert error.description == 'Bad Request: unknown parameter "stray"'


# --------------------------------------------------------------------------------------------
# Locating and loading the description
# --------------------------------------------------------------------------------------------


def test_env_var_chooses_the_spec_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, str(tmp_path / "api.json"))
    assert find_spec_path() == tmp_path / "api.json"


def test_shared_copy_is_preferred_then_the_bundled_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)
    if SHARED_SPEC.is_file():
        assert find_spec_path() == SHARED_SPEC
    monkeypatch.setattr(spec_module, "_SHARED_SPEC_PATH", Path("/nonexistent/api.json"))
    assert find_spec_path() == BUNDLED_SPEC_PATH


@pytest.mark.skipif(not SHARED_SPEC.is_file(), reason="no shared checkout of the API description")
def test_bundled_copy_is_identical_to_the_shared_description() -> None:
    with gzip.open(BUNDLED_SPEC_PATH, "rb") as bundled:
        assert bundled.read() == SHARED_SPEC.read_bytes(), "re-gzip api.json into sandbox"


def test_bundled_copy_loads_and_carries_its_licence() -> None:
    bundled = ApiSpec.load(BUNDLED_SPEC_PATH)
    assert bundled.version.startswith("Bot API ")
    assert bundled.has_method("sendMessage")
    licence = BUNDLED_SPEC_PATH.with_name("API_SPEC_LICENSE").read_text()
    assert "MIT License" in licence and "Paul Larsen" in licence


def test_load_is_cached(api: ApiSpec) -> None:
    assert ApiSpec.load() is api


# --------------------------------------------------------------------------------------------
# Methods and errors
# --------------------------------------------------------------------------------------------


def test_method_names_are_case_insensitive(api: ApiSpec) -> None:
    assert api.canonical("sendmessage") == "sendMessage"
    assert api.canonical("SENDMESSAGE") == "sendMessage"
    assert api.has_method("getUpdates")
    assert api.validate("sendmessage", {"chat_id": "1", "text": "x"}) == {"chat_id": 1, "text": "x"}


def test_unknown_method_is_404_not_found(api: ApiSpec) -> None:
    assert api.canonical("sendTelegram") is None
    error = rejects(api, "sendTelegram", {})
    assert (error.error_code, error.description) == (404, "Not Found")


def test_error_body_has_telegrams_shape() -> None:
    assert ApiError(400, "Bad Request: chat not found").to_response() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }
    flood = ApiError(429, "Too Many Requests: retry after 5", {"retry_after": 5})
    assert flood.to_response()["parameters"] == {"retry_after": 5}


# --------------------------------------------------------------------------------------------
# Required and unknown parameters
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "description"),
    [
        ("sendMessage", {"text": "x"}, "Bad Request: chat_id is empty"),
        ("sendMessage", {"chat_id": "1"}, "Bad Request: message text is empty"),
        ("sendMessage", {"chat_id": "1", "text": ""}, "Bad Request: message text is empty"),
        ("deleteMessage", {"chat_id": "1"}, "Bad Request: message identifier is not specified"),
        ("answerCallbackQuery", {}, 'Bad Request: parameter "callback_query_id" is required'),
        ("setMyCommands", {}, 'Bad Request: parameter "commands" is required'),
    ],
)
def test_missing_required_parameter_is_rejected(
    api: ApiSpec, method: str, params: dict[str, Any], description: str
) -> None:
    error = rejects(api, method, params)
    assert (error.error_code, error.description) == (400, description)


def test_unknown_parameter_is_rejected(api: ApiSpec) -> None:
    error = rejects(api, "sendMessage", {"chat_id": "1", "text": "x", "reply_to": "3"})
    assert error.description == 'Bad Request: unknown parameter "reply_to"'


def test_edit_needs_an_inline_message_or_a_chat_and_message(api: ApiSpec) -> None:
    assert api.validate("editMessageText", {"inline_message_id": "abc", "text": "x"})
    assert api.validate("editMessageText", {"chat_id": "1", "message_id": "2", "text": "x"})
    error = rejects(api, "editMessageText", {"text": "x"})
    assert error.description == "Bad Request: chat_id is empty"
    error = rejects(api, "editMessageText", {"chat_id": "1", "text": "x"})
    assert error.description == "Bad Request: message identifier is not specified"
    error = rejects(api, "editMessageText", {"chat_id": "1", "message_id": "2"})
    assert error.description == "Bad Request: message text is empty"


# --------------------------------------------------------------------------------------------
# Type-directed decoding
# --------------------------------------------------------------------------------------------


def test_chat_id_is_an_integer_or_an_at_username(api: ApiSpec) -> None:
    def chat_id(value: Any) -> Any:
        return api.validate("sendMessage", {"chat_id": value, "text": "x"})["chat_id"]

    assert chat_id("-1001234567890") == -1001234567890
    assert chat_id(17) == 17
    assert chat_id("@buurt_bot") == "@buurt_bot"
    assert rejects(api, "sendMessage", {"chat_id": "buurt", "text": "x"}).description == (
        "Bad Request: chat not found"
    )


def test_string_parameters_are_kept_verbatim_even_when_they_look_like_json(api: ApiSpec) -> None:
    for text in ("123", "[1, 2]", '{"a": 1}', "true", "null"):
        assert api.validate("sendMessage", {"chat_id": "1", "text": text})["text"] == text


def test_form_strings_are_decoded_by_the_parameter_type(api: ApiSpec) -> None:
    params = api.validate(
        "sendMessage",
        {
            "chat_id": "1",
            "text": "x",
            "message_thread_id": "9",
            "disable_notification": "true",
            "protect_content": "False",
            "entities": '[{"type": "bold", "offset": 0, "length": 1}]',
        },
    )
    assert params["message_thread_id"] == 9
    assert params["disable_notification"] is True
    assert params["protect_content"] is False
    assert params["entities"] == [{"type": "bold", "offset": 0, "length": 1}]


def test_json_body_values_are_accepted_as_typed(api: ApiSpec) -> None:
    params = api.validate(
        "sendMessage",
        {
            "chat_id": 1,
            "text": "x",
            "disable_notification": False,
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
        },
    )
    assert params["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"
    assert api.validate("sendLocation", {"chat_id": 1, "latitude": "52.1", "longitude": 5})[
        "latitude"
    ] == pytest.approx(52.1)


@pytest.mark.parametrize(
    ("method", "params", "description"),
    [
        (
            "deleteMessage",
            {"chat_id": "1", "message_id": "abc"},
            "Bad Request: can't parse message_id: expected Integer",
        ),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "disable_notification": "on"},
            "Bad Request: can't parse disable_notification: expected Boolean",
        ),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "reply_markup": "{inline_keyboard: []}"},
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "reply_markup": "[]"},
            "Bad Request: object expected as reply markup",
        ),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "entities": "not json"},
            "Bad Request: can't parse entities JSON object",
        ),
        (
            "setMyCommands",
            {"commands": "[]", "scope": "{"},
            "Bad Request: can't parse BotCommandScope JSON object",
        ),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "entities": '{"type": "bold"}'},
            "Bad Request: can't parse entities: expected Array of MessageEntity",
        ),
    ],
)
def test_wrongly_typed_parameter_is_rejected(
    api: ApiSpec, method: str, params: dict[str, Any], description: str
) -> None:
    assert rejects(api, method, params).description == description


def test_true_typed_parameters_accept_only_true() -> None:
    # The current description has no True-typed field, so use a one-method description.
    field = {"name": "flag", "types": ["True"], "required": False, "description": ""}
    tiny = ApiSpec({"methods": {"doIt": {"name": "doIt", "fields": [field]}}, "types": {}})
    assert tiny.validate("doIt", {"flag": "true"}) == {"flag": True}
    assert tiny.validate("doIt", {"flag": True}) == {"flag": True}
    for value in ("false", False, "1.0"):
        assert rejects(tiny, "doIt", {"flag": value}).description == (
            "Bad Request: can't parse flag: expected True"
        )


def test_uploads_are_accepted_where_an_input_file_is_allowed(api: ApiSpec) -> None:
    upload = ("a.txt", b"data", "text/plain")
    assert api.validate("sendDocument", {"chat_id": "1", "document": upload})["document"] is upload
    assert api.validate("sendDocument", {"chat_id": "1", "document": "file-id"})
    with pytest.raises(ApiError):
        api.validate("sendDocument", {"chat_id": "1", "document": ["not", "a", "file"]})


# --------------------------------------------------------------------------------------------
# Nested objects
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (
            keyboard({"callback_data": "x"}),
            "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
        ),
        (
            keyboard({"text": 5, "callback_data": "x"}),
            'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String',
        ),
        (
            keyboard({"text": "a", "callback_data": "x", "colour": "red"}),
            'Bad Request: can\'t parse inline keyboard button: Unknown field "colour"',
        ),
        (
            json.dumps({"inline_keyboard": [{"text": "a", "callback_data": "x"}]}),
            'Bad Request: can\'t parse InlineKeyboardMarkup: Field "inline_keyboard" must be of '
            "type Array of Array of InlineKeyboardButton",
        ),
    ],
)
def test_nested_objects_are_checked_field_by_field(
    api: ApiSpec, markup: str, description: str
) -> None:
    error = rejects(api, "sendMessage", {"chat_id": "1", "text": "x", "reply_markup": markup})
    assert error.description == description


def test_reply_parameters_and_link_preview_are_checked(api: ApiSpec) -> None:
    error = rejects(api, "sendMessage", {"chat_id": 1, "text": "x", "reply_parameters": {}})
    assert error.description == (
        "Bad Request: can't parse ReplyParameters: Can't find field \"message_id\""
    )
    error = rejects(
        api,
        "sendMessage",
        {"chat_id": 1, "text": "x", "link_preview_options": {"is_disabled": "yes"}},
    )
    assert "must be of type Boolean" in error.description


def test_bot_command_scope_is_chosen_by_its_type(api: ApiSpec) -> None:
    def scope(value: dict[str, Any]) -> dict[str, Any]:
        params = api.validate("setMyCommands", {"commands": "[]", "scope": json.dumps(value)})
        return dict(params["scope"])

    assert scope({"type": "all_private_chats"}) == {"type": "all_private_chats"}
    assert scope({"type": "chat", "chat_id": -100}) == {"type": "chat", "chat_id": -100}
    assert scope({"type": "chat_member", "chat_id": "@g", "user_id": 3})["user_id"] == 3

    cases = {
        json.dumps({"type": "chat"}): 'Can\'t find field "chat_id"',
        json.dumps({"type": "all_private_chats", "chat_id": 1}): 'Unknown field "chat_id"',
        json.dumps({"type": "everyone"}): 'Unsupported type "everyone" specified',
        json.dumps({"chat_id": 1}): 'Can\'t find field "type"',
    }
    for value, detail in cases.items():
        error = rejects(api, "setMyCommands", {"commands": "[]", "scope": value})
        assert detail in error.description, value


# --------------------------------------------------------------------------------------------
# Telegram's rules on top of the schema
# --------------------------------------------------------------------------------------------


def test_callback_data_must_be_1_to_64_bytes(api: ApiSpec) -> None:
    def send(data: str) -> dict[str, Any]:
        return api.validate(
            "sendMessage",
            {
                "chat_id": "1",
                "text": "x",
                "reply_markup": keyboard({"text": "a", "callback_data": data}),
            },
        )

    send("x" * 64)
    send("é" * 32)  # 64 bytes in UTF-8
    for too_long in ("x" * 65, "é" * 33):
        with pytest.raises(ApiError, match=r"^Bad Request: BUTTON_DATA_INVALID$"):
            send(too_long)
    # An empty callback_data counts as no button type at all.
    with pytest.raises(ApiError, match="Text buttons are unallowed in the inline keyboard"):
        send("")


@pytest.mark.parametrize(
    ("button", "description"),
    [
        (
            {"text": "a"},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"text": "a", "url": "https://x.org", "callback_data": "x"},
            "Bad Request: can't parse inline keyboard button: "
            "exactly one button type must be used, got url, callback_data",
        ),
        ({"text": "", "callback_data": "x"}, "Bad Request: BUTTON_TEXT_INVALID"),
        (
            {"text": "a", "callback_data": "x", "style": "blue"},
            "Bad Request: invalid button style specified",
        ),
    ],
)
def test_inline_buttons_have_text_and_exactly_one_type(
    api: ApiSpec, button: dict[str, Any], description: str
) -> None:
    error = rejects(
        api, "sendMessage", {"chat_id": "1", "text": "x", "reply_markup": keyboard(button)}
    )
    assert error.description == description


def test_inline_button_types_other_than_callback_data_are_accepted(api: ApiSpec) -> None:
    for button in (
        {"text": "a", "url": "https://x.org", "style": "success"},
        {"text": "a", "switch_inline_query": ""},
        {"text": "a", "copy_text": {"text": "kopie"}},
        {"text": "a", "icon_custom_emoji_id": "123", "callback_data": "x"},
    ):
        api.validate("sendMessage", {"chat_id": "1", "text": "x", "reply_markup": keyboard(button)})


def test_parse_mode_must_be_html_markdownv2_or_markdown(api: ApiSpec) -> None:
    for mode in ("HTML", "html", "MarkdownV2", "Markdown"):
        api.validate("sendMessage", {"chat_id": "1", "text": "x", "parse_mode": mode})
    error = rejects(api, "sendMessage", {"chat_id": "1", "text": "x", "parse_mode": "htm"})
    assert error.description == "Bad Request: unsupported parse_mode"
    # ... also for the parse modes of nested objects.
    error = rejects(
        api,
        "sendMessage",
        {
            "chat_id": "1",
            "text": "x",
            "reply_parameters": {"message_id": 1, "quote": "q", "quote_parse_mode": "rtf"},
        },
    )
    assert error.description == "Bad Request: unsupported parse_mode"


def _poll(options: list[Any], question: str = "Wanneer?") -> dict[str, Any]:
    return {"chat_id": "1", "question": question, "options": json.dumps(options)}


def test_poll_needs_1_to_12_options(api: ApiSpec) -> None:
    # Bot API 10.1: "a JSON-serialized list of 1-12 answer options"
    api.validate("sendPoll", _poll([{"text": "a"}]))
    api.validate("sendPoll", _poll([{"text": str(i)} for i in range(12)]))
    error = rejects(api, "sendPoll", _poll([]))
    assert error.description == "Bad Request: poll must have at least 1 option"
    error = rejects(api, "sendPoll", _poll([{"text": str(i)} for i in range(13)]))
    assert error.description == "Bad Request: poll can't have more than 12 options"


def test_poll_question_and_option_lengths(api: ApiSpec) -> None:
    two = [{"text": "a"}, {"text": "b"}]
    api.validate("sendPoll", _poll(two, question="?" * 300))
    api.validate("sendPoll", _poll([{"text": "ü" * 100}, {"text": "b"}]))
    cases = [
        (_poll(two, question="?" * 301), "Bad Request: poll question length must not exceed 300"),
        (_poll(two, question=" "), "Bad Request: poll question must be non-empty"),
        (
            _poll([{"text": "a" * 101}, {"text": "b"}]),
            "Bad Request: poll options length must not exceed 100",
        ),
        (_poll([{"text": ""}, {"text": "b"}]), "Bad Request: poll option must be non-empty"),
    ]
    for params, description in cases:
        assert rejects(api, "sendPoll", params).description == description


def test_callback_answer_text_is_at_most_200_characters(api: ApiSpec) -> None:
    api.validate("answerCallbackQuery", {"callback_query_id": "1", "text": "é" * 200})
    error = rejects(api, "answerCallbackQuery", {"callback_query_id": "1", "text": "é" * 201})
    assert error.description == "Bad Request: MESSAGE_TOO_LONG"


@pytest.mark.parametrize(
    ("command", "description"),
    [
        ({"command": "Start", "description": "x"}, "Bad Request: BOT_COMMAND_INVALID"),
        ({"command": "a-b", "description": "x"}, "Bad Request: BOT_COMMAND_INVALID"),
        ({"command": "a" * 33, "description": "x"}, "Bad Request: BOT_COMMAND_INVALID"),
        ({"command": "", "description": "x"}, "Bad Request: BOT_COMMAND_INVALID"),
        ({"command": "a", "description": ""}, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        (
            {"command": "a", "description": "x" * 257},
            "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
        ),
    ],
)
def test_bot_commands_are_lowercase_words_with_a_description(
    api: ApiSpec, command: dict[str, Any], description: str
) -> None:
    error = rejects(api, "setMyCommands", {"commands": json.dumps([command])})
    assert error.description == description


def test_bot_commands_within_limits_are_accepted(api: ApiSpec) -> None:
    commands = [{"command": f"c_{i}" + "x" * 25, "description": "d" * 256} for i in range(100)]
    assert len(api.validate("setMyCommands", {"commands": json.dumps(commands)})["commands"]) == 100
    error = rejects(api, "setMyCommands", {"commands": json.dumps([*commands, commands[0]])})
    assert error.description == "Bad Request: BOT_COMMANDS_TOO_MUCH"


def test_a_default_parse_mode_where_none_exists_is_ignored_as_telegram_does(api: ApiSpec) -> None:
    # python-telegram-bot's Defaults(parse_mode=...) add it to editMessageReplyMarkup too.
    checked = api.validate(
        "editMessageReplyMarkup", {"chat_id": "5", "message_id": "1", "parse_mode": "HTML"}
    )
    assert "parse_mode" not in checked
    error = rejects(api, "editMessageReplyMarkup", {"chat_id": "5", "message_id": "1", "x": "1"})
    assert error.description == 'Bad Request: unknown parameter "x"'


def test_a_keyboard_sent_again_is_checked_the_same_and_each_request_gets_its_own(
    api: ApiSpec,
) -> None:
    # A fan-out sends one keyboard a thousand times: the sandbox remembers the check of its
    # JSON text, and must answer exactly as it did the first time.
    keyboard = json.dumps({"inline_keyboard": [[{"text": "✅ Seen", "callback_data": "a:1"}]]})
    first = api.validate("sendMessage", {"chat_id": "1", "text": "hi", "reply_markup": keyboard})
    first["reply_markup"]["inline_keyboard"][0][0]["text"] = "changed by the first request"
    second = api.validate("sendMessage", {"chat_id": "2", "text": "hi", "reply_markup": keyboard})
    assert second["reply_markup"] == json.loads(keyboard)
    too_long = json.dumps({"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]})
    for _again in range(2):
        with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
            api.validate("sendMessage", {"chat_id": "1", "text": "hi", "reply_markup": too_long})
    for _again in range(2):
        with pytest.raises(ApiError, match="can't parse reply keyboard markup JSON object"):
            api.validate("sendMessage", {"chat_id": "1", "text": "hi", "reply_markup": "{"})
