"""Sinyal's settings: environment variables over an optional YAML file over defaults.

Validated once, at start-up, so that every other module receives a typed ``Settings``. A bad
value stops start-up with one line naming the setting (``SettingsError``). Secrets are only ever
read from the environment: a settings file that contains one is refused.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    AliasChoices,
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
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILE_ENV = "SINYAL_SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = "sinyal.yml"

#: Fields that hold secrets; they are accepted from the environment only.
SECRET_FIELDS = frozenset(
    {
        "telegram_bot_token",
        "telegram_webhook_secret",
        "smtp_password",
        "rasa_token",
        "actions_token",
        "secret_key",
        "notify_webhook_secret",
        "scrape_broker_password",
    }
)


class SettingsError(ValueError):
    """A setting is missing or malformed; ``str()`` is one line a user can act on."""


class YamlFileSource(PydanticBaseSettingsSource):
    """Reads the optional settings file (``sinyal.yml`` or ``$SINYAL_SETTINGS_FILE``)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SettingsError(f"settings file {self.path}: not valid YAML ({exc})") from exc
        if not isinstance(data, dict):
            raise SettingsError(f"settings file {self.path}: expected a mapping of settings")
        secrets = sorted(SECRET_FIELDS & set(data))
        if secrets:
            raise SettingsError(
                f"settings file {self.path}: {', '.join(secrets)} is a secret; set it in the "
                "environment instead (never in a file that may be committed)"
            )
        return data


