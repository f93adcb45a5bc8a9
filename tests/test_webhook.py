"""Webhook mode: Telegram POSTs each update to the bot, which sits behind a TLS reverse proxy.

The real application in webhook mode against the sandbox, over real HTTP. The sandbox plays
Telegram and the operator's reverse proxy: it delivers https://bondgenoten.example/… to the
plain-HTTP address the bot listens on (`Sandbox.webhook_proxy`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import ALLOWED_UPDATES, build_application, running
from bot.cli import EXIT_ADDRESS, EXIT_CONFIG, EXIT_OK
from bot.settings import Settings, load_settings
from bot.webhook import SECRET_HEADER, WebhookRefused
from sandbox import Sandbox, SimUser
from tests.test_cli import assert_no_token, assert_one_line, cli_process, cli_run, write_config

WEBHOOK_URL = "https://bondgenoten.example/telegram/updates"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def port(sandbox: Sandbox) -> int:
    """Where the bot listens; the sandbox delivers the webhook there, as the proxy would."""
    port = free_port()
    sandbox.webhook_proxy = f"http://127.0.0.1:{port}"
    return port


def webhook_settings(sandbox: Sandbox, tmp_path: Path, port: int, **telegram: Any) -> Settings:
    return load_settings(
        None,
        telegram={
            "token": sandbox.token,
            "base_url": sandbox.base_url,
            "flood_limits": False,
            "webhook_url": WEBHOOK_URL,
            "webhook_listen": f"127.0.0.1:{port}",
            **telegram,
        },
        database={"path": tmp_path / "bot.sqlite3"},
    )


def polling_settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    return webhook_settings(sandbox, tmp_path, 1, webhook_url="", poll_timeout=1)


def texts(user: SimUser) -> list[str]:
    return [m.text or "" for m in user.private_chat.bot_messages()]


def a_command(user: SimUser, command: str, update_id: int) -> dict[str, Any]:
    """An update as Telegram would POST it: `user` sends `command` in the private chat."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.to_api(),
            "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def test_a_users_start_is_answered_through_the_webhook(
    sandbox: Sandbox, tmp_path: Path, port: int
) -> None:
    settings = webhook_settings(sandbox, tmp_path, port)
    async with running(build_application(settings)):
        ahmed = sandbox.add_user("Ahmed", language_code="en")
        await ahmed.send("/start")
        await ahmed.expect("Welcome to Bondgenoten")
        info = sandbox.webhook.info()

    assert info["url"] == WEBHOOK_URL and info["pending_update_count"] == 0
    assert "last_error_message" not in info
    (set_webhook,) = sandbox.requests_for("setWebhook")
    assert set_webhook.params["allowed_updates"] == ALLOWED_UPDATES
    assert set_webhook.params["drop_pending_updates"] is False
    assert set_webhook.params["secret_token"] == settings.telegram.webhook_secret
    assert not sandbox.requests_for("getUpdates")
    # Stopped, the bot leaves the webhook set: Telegram keeps what comes meanwhile.
    assert sandbox.webhook.active


async def test_a_request_without_the_right_secret_is_refused_and_not_handled(
    sandbox: Sandbox, tmp_path: Path, port: int, caplog: pytest.LogCaptureFixture
) -> None:
    settings = webhook_settings(sandbox, tmp_path, port, webhook_secret_token="our-secret_42")
    mallory = sandbox.add_user("Mallory", language_code="en")
    hook = f"http://127.0.0.1:{port}/telegram/updates"
    async with running(build_application(settings)):
        with caplog.at_level(logging.INFO):
            async with aiohttp.ClientSession() as http:
                for headers in ({SECRET_HEADER: "guessed-secret"}, {}):
                    answer = await http.post(
                        hook, json=a_command(mallory, "/help", 5), headers=headers
                    )
                    assert answer.status == 403
        # Updates are handled in order: once this one is answered, the refused ones would be.
        ahmed = sandbox.add_user("Ahmed", language_code="en")
        await ahmed.send("/start")
        await ahmed.expect("Welcome to Bondgenoten")

    assert texts(mallory) == []
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals == [
        "webhook request from 127.0.0.1 refused (403): wrong secret token; nothing handled",
        "webhook request from 127.0.0.1 refused (403): no secret token; nothing handled",
    ]
    assert "guessed-secret" not in caplog.text and "our-secret_42" not in caplog.text


