"""Outgoing e-mail: SMTP when configured, otherwise files in ``instance/outbox`` (demo)."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["SAMVERKAN_MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message["Message-ID"] = make_msgid(domain="samverkan")
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message now."""
    message = build_message(to, subject, body)
    config = current_app.config
    if config.get("SAMVERKAN_SMTP_HOST"):
        with smtplib.SMTP(config["SAMVERKAN_SMTP_HOST"], config["SAMVERKAN_SMTP_PORT"]) as smtp:
            if config.get("SAMVERKAN_SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SAMVERKAN_SMTP_USER"):
                smtp.login(config["SAMVERKAN_SMTP_USER"], config["SAMVERKAN_SMTP_PASSWORD"] or "")
            smtp.send_message(message)
        return
    outbox = Path(config["SAMVERKAN_OUTBOX_PATH"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    (outbox / f"{stamp}.eml").write_bytes(bytes(message))


def send_mail_job(to: str, subject: str, body: str, run_id: str | None = None) -> dict:
    """Job form of :func:`send_mail`, so that a slow mail server never holds up a page."""
    send_mail(to, subject, body)
    return {"to": to}


def read_outbox(limit: int = 100) -> list[dict]:
    """The newest messages written to the outbox (demo and debug mode only)."""
    from email import policy
    from email.parser import BytesParser

    outbox = Path(current_app.config["SAMVERKAN_OUTBOX_PATH"])
    if not outbox.exists():
        return []
    messages = []
    for path in sorted(outbox.glob("*.eml"), reverse=True)[:limit]:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        messages.append(
            {
                "name": path.stem,
                "to": parsed["To"],
                "subject": parsed["Subject"],
                "date": parsed["Date"],
                "body": parsed.get_body(preferencelist=("plain",)).get_content(),
            }
        )
    return messages