class Settings(BaseSettings):
    """Every knob of a Sinyal installation. Env vars use the ``SINYAL_`` prefix unless noted."""

    model_config = SettingsConfigDict(
        env_prefix="SINYAL_", extra="forbid", populate_by_name=True, validate_default=True
    )

    project_dir: Path = Field(
        default=PROJECT_DIR,
        description="the checkout (bot/, flows/, config.yml); relative paths below start here",
    )
    data_dir: Path = Field(default=Path("var"), description="runtime files: SQLite, logs, pids")
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "SINYAL_DATABASE_URL", "database_url"),
        description="SQLAlchemy URL; empty means the embedded SQLite file in data_dir",
    )
    host: str = Field(
        default="127.0.0.1",
        description="interface the servers bind to: loopback, or a private one when processes run "
        "on several machines (never a public one)",
    )
    rasa_port: int = Field(
        default=5005, ge=1, le=65535, description="the (first) Rasa server's port"
    )
    actions_port: int = Field(
        default=5055, ge=1, le=65535, description="the (first) action server's port"
    )
    rasa_tracker_store: Literal["sql", "memory"] = Field(
        default="sql",
        description="sql: conversations kept in the tracker database; memory: lost on restart",
    )
    redis_url: str | None = Field(
        default=None, description="Rasa lock store (needed when several Rasa servers run)"
    )
    tracker_database_url: str = Field(
        default="",
        description="Rasa's tracker store; empty means the store's own database (database_url)",
    )
    db_connect_timeout: int = Field(
        default=5, ge=2, le=120, description="seconds to wait for a database connection"
    )
    db_statement_timeout: float = Field(
        default=30.0, ge=0, le=3600, description="seconds one SQL statement may run (0: no limit)"
    )
    rasa_servers: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Rasa servers `sinyal run` starts (ports up from rasa_port)",
    )
    action_servers: int = Field(
        default=1,
        ge=1,
        le=16,
        description="action servers `sinyal run` starts (up from actions_port)",
    )
    rasa_server_urls: list[str] = Field(
        default_factory=list,
        description="Rasa servers the web app and Telegram bridge use, when they run on other "
        "machines (JSON list); default: the ones this machine starts",
    )
    pending_sweep_seconds: float = Field(
        default=15.0, gt=0, le=3600, description="how often `sinyal dispatch` saves pending leads"
    )
    pending_idle_seconds: float = Field(
        default=20.0, ge=0, le=86_400, description="a pending lead is swept once its chat is quiet"
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="trained Rasa models and the news classifier kept by the fingerprint of their "
        "inputs, reused by any checkout on this machine instead of training again (`make` sets "
        "~/.cache/sinyal/models); empty: no cache",
    )
    default_language: Literal["en", "id"] = Field(
        default="en", description="the chat's language when the entry link does not say"
    )
    flows_dir: Path = Field(default=Path("flows"), description="one YAML file per outreach flow")
    candidate_page_url: str = Field(
        default="https://example.invalid/jobs",
        description="where the bot sends job seekers (people who want a job, not a recruiter)",
    )

    # Scraping: politeness and re-post detection.
    scrape_contact_url: str = Field(
        default="https://example.invalid/sinyal-bot",
        description="your consultancy's page about the bot, named in the scraper's User-Agent",
    )
    scrape_requests_per_second: float = Field(
        default=1.0, gt=0, le=50, description="requests per host (or its robots.txt Crawl-delay)"
    )
    scrape_timeout: float = Field(
        default=15.0, gt=0, le=300, description="seconds one scraper request may take"
    )
    scrape_retries: int = Field(
        default=3,
        ge=0,
        le=10,
        description="retries of a request after a connection error, 429 or 5xx (with backoff)",
    )
    scrape_max_pages: int = Field(
        default=1000, ge=1, description="pages one scrape run fetches at most"
    )
    scrape_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="largest response body read, counted decoded; a larger page is cut off",
    )
    repost_window_days: int = Field(
        default=60,
        ge=0,
        le=730,
        description="a re-post within this many days keeps the original posting's start",
    )
    demo_site: bool = Field(default=True, description="serve the demo job site in `sinyal run`")
    demo_site_port: int = Field(
        default=8800, ge=1, le=65535, description="the demo job site's port"
    )
    scrape_on_start: bool = Field(default=True, description="`sinyal run` scrapes all flows once")

    # Qualification bot: what it tells prospects and how it checks their contact details.
    phone_region: str = Field(
        default="DE", pattern=r"^[A-Z]{2}$", description="region for phone numbers without +code"
    )
    phone_region_by_language: dict[str, str] = Field(
        default_factory=lambda: {"id": "ID"},
        description="phone region for chats in a language (Indonesian chats dial 0812... in ID)",
    )
    freemail_policy: Literal["accept", "flag", "reject"] = Field(
        default="flag", description="business email on gmail.com & co: accept, flag or refuse"
    )
    success_fee_percent: float = Field(
        default=20.0, gt=0, le=100, description="the success fee the bot quotes (% of salary)"
    )
    retainer_fee_percent: float = Field(
        default=25.0, gt=0, le=100, description="the retainer fee the bot quotes (% of salary)"
    )
    callback_hours: int = Field(
        default=24, ge=1, le=336, description="how soon a consultant calls a qualified lead"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="log level of the engine's processes"
    )

    # Telegram bridge (prospects' chats): runs in `sinyal run` when a bot token is set.
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL (a local Bot API server, or a stand-in in tests)",
    )
    telegram_mode: Literal["polling", "webhook"] = Field(
        default="polling", description="polling works behind any firewall; webhook needs HTTPS"
    )
    telegram_webhook_url: str | None = Field(
        default=None, description="public HTTPS URL Telegram posts updates to (webhook mode)"
    )
    telegram_webhook_port: int = Field(
        default=8443, ge=1, le=65535, description="port the Telegram webhook server listens on"
    )

    # Handover: who gets qualified leads, and how they hear of them (sinyal/handover/notify/).
    consultants_file: Path = Field(
        default=Path("consultants.yml"), description="the consultants who receive leads"
    )
    team_telegram_chat_id: int | None = Field(
        default=None, description="Telegram chat that gets leads no consultant matches"
    )
    team_email: str | None = Field(default=None, description="email for unmatched leads")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="where links in notifications point"
    )
    web_port: int = Field(default=8000, ge=1, le=65535, description="the web app (links, pages)")
    website_chat_url: str | None = Field(
        default=None, description="the website chat page tracked links open (default: web app)"
    )
    chat_message_max_chars: int = Field(
        default=2000, ge=100, le=100_000, description="longer chat messages get a polite refusal"
    )
    telegram_bot_username: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$",
        description="the bot's @name, for t.me deep links in outreach",
    )
    outreach_emails_per_minute: int = Field(
        default=30, ge=1, le=10_000, description="across all senders (protects the domain)"
    )
    outreach_max_attempts: int = Field(
        default=5, ge=1, le=50, description="attempts to send one outreach email"
    )
    smtp_host: str | None = Field(default=None, description="email notifications need it")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="the SMTP server's port")
    smtp_user: str | None = Field(
        default=None, description="SMTP login (its password: SMTP_PASSWORD); unset: no login"
    )
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        validation_alias=AliasChoices("SMTP_SECURITY", "SINYAL_SMTP_SECURITY", "smtp_security"),
        description="starttls: upgrade when offered, and required before a login; tls: "
        "implicit TLS (port 465); none: never encrypt (the password may travel in clear text)",
    )
    smtp_starttls: bool = Field(
        default=True, description="off: no STARTTLS upgrade (older setting; see smtp_security)"
    )
    smtp_from: str = Field(
        default="Sinyal <sinyal@example.invalid>",
        description="From: of notification and outreach emails",
    )
    notify_webhook_url: str | None = Field(
        default=None, description="a CRM endpoint that receives every handed-over lead (JSON)"
    )
    dispatch_poll_seconds: float = Field(
        default=0.5, gt=0, le=60, description="how often an idle dispatcher looks for work"
    )
    dispatch_batch: int = Field(
        default=20, ge=1, le=1000, description="notifications one dispatcher claims at a time"
    )
    dispatch_per_minute: int = Field(
        default=120, ge=1, le=100_000, description="notifications sent a minute, all dispatchers"
    )
    dispatch_max_attempts: int = Field(
        default=12, ge=1, le=100, description="attempts per notification before it is given up"
    )
    dispatch_timeout_seconds: float = Field(
        default=15.0, gt=0, le=120, description="one delivery attempt, per channel"
    )
    dispatch_lease_seconds: float = Field(
        default=120.0, gt=0, le=3600, description="a dead dispatcher's claims return after this"
    )

    # Secrets: environment only (see SECRET_FIELDS).
    telegram_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "SINYAL_TELEGRAM_BOT_TOKEN"),
        description="the Telegram bot (prospects' chats and the consultants' desk); unset: no "
        "Telegram",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        description="webhook mode's secret_token (16 to 256 of A-Z a-z 0-9 _ -); required there",
    )
    smtp_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SMTP_PASSWORD", "SINYAL_SMTP_PASSWORD"),
        description="the SMTP login's password (with smtp_user)",
    )
    rasa_token: SecretStr | None = Field(
        default=None, description="Rasa's HTTP API and REST channel (`sinyal run` makes one)"
    )
    actions_token: SecretStr | None = Field(
        default=None, description="Rasa -> action server calls (`sinyal run` makes one)"
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="signs dashboard sessions, chat sessions and Telegram sender ids "
        "(`sinyal run` makes one); the same on every machine",
    )
    notify_webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key that signs webhook bodies"
    )

    # scraping scale-out (issue 15)
    scrape_broker_url: str | None = Field(
        default=None,
        description="Redis URL of the scrape task queue (Dramatiq), e.g. redis://127.0.0.1:6379/0;"
        " unset: `sinyal scrape run` scrapes in-process and needs no broker",
    )
    scrape_broker_password: SecretStr | None = Field(
        default=None, description="the scrape queue's Redis password (environment only)"
    )
    scrape_queue_namespace: str = Field(
        default="sinyal",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="prefix of the scrape queue's Redis keys (installations sharing one Redis)",
    )
    scrape_worker_threads: int = Field(
        default=16, ge=1, le=256, description="sources one `sinyal scrape worker` scrapes at once"
    )
    scrape_task_retries: int = Field(
        default=2, ge=0, le=20, description="retries of a task that raised, then it is reported"
    )
    scrape_queue_timeout: float = Field(
        default=3600.0,
        gt=0,
        le=7 * 86_400,
        description="seconds `sinyal scrape run` waits for its tasks; later ones count as failed",
    )
    scrape_task_timeout: float = Field(
        default=900.0,
        gt=0,
        le=7 * 86_400,
        description="seconds one queued source may take; a slower one is stopped and failed",
    )

    @model_validator(mode="after")
    def _scrape_queue_is_sound(self) -> Settings:
        """The broker is a Redis URL with a host and no password in it (a secret, so it comes
        from SINYAL_SCRAPE_BROKER_PASSWORD); checked here, not per field, so that the error
        never repeats a URL that may hold one. A task stops before its run stops waiting."""
        from urllib.parse import urlsplit

        if (self.scrape_task_retries + 1) * self.scrape_task_timeout >= self.scrape_queue_timeout:
            raise ValueError(
                "SINYAL_SCRAPE_TASK_TIMEOUT times its tries (SINYAL_SCRAPE_TASK_RETRIES + 1) must "
                "be shorter than SINYAL_SCRAPE_QUEUE_TIMEOUT, or a stopped task's failure would "
                "arrive after the run stopped waiting for it"
            )
        url = self.scrape_broker_url = self.scrape_broker_url or None
        if url is None:
            return self
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ValueError(
                "SINYAL_SCRAPE_BROKER_URL must be a Redis URL with a host, like "
                "redis://127.0.0.1:6379/0"
            )
        if parts.password:
            raise ValueError(
                "SINYAL_SCRAPE_BROKER_URL must not hold a password: set "
                "SINYAL_SCRAPE_BROKER_PASSWORD in the environment instead"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, YamlFileSource(settings_cls, settings_file_path()))

    @field_validator("database_url", "tracker_database_url")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        if value:
            try:
                url = make_url(value)
            except ArgumentError as exc:
                raise ValueError(f"not a database URL: {exc}") from exc
            if url.get_backend_name() not in {"sqlite", "postgresql"}:
                raise ValueError("only sqlite:// and postgresql:// databases are supported")
        return value

    @field_validator("model_cache_dir", mode="before")
    @classmethod
    def _empty_means_no_cache(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("phone_region_by_language")
    @classmethod
    def _regions_are_codes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [region for region in value.values() if not re.fullmatch(r"[A-Z]{2}", region)]
        if bad or not set(value) <= {"en", "id"}:
            raise ValueError(f"expected {{en|id: two-letter region}}, got {value}")
        return value

    @model_validator(mode="after")
    def _lease_outlasts_a_delivery(self) -> Settings:
        if self.dispatch_lease_seconds <= 2 * self.dispatch_timeout_seconds:
            raise ValueError(
                "dispatch_lease_seconds must exceed twice dispatch_timeout_seconds, or a slow "
                "delivery could be claimed and sent again by another dispatcher"
            )
        return self

    @model_validator(mode="after")
    def _shared_conversations_for_several_rasa_servers(self) -> Settings:
        if self.action_servers > self.rasa_servers:
            raise ValueError(
                "action_servers > rasa_servers: Rasa server i calls action server i, so the "
                "extra action servers would never be called"
            )
        if self.rasa_servers == 1:
            return self
        if not self.redis_url:
            raise ValueError(
                "rasa_servers > 1 needs the Redis lock store (SINYAL_REDIS_URL), so that one "
                "conversation's messages are handled one at a time whichever server gets them"
            )
        if self.rasa_tracker_store != "sql" or self.tracker_database.get_backend_name() != (
            "postgresql"
        ):
            raise ValueError(
                "rasa_servers > 1 needs the tracker store on PostgreSQL (SINYAL_DATABASE_URL "
                "or SINYAL_TRACKER_DATABASE_URL), which every Rasa server shares"
            )
        return self

    @field_validator("rasa_server_urls")
    @classmethod
    def _urls_are_http(cls, value: list[str]) -> list[str]:
        bad = [url for url in value if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url)]
        if bad:
            raise ValueError(f"expected http(s)://host:port URLs, got {bad}")
        return [url.rstrip("/") for url in value]

    def phone_region_for(self, language: str | None) -> str:
        return self.phone_region_by_language.get(language or "", self.phone_region)

    @cached_property
    def data_path(self) -> Path:
        path = self.data_dir if self.data_dir.is_absolute() else self.project_dir / self.data_dir
        return path.resolve()

    @cached_property
    def database(self) -> URL:
        """The store's URL; PostgreSQL URLs get the psycopg 3 driver unless one is named."""
        if not self.database_url:
            return make_url(f"sqlite:///{self.data_path / 'sinyal.db'}")
        url = make_url(self.database_url)
        if url.drivername in {"postgresql", "postgres"}:
            url = url.set(drivername="postgresql+psycopg")
        return url

    @cached_property
    def tracker_database(self) -> URL:
        """Where Rasa keeps conversations: the store's PostgreSQL database, or beside the
        embedded store in its own SQLite file, unless set apart."""
        if self.tracker_database_url:
            url = make_url(self.tracker_database_url)
            if url.drivername in {"postgresql", "postgres"}:
                url = url.set(drivername="postgresql+psycopg")
            return url
        if self.database.get_backend_name() == "sqlite":
            return make_url(f"sqlite:///{self.data_path / 'tracker.db'}")
        return self.database

    @property
    def flows_path(self) -> Path:
        return self.flows_dir if self.flows_dir.is_absolute() else self.project_dir / self.flows_dir

    @property
    def consultants_path(self) -> Path:
        path = self.consultants_file
        return path if path.is_absolute() else self.project_dir / path

    @property
    def demo_site_url(self) -> str:
        return f"http://{self.host}:{self.demo_site_port}"

    @property
    def bot_dir(self) -> Path:
        return self.project_dir / "bot"

    @property
    def model_path(self) -> Path:
        """The trained Rasa model's fixed location (see docs/bot.md)."""
        return self.bot_dir / "models" / "current.tar.gz"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def chat_page_url(self) -> str:
        return self.website_chat_url or f"{self.public_url.rstrip('/')}/chat"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    def rasa_url_of(self, index: int) -> str:
        """The ``index``-th Rasa server `sinyal run` starts here (0 is ``rasa_url``)."""
        return f"http://{self.host}:{self.rasa_port + index}"

    def actions_url_of(self, index: int) -> str:
        return f"http://{self.host}:{self.actions_port + index}"

    @property
    def rasa_urls(self) -> list[str]:
        """Where the gateways send chat messages: any of these serves any conversation."""
        return self.rasa_server_urls or [self.rasa_url_of(i) for i in range(self.rasa_servers)]


def settings_file_path() -> Path | None:
    explicit = os.environ.get(SETTINGS_FILE_ENV)
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise SettingsError(f"{SETTINGS_FILE_ENV}: file {path} does not exist")
        return path
    return Path.cwd() / DEFAULT_SETTINGS_FILE


def _describe(error: dict[str, Any]) -> str:
    field = ".".join(str(part) for part in error.get("loc", ())) or "settings"
    if error.get("type") == "extra_forbidden":  # only the settings file can add unknown keys
        return f"{field!r} is not a known setting (settings file {settings_file_path()})"
    env_name = f"SINYAL_{field.upper()}"
    given = error.get("input")
    shown = "" if isinstance(given, dict) or field.lower() in SECRET_FIELDS else f" (got {given!r})"
    return f"{env_name}: {error.get('msg', 'invalid value')}{shown}"


def load_settings(**overrides: Any) -> Settings:
    """Load and validate settings; raise ``SettingsError`` with a one-line explanation."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more)" if more else ""
        raise SettingsError(f"invalid setting {_describe(dict(first))}{suffix}") from None