async def test_an_unreadable_update_is_answered_200_and_the_next_one_is_handled(
    sandbox: Sandbox, tmp_path: Path, port: int, caplog: pytest.LogCaptureFixture
) -> None:
    eve = sandbox.add_user("Eve", language_code="en")
    async with running(build_application(webhook_settings(sandbox, tmp_path, port))):
        with caplog.at_level(logging.INFO):
            # A vote as a newer Telegram might send it: without a field the library needs.
            bad = sandbox.push_raw_update(
                {"poll_answer": {"poll_id": "77", "user": eve.to_api(), "option_ids": [0]}}
            )
            await eve.send("/help")
            await eve.expect("What you can do here")

    # Each update was POSTed once: the unreadable one was not refused, so not sent again.
    assert sandbox.webhook.attempts == 2
    assert "last_error_message" not in sandbox.webhook.info()
    assert sandbox.updates.delivered[0]["update_id"] == bad
    assert f"skipped update {bad} (poll_answer): the library cannot read it" in caplog.text


async def test_what_comes_while_the_bot_is_down_waits_and_polling_takes_it_after_a_switch(
    sandbox: Sandbox, tmp_path: Path, port: int
) -> None:
    async with running(build_application(webhook_settings(sandbox, tmp_path, port))):
        pass
    # The bot is down; Telegram keeps the update and tries again later.
    ahmed = sandbox.add_user("Ahmed", language_code="en")
    await ahmed.send("/start")
    await sandbox.wait_for(lambda: bool(sandbox.webhook.info().get("last_error_message")))
    info = sandbox.webhook.info()
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Connection refused"

    # The operator switches back to long polling: the webhook goes, the update is not lost.
    async with running(build_application(polling_settings(sandbox, tmp_path))):
        await ahmed.expect("Welcome to Bondgenoten")
        assert not sandbox.webhook.active
        (delete,) = sandbox.requests_for("deleteWebhook")
        assert not delete.params.get("drop_pending_updates")


async def test_telegram_refusing_the_webhook_stops_the_start(
    sandbox: Sandbox, tmp_path: Path, port: int
) -> None:
    sandbox.faults.fail_next(
        "setWebhook",
        error_code=400,
        description="Bad Request: bad webhook: Failed to resolve host: Name or service not known",
    )
    with pytest.raises(WebhookRefused, match=r"(?i)failed to resolve host.*telegram.webhook_url"):
        async with running(build_application(webhook_settings(sandbox, tmp_path, port))):
            pass
    # Its server is closed again: the address is free.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


# ---- the operator's view: the command ----


BAD_WEBHOOK_SETTINGS = [
    # ([telegram] line, what the one line must say)
    ('webhook_url = "http://bondgenoten.example/updates"', "must be an https:// URL"),
    ('webhook_url = "https://bondgenoten.example:8080/updates"', "port 443, 80, 88 or 8443"),
    ('webhook_listen = "localhost"', "telegram.webhook_listen"),
    ('webhook_secret_token = "not so secret!"', "telegram.webhook_secret_token"),
]


@pytest.mark.parametrize(("line", "says"), BAD_WEBHOOK_SETTINGS)
async def test_a_bad_webhook_setting_is_one_line(line: str, says: str, tmp_path: Path) -> None:
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace("[database]", f"{line}\n[database]"))
    code, out, err = await cli_run("run", "--config", str(config))
    assert_one_line(code, EXIT_CONFIG, out, err, says=says)
    assert "not so secret" not in err


async def test_the_listen_address_in_use_is_one_line(sandbox: Sandbox, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = webhook_config(sandbox, tmp_path, port)
        code, out, err = await cli_run("run", "--config", str(config))
    assert_one_line(code, EXIT_ADDRESS, out, err, says=f"127.0.0.1:{port}")
    assert "already in use" in err and "telegram.webhook_listen" in err
    # Nothing changed at Telegram: the webhook was never set.
    assert not sandbox.requests_for("setWebhook")


async def test_run_in_webhook_mode_answers_and_logs_no_secret(
    sandbox: Sandbox, tmp_path: Path, port: int
) -> None:
    config = webhook_config(sandbox, tmp_path, port, level="DEBUG")
    process = await cli_process("run", "--config", str(config))
    try:
        ahmed = sandbox.add_user("Ahmed", language_code="en")
        await ahmed.send("/start")
        await ahmed.expect("Welcome to Bondgenoten", timeout=60)
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = err.decode()
    assert process.returncode == EXIT_OK, log
    assert f"webhook: Telegram sends updates to {WEBHOOK_URL}" in log
    assert "Traceback" not in log
    assert_no_token(log, sandbox.token)
    assert sandbox.webhook.secret_token and sandbox.webhook.secret_token not in log


def webhook_config(sandbox: Sandbox, tmp_path: Path, port: int, *, level: str = "INFO") -> Path:
    config = write_config(
        tmp_path,
        token=sandbox.token,
        base_url=sandbox.base_url,
        extra=f'[logging]\nlevel = "{level}"\n',
    )
    text = config.read_text().replace(
        "[database]",
        f'webhook_url = "{WEBHOOK_URL}"\nwebhook_listen = "127.0.0.1:{port}"\n[database]',
    )
    config.write_text(text)
    return config
