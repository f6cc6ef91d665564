"""All configuration, from the environment or `.env`; secrets as SecretStr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./data/thidua.db"
    files_dir: Path = Path("./data/files")
    timezone: str = "Asia/Ho_Chi_Minh"

    # How many of the latest open reporting periods a unit is still asked for (older ones are
    # no longer owed); when each period opens and is due is the template's `period:` block.
    report_backlog_periods: Annotated[int, Field(ge=1, le=24)] = 3
    invite_days: int = 14
    reminder_days_before: tuple[int, ...] = (7, 3, 1)
    reminder_hour: int = 7
    reminder_minute: int = 30
    quiet_start_hour: int = 21
    quiet_end_hour: int = 7
    outbox_max_attempts: int = 8
    outbox_claim_seconds: int = 60
    outbox_in_flight: int = 8
    outbox_backoff_seconds: float = 30.0
    dispatch_seconds: float = 5.0
    max_file_bytes: int = 20 * 1024 * 1024
    # Delivery (bot/channels/conveyor.py): how long a send may take before it is in doubt, how
    # long a reply in flight is left to its sender, how often stored work is looked for, the
    # first wait before a refused reply or a failed turn is tried again (doubling each time).
    send_timeout_seconds: float = 20.0
    reply_lease_seconds: float = 60.0
    reply_retry_seconds: float = 1.0
    sweep_seconds: float = 2.0
    # Exports built in a heavy worker (the digest's chart and workbook, the dossier): the most
    # wall seconds and memory one build may take before the person is told it is too big.
    export_seconds: float = 180.0
    export_memory_mb: int = 1024

    telegram_token: SecretStr | None = None
    telegram_api_base: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    telegram_rate_per_second: float = 30.0
    telegram_rate_per_chat: float = 1.0
    telegram_poll_timeout: int = 30

    zalo_bot_token: SecretStr | None = None
    zalo_api_base: str = "https://bot-api.zapps.me"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = None
    zalo_webhook_listen: str = "0.0.0.0"
    zalo_webhook_port: int = 8444
    zalo_rate_per_second: float = 5.0
    zalo_rate_per_chat: float = 1.0
    zalo_poll_timeout: int = 30
    file_link_secret: SecretStr | None = None
    file_link_hours: int = 72
    public_base_url: str | None = None

    # The staff web page and the JSON API (bot/web): served by `thidua run` and `thidua web`.
    web_enabled: bool = True
    web_listen: str = "0.0.0.0"
    web_port: int = 8445
    # Where staff reach the page (behind the reverse proxy), for sign-in links; default
    # http://localhost:<web_port>.
    web_base_url: str | None = None
    web_link_minutes: Annotated[int, Field(ge=1, le=60)] = 10
    web_session_hours: Annotated[int, Field(ge=1, le=72)] = 12
    # The session cookie is sent over HTTPS only; browsers also accept it on http://localhost.
    web_cookie_secure: bool = True
    api_rate_per_minute: Annotated[int, Field(ge=1)] = 60

    # Zalo Official Account (bot/channels/zalo_oa.py): the app linked to the commune's OA, the
    # OA's webhook key (signatures), the app secret (token refresh) and the first refresh token
    # (the rotating one lives in the database from then on).
    zalo_oa_app_id: str | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_app_secret: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_id: str | None = None
    zalo_oa_unit: str | None = None
    zalo_oa_api_base: str = "https://openapi.zalo.me"
    zalo_oa_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_oa_webhook_url: str | None = None
    zalo_oa_webhook_listen: str = "0.0.0.0"
    zalo_oa_webhook_port: int = 8446
    zalo_oa_rate_per_second: float = 10.0
    zalo_oa_rate_per_chat: float = 1.0
    # how long after a person's last interaction the OA may still message them (Zalo: 7 days)
    zalo_oa_window_hours: float = 168.0
    # refresh the access token when less than this is left of it (Zalo gives 25 hours)
    zalo_oa_refresh_margin_minutes: float = 300.0
    # ZNS templates for pushes outside the window, by topic; their parameters, when named
    # otherwise than ours, as JSON {"template_param": "our_value"} (see README)
    zalo_zns_template_report: str | None = None
    zalo_zns_template_task: str | None = None
    zalo_zns_params_report: dict[str, str] | None = None
    zalo_zns_params_task: dict[str, str] | None = None
    zalo_zns_param_max: int = 30

    @property
    def zalo_oa_enabled(self) -> bool:
        """All four secrets of the OA channel are set."""
        return bool(
            self.zalo_oa_app_id
            and self.zalo_oa_secret_key is not None
            and self.zalo_oa_app_secret is not None
            and self.zalo_oa_refresh_token is not None
        )


def worker_environment(settings: Settings) -> dict[str, str | None]:
    """`settings` as environment variables, for a heavy worker (`heavy.run(..., env=…)`) that
    builds its own `Settings()`: every value but the secrets (which a worker never needs and
    which are removed), the database URL included, so the worker reads the same database."""
    env: dict[str, str | None] = {}
    for name, value in settings.model_dump(mode="json").items():
        if isinstance(getattr(settings, name), SecretStr) or value is None:
            env[name.upper()] = None
        elif isinstance(value, list | dict):
            env[name.upper()] = json.dumps(value)
        else:
            env[name.upper()] = str(value)
    return env
