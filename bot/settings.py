"""Typed settings: a TOML file, overridden by BONDGENOTEN_* environment variables.

`load_settings(path)` is the only entry point. A broken setting raises `SettingsError` with one
line that names the key, so the CLI can print it and exit with code 2 instead of a traceback.
"""

from __future__ import annotations

import hmac
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot import listen

SUPPORTED_LANGUAGES = ("nl", "en")
TELEGRAM_API = "https://api.telegram.org"
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
# The token in config.example.toml: the right shape, so only this check stops it early.
PLACEHOLDER_TOKEN = "123456789:replace-with-the-token-from-botfather"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
WEBHOOK_PORTS = (None, 443, 80, 88, 8443)  # the ports Telegram delivers webhooks to
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Section):
    token: SecretStr = Field(description="Bot token from @BotFather")
    base_url: str = Field(default=TELEGRAM_API, description="Bot API server root")
    poll_timeout: int = Field(default=30, ge=0, le=50, description="Long-poll timeout, seconds")
    # Pace every send to stay under Telegram's flood limits. Off only against the sandbox with
    # its own limits off (fast tests); a 429 is still waited out either way.
    flood_limits: bool = True
    # How long a send waits for Telegram's answer. Long, so that a slow Telegram gets its answer
    # through instead of a retry that could show a message twice; messages that must exist
    # once wait twice as long, and a stop waits for them.
    read_timeout: float = Field(default=30.0, gt=0, le=300, description="seconds")
    # Webhook mode: Telegram POSTs each update to this https URL, where a reverse proxy
    # terminates TLS and passes the request on to `webhook_listen`. Empty: long polling.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1:8443"
    # Sent by Telegram with every webhook request; a request without it is refused. Unset: one
    # derived from the bot token (stable across restarts, secret as long as the token is).
    webhook_secret_token: SecretStr | None = None

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_SHAPE.match(value.get_secret_value()):
            # Never echo the token itself: it is a secret.
            raise ValueError("does not look like a bot token (digits:letters, from @BotFather)")
        if value.get_secret_value() == PLACEHOLDER_TOKEN:
            raise ValueError("is still the example from config.example.toml; put your bot's token")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str) -> str:
        if not value:
            return value
        url = urlsplit(value)
        if url.scheme != "https" or not url.hostname:
            raise ValueError(
                "must be an https:// URL (Telegram sends updates only over HTTPS; let a reverse "
                "proxy terminate TLS and pass requests on to telegram.webhook_listen)"
            )
        try:
            port = url.port
        except ValueError:
            port = -1
        if port not in WEBHOOK_PORTS:
            raise ValueError("Telegram sends webhooks only to port 443, 80, 88 or 8443")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen_shape(cls, value: str) -> str:
        listen.parse(value)
        return value

    @field_validator("webhook_secret_token", mode="before")
    @classmethod
    def _secret_shape(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not _SECRET_SHAPE.match(text):  # Telegram's rule; never echo the secret itself
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def webhook_secret(self) -> str:
        """The secret token for webhook requests: the configured one, or one from the token."""
        if self.webhook_secret_token is not None:
            return self.webhook_secret_token.get_secret_value()
        token = self.token.get_secret_value().encode()
        return hmac.new(token, b"bondgenoten webhook secret token", "sha256").hexdigest()


class DatabaseSettings(_Section):
    path: Path = Field(default=Path("bondgenoten.sqlite3"))


class AccessSettings(_Section):
    coordinators: list[int] = Field(default_factory=list)


class BotSettings(_Section):
    timezone: str = "Europe/Amsterdam"
    default_language: str = "nl"
    conversation_minutes: int = Field(
        default=60,
        ge=5,
        le=7 * 24 * 60,
        description="An abandoned draft or question (alert, meeting, topic, intake) expires",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class MembershipSettings(_Section):
    invite_days: int = Field(default=7, ge=1, le=90, description="How long an invite link works")
    unlinked_group_hours: int = Field(
        default=24, ge=1, le=168, description="Leave a group nobody linked after this long"
    )


class BroadcastSettings(_Section):
    # Telegram allows up to 1000 messages/s with allow_paid_broadcast, at 0.1 Star a message.
    paid: bool = False


class IncidentSettings(_Section):
    """Minutes after an alert: a reminder to who has not acknowledged, then the hosts' list."""

    critical_remind_minutes: int = Field(default=15, ge=1)
    critical_escalate_minutes: int = Field(default=30, ge=1)
    urgent_remind_minutes: int = Field(default=60, ge=1)
    urgent_escalate_minutes: int = Field(default=180, ge=1)
    # An alert, its follow-ups and the hosts' call list are retried through any outage for
    # this long; after it they end 'expired' and the sender hears so.
    delivery_window_hours: int = Field(default=24, ge=1, le=168)
    # An incident still open this long after it was sent reminds its sender to close it with a
    # word ("Later" asks again after as long, a few times at most).
    close_reminder_hours: int = Field(default=12, ge=1, le=168)

    @property
    def delivery_window(self) -> timedelta:
        return timedelta(hours=self.delivery_window_hours)

    @property
    def close_reminder(self) -> timedelta:
        return timedelta(hours=self.close_reminder_hours)

    def timings(self, severity: str) -> tuple[int, int] | None:
        """(remind, escalate) minutes for a severity, or None when it is not escalated."""
        if severity == "critical":
            return self.critical_remind_minutes, self.critical_escalate_minutes
        if severity == "urgent":
            return self.urgent_remind_minutes, self.urgent_escalate_minutes
        return None


class MeetingSettings(_Section):
    """Days before a meal meeting: the attendance poll, the reminder, the deadline."""

    poll_days: int = Field(default=21, ge=2, le=90)
    remind_days: int = Field(default=7, ge=1, le=60)
    deadline_days: int = Field(default=3, ge=1, le=30)

    @model_validator(mode="after")
    def _in_order(self) -> MeetingSettings:
        if not self.poll_days > self.remind_days > self.deadline_days:
            raise ValueError("need poll_days > remind_days > deadline_days")
        return self


class RetentionSettings(_Section):
    """How long the bot keeps what it holds, in days; the daily job deletes what is older, and
    /privacy states these windows. /forget deletes everything of a person at once, whatever
    these say."""

    # The text of a message the bot sent (its delivery row: who, when, whether it arrived,
    # stays as long as its incident). Messages that name someone else are cut as soon as sent.
    message_days: int = Field(default=30, ge=1, le=3650)
    # What members answered to an alert: the mood, their words, a request to be called.
    reply_days: int = Field(default=180, ge=1, le=3650)
    # An incident with who received and acknowledged it; after it, only its numbers stay.
    incident_days: int = Field(default=365, ge=1, le=3650)
    # A membership that ended (rejected, left, removed) with what the person told for it.
    ended_membership_days: int = Field(default=90, ge=1, le=3650)
    # The audit of who approved, removed, appointed, alerted or exported what.
    audit_days: int = Field(default=730, ge=30, le=3650)
    # A signal to the hosts, after it was closed (or, never closed, last changed).
    signal_days: int = Field(default=180, ge=1, le=3650)
    # The words and signatures of answers to a mood pulse (the moods stay, as numbers).
    pulse_days: int = Field(default=180, ge=1, le=3650)
    # A rumour a member passed on, with its verdict and counter-message, after its last change.
    rumour_days: int = Field(default=90, ge=1, le=3650)
    # WhatsApp: the record of each message sent there (its delivery state, its buttons' actions
    # for reading a typed reply), and the ids of webhooks handled (to know a repeat).
    wa_message_days: int = Field(default=30, ge=1, le=3650)
    wa_webhook_days: int = Field(default=7, ge=1, le=365)
    # The local hour at which the daily job runs.
    hour: int = Field(default=4, ge=0, le=23)


class PulseSettings(_Section):
    """The mood pulse ("wat leeft er in de wijk?"): how long one stays open, when a scheduled
    one starts, and whether the members who did not answer get one reminder."""

    open_days: int = Field(default=3, ge=1, le=14)
    # Days after an alert closes before the pulse that follows it (networks switch it off).
    after_incident_days: int = Field(default=3, ge=1, le=30)
    # The local hour at which a scheduled pulse (monthly, after an alert) starts.
    hour: int = Field(default=10, ge=7, le=21)
    # One gentle reminder, a day before closing, to who was asked and did not answer yet.
    remind: bool = True


class DigestSettings(_Section):
    """The monthly digest to each coordinator: which networks are falling quiet. Each
    coordinator can switch theirs off (/digest); `enabled = false` switches it off for all."""

    enabled: bool = True
    # The day of the month (1-28) and the local hour (7-21) it goes out.
    day: int = Field(default=1, ge=1, le=28)
    hour: int = Field(default=9, ge=7, le=21)
    # "Quiet" means: no meeting, or no answer or acknowledgement from a member, for this many
    # months.
    quiet_months: int = Field(default=2, ge=1, le=12)


class LoggingSettings(_Section):
    """What the bot logs (to stderr, for the journal) and in which shape."""

    level: str = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()


class MonitoringSettings(_Section):
    """The operator's view: health and metrics over HTTP, and notices when sending is held back."""

    # host:port for GET /healthz and GET /metrics; unset: no server. Keep it on loopback.
    listen: str | None = None
    # Where the operator's notices go (a person or a group); unset: the configured coordinators.
    ops_chat_id: int | None = None
    # Tell the operator when Telegram has not answered for this many minutes.
    held_back_minutes: int = Field(default=5, ge=1, le=1440)

    @field_validator("listen")
    @classmethod
    def _listen_shape(cls, value: str | None) -> str | None:
        if value in ("", None):
            return None
        listen.parse(value)
        return value


GRAPH_API = "https://graph.facebook.com"
_DIGITS = re.compile(r"^\d{5,20}$")


class WhatsAppSettings(_Section):
    """The WhatsApp channel (Cloud API); off unless `phone_number_id` and `token` are set."""

    # The business phone number's id in Meta's WhatsApp Manager (digits), and a system user's
    # access token for it.
    phone_number_id: str | None = None
    token: SecretStr | None = None
    # The app's secret: every webhook is signed with it (X-Hub-Signature-256).
    app_secret: SecretStr | None = None
    # What Meta must echo when it checks the webhook's address (GET hub.verify_token).
    verify_token: SecretStr | None = None
    # The number people write to, international digits without + (for wa.me links).
    display_phone: str | None = None
    # host:port where Meta's webhooks arrive (through a reverse proxy); unset: no webhook.
    listen: str | None = None
    graph_url: str = Field(default=GRAPH_API, description="Graph API root")
    api_version: str = "v23.0"
    # Meta's limits: messages per second for the number, one message per ~6 s to one member,
    # and members messaged outside their 24-hour window (templates) per day.
    messages_per_second: int = Field(default=80, ge=1, le=1000)
    seconds_between_messages_to_a_member: float = Field(default=6.0, ge=0, le=3600)
    members_outside_window_per_day: int = Field(default=250, ge=1, le=10_000_000)

    @field_validator("phone_number_id")
    @classmethod
    def _phone_number_id_shape(cls, value: str | None) -> str | None:
        if value in ("", None):
            return None
        if not _DIGITS.match(value):
            raise ValueError("must be the phone number's id from WhatsApp Manager (digits only)")
        return value

    @field_validator("display_phone")
    @classmethod
    def _display_phone_shape(cls, value: str | None) -> str | None:
        if value in ("", None):
            return None
        digits = re.sub(r"[\s()-]", "", value).removeprefix("+")
        if not re.match(r"^[1-9]\d{6,14}$", digits):
            raise ValueError("must be an international phone number, e.g. +31 85 000 1234")
        return digits

    @field_validator("token", "app_secret", "verify_token", mode="before")
    @classmethod
    def _secret_present(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if any(c.isspace() for c in text):  # never echo the secret itself
            raise ValueError("must not contain spaces or line breaks")
        return value

    @field_validator("graph_url")
    @classmethod
    def _graph_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("api_version")
    @classmethod
    def _api_version_shape(cls, value: str) -> str:
        if not re.match(r"^v\d+\.\d+$", value):
            raise ValueError("must look like v23.0")
        return value

    @field_validator("listen")
    @classmethod
    def _listen_shape(cls, value: str | None) -> str | None:
        if value in ("", None):
            return None
        listen.parse(value)
        return value

    @model_validator(mode="after")
    def _complete(self) -> WhatsAppSettings:
        if (self.phone_number_id is None) != (self.token is None):
            missing = "token" if self.token is None else "phone_number_id"
            raise ValueError(f"whatsapp.{missing} is missing (the other one is set)")
        if self.listen is not None and (self.app_secret is None or self.verify_token is None):
            raise ValueError(
                "whatsapp.listen needs whatsapp.app_secret and whatsapp.verify_token "
                "(to check that webhooks come from Meta)"
            )
        return self

    @property
    def enabled(self) -> bool:
        """Configured: the bot sends on WhatsApp."""
        return self.phone_number_id is not None and self.token is not None


class Settings(BaseSettings):
    """Everything the bot reads at start; see config.example.toml for each key."""

    model_config = SettingsConfigDict(
        env_prefix="BONDGENOTEN_",
        env_nested_delimiter="__",
        extra="forbid",
    )
    toml_path: ClassVar[Path | None] = None

    telegram: TelegramSettings
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    access: AccessSettings = Field(default_factory=AccessSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    membership: MembershipSettings = Field(default_factory=MembershipSettings)
    broadcast: BroadcastSettings = Field(default_factory=BroadcastSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    meetings: MeetingSettings = Field(default_factory=MeetingSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    pulse: PulseSettings = Field(default_factory=PulseSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_path))
        return tuple(sources)


def load_settings(path: Path | None, **overrides: Any) -> Settings:
    """Read the TOML file at `path` (if it exists), then the environment, then `overrides`."""
    if path is not None and not path.exists() and not _env_has_token():
        raise SettingsError(f"config file {path} not found (copy config.example.toml)")
    toml_path = path if path is not None and path.exists() else None
    settings_cls = type("FileSettings", (Settings,), {"toml_path": toml_path})
    try:
        return settings_cls(**overrides)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    except ValueError as exc:  # TOML syntax errors arrive as tomllib.TOMLDecodeError
        raise SettingsError(f"config file {path}: {exc}") from None


def _env_has_token() -> bool:
    return bool(os.environ.get("BONDGENOTEN_TELEGRAM__TOKEN"))


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        if key == "telegram":  # the whole section is absent; the token is what it needs
            key = "telegram.token"
        return f"setting {key} is missing"
    if error["type"] == "extra_forbidden":
        return f"setting {key} is not a known setting"
    message = str(error["msg"]).removeprefix("Value error, ")
    if message.startswith(f"{key}."):  # a section's own check names the key itself
        return f"setting {message}"
    return f"setting {key} is invalid: {message}"
