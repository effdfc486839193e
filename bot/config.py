"""Settings, from environment variables only (documented in the README's configuration table)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.redis_client import RedisTarget, parse_target

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """Settings that cannot work together; the message names the variables."""


class Settings(BaseSettings):
    """Every knob of the bot. Unset values take the embedded defaults for a local run."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    bot_runtime: Literal["aiogram", "ptb"] = "aiogram"
    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_path: str = "/telegram/webhook"
    webhook_answer_within: float = Field(default=15.0, gt=0)  # seconds; see check_webhook
    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)
    redis_url: str = "redis://localhost:6379/0"
    redis_prefix: str = "smebot"
    redis_max_connections: int = Field(default=256, ge=2)
    redis_socket_timeout: float = Field(default=5.0, gt=0)
    redis_cluster: bool = False
    redis_sentinels: str = ""
    redis_sentinel_master: str = ""
    redis_sentinel_password: SecretStr | None = None
    redis_wait_replicas: int = Field(default=0, ge=0)
    redis_wait_timeout_ms: int = Field(default=500, ge=1)
    turn_lease: float = Field(default=3.0, gt=0)  # seconds a dead process holds a founder up
    turn_max_wait: float = Field(default=10.0, gt=0)  # seconds an update waits in line at most
    state_cache_size: int = Field(default=5000, ge=0)  # founders' states kept per process
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    fallback_locale: Literal["zh_CN", "en"] = "en"
    draft_ttl_days: float = Field(default=30, gt=0)
    profile_ttl_days: float = Field(default=365, gt=0)
    submission_retention_days: float = Field(default=180, gt=0)
    data_keys: SecretStr | None = None
    data_key_file: Path = ROOT / "var" / "data.key"
    policy_file: Path | None = None
    agencies_file: Path | None = None
    pdf_font_file: Path | None = None
    admin_ids: str = ""
    embedded_worker: bool = True
    delivery_max_age_hours: float = Field(default=72, gt=0)
    render_processes: int | None = Field(default=None, ge=0)
    locales_dir: Path = ROOT / "locales"
    chat_user_id: int = 1
    local_files_dir: Path = ROOT / "var" / "local-files"
    flood_rate: float = Field(default=5.0, gt=0)
    flood_burst: int = Field(default=30, ge=1)
    broadcast_rate: float = Field(default=25.0, gt=0)
    log_level: str = "INFO"
    metrics_enabled: bool = True  # GET /metrics on the bot's HTTP server (bot.telemetry)
    metrics_port: int = Field(default=0, ge=0, le=65535)  # /metrics on a port of its own; 0: off
    metrics_token: SecretStr | None = None  # when set, /metrics wants "Bearer <token>"
    # read by prometheus-client itself when imported; named here to be checked and documented
    prometheus_multiproc_dir: Path | None = None

    @field_validator(
        "telegram_bot_token",
        "webhook_secret",
        "data_keys",
        "redis_sentinel_password",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("prometheus_multiproc_dir", mode="before")
    @classmethod
    def _multiproc_dir(cls, value: object) -> object:
        if value in ("", None):
            return None
        if not Path(str(value)).is_dir():
            raise ValueError("must be an existing directory, emptied before the processes start")
        return value

    def metrics_secret(self) -> str | None:
        """METRICS_TOKEN in clear, or None (then /metrics is open)."""
        return None if self.metrics_token is None else self.metrics_token.get_secret_value()

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _redis_settings_agree(self) -> Settings:
        target = self.redis_target()
        if self.redis_wait_replicas and target.mode == "cluster":
            raise ValueError("REDIS_WAIT_REPLICAS is not supported on a Redis Cluster (yet)")
        if (
            self.redis_wait_replicas
            and self.redis_wait_timeout_ms >= self.redis_socket_timeout * 1000
        ):
            raise ValueError("REDIS_WAIT_TIMEOUT_MS must be below REDIS_SOCKET_TIMEOUT")
        return self

    def redis_target(self) -> RedisTarget:
        """Which Redis, in which mode: REDIS_URL with REDIS_CLUSTER or the REDIS_SENTINEL_*."""
        password = self.redis_sentinel_password
        return parse_target(
            self.redis_url,
            cluster=self.redis_cluster,
            sentinels=self.redis_sentinels,
            sentinel_master=self.redis_sentinel_master,
            sentinel_password=password.get_secret_value() if password else None,
        )

    def encryption_keys(self) -> list[str]:
        """DATA_KEYS (comma-separated Fernet keys, the first encrypts), else a key kept in
        DATA_KEY_FILE, created on first use for local runs."""
        if self.data_keys is not None:
            return [k.strip() for k in self.data_keys.get_secret_value().split(",") if k.strip()]
        if not self.data_key_file.exists():
            from cryptography.fernet import Fernet

            self.data_key_file.parent.mkdir(parents=True, exist_ok=True)
            self.data_key_file.touch(mode=0o600)
            self.data_key_file.write_text(Fernet.generate_key().decode() + "\n")
        return [self.data_key_file.read_text().strip()]

    @field_validator("admin_ids")
    @classmethod
    def _admin_ids_are_numbers(cls, value: str) -> str:
        try:
            _ids(value)
        except ValueError:
            raise ValueError(
                "expected comma-separated Telegram user ids, e.g. 111111111,22222222"
            ) from None
        return value

    def admins(self) -> list[int]:
        """ADMIN_IDS: comma-separated Telegram user ids told of deliveries that failed for good."""
        return _ids(self.admin_ids)

    def check_webhook(self) -> None:
        """Webhook mode needs a public URL and a secret (say which is missing), and time to
        answer an update after its turn waited in line as long as it may."""
        missing = [
            name
            for name, v in (
                ("WEBHOOK_URL", self.webhook_url),
                ("WEBHOOK_SECRET", self.webhook_secret),
            )
            if not v
        ]
        if self.bot_mode == "webhook" and missing:
            raise SettingsError(f"BOT_MODE=webhook needs {' and '.join(missing)}")
        if self.bot_mode == "webhook" and self.webhook_answer_within <= self.turn_max_wait:
            raise SettingsError(
                "WEBHOOK_ANSWER_WITHIN must exceed TURN_MAX_WAIT: an update waiting in line "
                "would be answered with an error, and sent again, while it still waits"
            )


def _ids(value: str) -> list[int]:
    return [int(part) for part in value.replace(" ", "").split(",") if part]
