"""Languages: locale selection, per-locale content and Babel formatting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request, session
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale
from flask_babel import format_currency as babel_currency
from flask_login import current_user
from markupsafe import Markup, escape

from samverkan.platform.config import CONTENT_LOCALES, SUPPORTED_LOCALES

babel = Babel()

LANGUAGE_NAMES = {"sv": "Svenska", "fi": "Suomi", "en": "English"}


def select_locale() -> str:
    """The user's saved choice, then ?lang= or the session's, the tenant's default, the browser.

    On the API a request's ``Accept-Language`` comes before the tenant's default: a client
    states its language there."""
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and user.preferred_locale in SUPPORTED_LOCALES:
        return user.preferred_locale
    chosen = session.get("lang")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if request.path.startswith("/api/") and request.accept_languages:
        asked = request.accept_languages.best_match(SUPPORTED_LOCALES)
        if asked:
            return asked
    tenant = getattr(g, "tenant", None)
    if tenant is not None and tenant.default_locale in SUPPORTED_LOCALES:
        return tenant.default_locale
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "en"


def remember_requested_language() -> None:
    """Save ``?lang=`` for the session, and for the signed-in user."""
    lang = request.args.get("lang")
    if lang not in SUPPORTED_LOCALES:
        return
    session["lang"] = lang
    if current_user and current_user.is_authenticated and current_user.preferred_locale != lang:
        from samverkan.platform.db import db

        current_user.preferred_locale = lang
        db.session.commit()


def current_locale() -> str:
    return str(get_locale() or "en")


def translated(value: dict | None, locale: str | None = None, tenant=None) -> str:
    """Pick a per-locale value: the locale asked for, the tenant's default, then any."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    locale = locale or current_locale()
    if value.get(locale):
        return value[locale]
    tenant = tenant if tenant is not None else getattr(g, "tenant", None)
    if tenant is not None and value.get(tenant.default_locale):
        return value[tenant.default_locale]
    for candidate in (*CONTENT_LOCALES, "en"):
        if value.get(candidate):
            return value[candidate]
    return next((v for v in value.values() if v), "")


def missing_locales(value: dict | None, locales: list[str]) -> list[str]:
    """Content locales of the tenant with no text in ``value``."""
    value = value or {}
    return [loc for loc in locales if not (value.get(loc) or "").strip()]


def format_money(amount: Decimal | float | int | None, currency: str | None = None) -> str:
    if amount is None:
        return "–"
    tenant = getattr(g, "tenant", None)
    currency = currency or (tenant.currency if tenant is not None else "EUR")
    return babel_currency(amount, currency)


def format_number(value, digits: int | None = None) -> str:
    if value is None:
        return "–"
    if digits is not None:
        return format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0")
    return format_decimal(value)


def format_when(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return format_datetime(value, style)
    return format_date(value, style)


def _translated_filter(value, locale=None) -> str:
    return translated(value, locale)


def _missing_marker(value, locales) -> Markup:
    from flask_babel import gettext

    missing = missing_locales(value, list(locales))
    if not missing:
        return Markup("")
    names = ", ".join(LANGUAGE_NAMES.get(loc, loc) for loc in missing)
    return Markup('<span class="badge badge-warning">{}</span>').format(
        escape(gettext("Translation missing: %(languages)s", languages=names))
    )


def compile_catalogues(translations_dir: Path) -> None:
    """Compile each messages.po whose .mo is missing or older (the build step does the same)."""
    for po_path in translations_dir.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=po_path.parent.parent.name)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalogue)
        except OSError:
            continue


def init_app(app: Flask) -> None:
    compile_catalogues(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(remember_requested_language)
    app.jinja_env.filters["tr"] = _translated_filter
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.globals["missing_marker"] = _missing_marker
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["SUPPORTED_LOCALES"] = SUPPORTED_LOCALES
    app.jinja_env.globals["current_locale"] = current_locale
