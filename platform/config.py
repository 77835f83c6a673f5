"""Configuration from ``SAMVERKAN_*`` environment variables with embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT_PATH = Path(__file__).resolve().parent.parent
PLATFORM_PATH = Path(__file__).resolve().parent
# In a source checkout, instance/ beside the code; installed as a package (site-packages), the
# working directory's instance/ rather than a folder inside the installed package.
_DEFAULT_INSTANCE = (ROOT_PATH if (ROOT_PATH / "pyproject.toml").exists() else Path.cwd()) / "instance"
INSTANCE_PATH = Path(os.environ.get("SAMVERKAN_INSTANCE_PATH", _DEFAULT_INSTANCE)).resolve()

SUPPORTED_LOCALES = ("sv", "fi", "en")
CONTENT_LOCALES = ("sv", "fi")


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use the configured key; in the embedded setup keep a generated one in instance/."""
    configured = os.environ.get("SAMVERKAN_SECRET_KEY")
    if configured:
        return configured
    key_file = INSTANCE_PATH / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def from_environment() -> dict:
    """Build the Flask config mapping from the environment."""
    database_url = os.environ.get(
        "SAMVERKAN_DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'samverkan.sqlite3'}"
    )
    redis_url = os.environ.get("SAMVERKAN_REDIS_URL") or None
    https = _flag("SAMVERKAN_HTTPS", False)
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SAMVERKAN_ADMIN_DATABASE_URL": os.environ.get("SAMVERKAN_ADMIN_DATABASE_URL") or None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SAMVERKAN_REDIS_URL": redis_url,
        "SAMVERKAN_JOBS_MODE": os.environ.get("SAMVERKAN_JOBS_MODE")
        or ("rq" if redis_url else "thread"),
        "SAMVERKAN_DEMO": _flag("SAMVERKAN_DEMO", False),
        "SAMVERKAN_BENCH": _flag("SAMVERKAN_BENCH", False),
        "SAMVERKAN_HTTPS": https,
        "SAMVERKAN_BASE_URL": os.environ.get("SAMVERKAN_BASE_URL", "http://127.0.0.1:5000"),
        "SAMVERKAN_MAIL_FROM": os.environ.get("SAMVERKAN_MAIL_FROM", "samverkan@example.org"),
        "SAMVERKAN_SMTP_HOST": os.environ.get("SAMVERKAN_SMTP_HOST") or None,
        "SAMVERKAN_SMTP_PORT": int(os.environ.get("SAMVERKAN_SMTP_PORT", "587")),
        "SAMVERKAN_SMTP_USER": os.environ.get("SAMVERKAN_SMTP_USER") or None,
        "SAMVERKAN_SMTP_PASSWORD": os.environ.get("SAMVERKAN_SMTP_PASSWORD") or None,
        "SAMVERKAN_SMTP_STARTTLS": _flag("SAMVERKAN_SMTP_STARTTLS", True),
        "SAMVERKAN_OUTBOX_PATH": str(INSTANCE_PATH / "outbox"),
        "SAMVERKAN_UPLOAD_PATH": str(INSTANCE_PATH / "uploads"),
        "SAMVERKAN_DOCUMENT_PATH": os.environ.get("SAMVERKAN_DOCUMENT_PATH",
                                                  str(INSTANCE_PATH / "documents")),
        "SAMVERKAN_DOCUMENT_MAX_BYTES": int(os.environ.get("SAMVERKAN_DOCUMENT_MAX_BYTES",
                                                           str(20 * 1024 * 1024))),
        "SAMVERKAN_SIGNIN_LIMIT": os.environ.get("SAMVERKAN_SIGNIN_LIMIT", "10 per 15 minutes"),
        "SAMVERKAN_INVITATION_DAYS": int(os.environ.get("SAMVERKAN_INVITATION_DAYS", "7")),
        "SAMVERKAN_RESET_HOURS": int(os.environ.get("SAMVERKAN_RESET_HOURS", "2")),
        "SAMVERKAN_TOKEN_SECONDS": int(os.environ.get("SAMVERKAN_TOKEN_SECONDS", "3600")),
        "SAMVERKAN_ARGON2_TIME_COST": int(os.environ.get("SAMVERKAN_ARGON2_TIME_COST", "3")),
        "SAMVERKAN_ARGON2_MEMORY_COST": int(os.environ.get("SAMVERKAN_ARGON2_MEMORY_COST", "65536")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_NAME": "samverkan_session",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": int(os.environ.get("SAMVERKAN_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("SAMVERKAN_TIMEZONE", "Europe/Helsinki"),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT_PATH / "translations"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Sign-in must keep working while Redis is down: throttle in memory until it is back.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "API_TITLE": "Samverkan API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "Owner steering, partnership agreements and outcome tracking. "
                "Machine clients authenticate with OAuth2 client credentials at /oauth/token; "
                "people use their signed-in session.",
            },
            "components": {
                "securitySchemes": {
                    "oauth2": {
                        "type": "oauth2",
                        "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}},
                    },
                    "session": {"type": "apiKey", "in": "cookie", "name": "samverkan_session"},
                }
            },
            "security": [{"oauth2": []}, {"session": []}],
        },
        "MIGRATIONS_PATH": str(ROOT_PATH / "migrations"),
    }
