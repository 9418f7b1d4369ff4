from __future__ import annotations

import datetime

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings
from services.registration.accounts import SessionPolicy


class RegistrationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRATION_", extra="ignore")

    port: int = 8001
    # The desk's binding changes go to ballot (bindings.py), and the desk's view
    # of an open proefstemming comes from it; the desk works without it.
    ballot_url: str = "http://127.0.0.1:8002"
    # While ballot cannot be told of a binding change, try again this often.
    binding_retry_seconds: float = 1.0

    # A staff member's login lasts at most this long, and ends sooner after
    # this long without a request (accounts.py).
    session_hours: float = 12.0
    session_idle_minutes: float = 120.0

    # Sending stemkaarten by e-mail. An empty host means "not configured":
    # sending is refused with a clear message, everything else works.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True  # upgrade a plain connection (port 587)
    smtp_ssl: bool = False  # TLS from the first byte (port 465); wins over starttls
    smtp_username: str = ""  # empty: no authentication
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = 30.0
    mail_from: str = ""  # e.g. "VNG ALV <alv@vng.nl>"


def session_policy(settings: RegistrationSettings) -> SessionPolicy:
    return SessionPolicy(
        absolute=datetime.timedelta(hours=settings.session_hours),
        idle=datetime.timedelta(minutes=settings.session_idle_minutes),
    )
