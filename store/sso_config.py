"""Sign-in settings: single sign-on (OpenID Connect), password sign-in mode, sign-in links.

Each setting comes from the environment (`TRAINING_SSO_...`, easiest for tests and containers)
or else from the `[sso]` table of `.streamlit/secrets.toml` (the file Streamlit keeps secrets
in; TRAINING_SECRETS_FILE points elsewhere). The environment wins. Nothing here talks to the
network: the protocol is in `ui/oidc.py`.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from store.config import PROJECT_ROOT

log = logging.getLogger("training.sso")

# Where each setting lives: (environment variable, key in the [sso] table of secrets.toml).
KEYS = {
    "metadata_url": ("TRAINING_SSO_METADATA_URL", "metadata_url"),
    "client_id": ("TRAINING_SSO_CLIENT_ID", "client_id"),
    "client_secret": ("TRAINING_SSO_CLIENT_SECRET", "client_secret"),
    "provider_name": ("TRAINING_SSO_PROVIDER_NAME", "provider_name"),
    "email_claim": ("TRAINING_SSO_EMAIL_CLAIM", "email_claim"),
    "email_verified_claim": ("TRAINING_SSO_EMAIL_VERIFIED_CLAIM", "email_verified_claim"),
    "unknown_people": ("TRAINING_SSO_UNKNOWN_PEOPLE", "unknown_people"),
    "default_team": ("TRAINING_SSO_DEFAULT_TEAM", "default_team"),
    "create_domains": ("TRAINING_SSO_CREATE_DOMAINS", "create_domains"),
    "scopes": ("TRAINING_SSO_SCOPES", "scopes"),
    "prompt": ("TRAINING_SSO_PROMPT", "prompt"),
    "password_sign_in": ("TRAINING_PASSWORD_SIGN_IN", "password_sign_in"),
    "link_session_hours": ("TRAINING_SIGN_IN_LINK_HOURS", "link_session_hours"),
}
UNKNOWN_PEOPLE = ("refuse", "create")
# Who may sign in with a password: everyone, only administrators (break-glass), or nobody.
PASSWORD_MODES = ("everyone", "admins", "off")
DEFAULT_LINK_SESSION_HOURS = 8  # one shift


class SsoConfigError(ValueError):
    """A sign-in setting that cannot be used; the message names it and says what is allowed."""


@dataclass(frozen=True)
class SsoSettings:
    """The single sign-on settings, checked."""

    metadata_url: str
    client_id: str
    client_secret: str
    provider_name: str = "single sign-on"
    email_claim: str = "email"
    email_verified_claim: str = "email_verified"
    unknown_people: str = "refuse"  # or "create": an employee in default_team
    default_team: str | None = None
    # With "create": only emails at these domains get an account (empty: any domain).
    create_domains: tuple[str, ...] = ()
    scopes: str = "openid email profile"
    # OpenID's prompt parameter: "login" makes the provider ask every time (shared computers).
    prompt: str | None = None


def _secrets_file() -> Path:
    return Path(
        os.environ.get("TRAINING_SECRETS_FILE") or PROJECT_ROOT / ".streamlit" / "secrets.toml"
    )


def _file_values() -> dict:
    path = _secrets_file()
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            table = tomllib.load(f).get("sso", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SsoConfigError(f"{path} could not be read: {exc}") from None
    return table if isinstance(table, dict) else {}


def _raw(name: str, file_values: dict) -> str | None:
    env, key = KEYS[name]
    value = os.environ.get(env)
    if value is None or not value.strip():
        value = file_values.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def load() -> SsoSettings | None:
    """Return the single sign-on settings, None when it is not set up; raise SsoConfigError."""
    values = _file_values()
    metadata_url = _raw("metadata_url", values)
    client_id = _raw("client_id", values)
    if not metadata_url and not client_id:
        return None
    missing = [KEYS[n][0] for n in ("metadata_url", "client_id") if not _raw(n, values)]
    if missing:
        raise SsoConfigError(f"Single sign-on needs {' and '.join(missing)} as well.")
    if not metadata_url.startswith(("https://", "http://127.", "http://localhost")):
        raise SsoConfigError(
            "TRAINING_SSO_METADATA_URL must be an https:// address (plain http only on this "
            "machine, for tests)."
        )
    unknown = (_raw("unknown_people", values) or "refuse").lower()
    if unknown not in UNKNOWN_PEOPLE:
        raise SsoConfigError(
            f"TRAINING_SSO_UNKNOWN_PEOPLE is {unknown!r}; use 'refuse' or 'create'."
        )
    return SsoSettings(
        metadata_url=metadata_url,
        client_id=client_id,
        client_secret=_raw("client_secret", values) or "",
        provider_name=_raw("provider_name", values) or SsoSettings.provider_name,
        email_claim=_raw("email_claim", values) or SsoSettings.email_claim,
        email_verified_claim=(
            _raw("email_verified_claim", values) or SsoSettings.email_verified_claim
        ),
        unknown_people=unknown,
        default_team=_raw("default_team", values),
        create_domains=tuple(
            d.strip().lower().lstrip("@")
            for d in (_raw("create_domains", values) or "").split(",")
            if d.strip()
        ),
        scopes=_raw("scopes", values) or SsoSettings.scopes,
        prompt=_prompt(_raw("prompt", values)),
    )


PROMPTS = ("none", "login", "consent", "select_account")


def _prompt(raw: str | None) -> str | None:
    if raw is None:
        return None
    words = raw.lower().split()
    if not words or any(w not in PROMPTS for w in words):
        raise SsoConfigError(f"TRAINING_SSO_PROMPT is {raw!r}; use one of {', '.join(PROMPTS)}.")
    return " ".join(words)


def password_mode() -> str:
    """Return who may sign in with a password: 'everyone', 'admins' or 'off'.

    A value that is not one of those reads as 'admins' (and is logged): a typo must neither
    open password sign-in to everyone nor lock the administrators out.
    """
    try:
        raw = _raw("password_sign_in", _file_values())
    except SsoConfigError as exc:
        log.error("%s", exc)
        return "admins"
    mode = (raw or "everyone").lower()
    if mode not in PASSWORD_MODES:
        log.error("TRAINING_PASSWORD_SIGN_IN is %r; reading it as 'admins'", raw)
        return "admins"
    return mode


def link_session_hours() -> float:
    """Return how long a session from a sign-in link lasts, in hours (one shift, default 8)."""
    try:
        raw = _raw("link_session_hours", _file_values())
        hours = float(raw) if raw else DEFAULT_LINK_SESSION_HOURS
    except (SsoConfigError, ValueError):
        return DEFAULT_LINK_SESSION_HOURS
    return hours if 0 < hours <= 24 else DEFAULT_LINK_SESSION_HOURS
