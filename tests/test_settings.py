"""Settings come from a TOML file, the environment overrides them, and mistakes name the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_file_values_and_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n[access]\ncoordinators = [7, 8]\n')
    settings = load_settings(path)
    assert settings.telegram.token.get_secret_value() == TOKEN
    assert settings.telegram.base_url == "https://api.telegram.org"
    assert settings.access.coordinators == [7, 8]
    assert settings.bot.timezone == "Europe/Amsterdam"
    assert settings.bot.default_language == "nl"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n[bot]\ndefault_language = "nl"\n')
    monkeypatch.setenv("BONDGENOTEN_BOT__DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("BONDGENOTEN_ACCESS__COORDINATORS", "[42]")
    settings = load_settings(path)
    assert settings.bot.default_language == "en"
    assert settings.access.coordinators == [42]


def test_token_from_environment_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BONDGENOTEN_TELEGRAM__TOKEN", TOKEN)
    settings = load_settings(tmp_path / "absent.toml")
    assert settings.telegram.token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[bot]\n", "setting telegram.token is missing"),
        ('[telegram]\ntoken = "nope"\n', "setting telegram.token is invalid"),
        (f'[telegram]\ntoken = "{TOKEN}"\ncolour = 1\n', "setting telegram.colour is not a known"),
        (f'[telegram]\ntoken = "{TOKEN}"\n[bot]\ntimezone = "Mars/Base"\n', "setting bot.timezone"),
        (
            f'[telegram]\ntoken = "{TOKEN}"\n[bot]\ndefault_language = "de"\n',
            "bot.default_language",
        ),
        (
            f'[telegram]\ntoken = "{TOKEN}"\n[access]\ncoordinators = ["x"]\n',
            "access.coordinators.0",
        ),
        ("[telegram\n", "config file"),
    ],
)
def test_a_broken_setting_is_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace(".", r"\.")):
        load_settings(write(tmp_path, text))


def test_the_token_never_appears_in_an_error(tmp_path: Path) -> None:
    secret = "123:short"
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, f'[telegram]\ntoken = "{secret}"\n'))
    assert secret not in str(caught.value)


def test_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "nope"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "telegram.token" in lines[0]
    assert "Traceback" not in result.stderr
