"""Scheduled partnership jobs: the agreement calendar and the reporting reminders.

Each job is a plain function: :func:`samverkan.platform.jobs.enqueue` runs it (it accepts the
``run_id`` keyword), the ``samverkan tick`` command runs both now, and in production rq's cron
scheduler runs :func:`scheduled_tick` daily (``samverkan cron``). Both jobs go through every
active tenant, each in its own tenant scope as the system (no acting user), and commit per
tenant, so one tenant's failure leaves the others' work done. Running them again on the same day
changes and sends nothing more.

Reminders: for each provider party of an active agreement and each period of the tenant's
calendar whose deadline is at most ``reminder_days_before`` days ahead and that has no submitted
or accepted report, the provider reporters of that organisation get an "upcoming" reminder;
once the deadline has passed without one, an "overdue" reminder (for deadlines passed within
``OVERDUE_WINDOW_DAYS``, so that a first run on years of old data does not flood inboxes).
A :class:`ReportReminder` row per party, period and kind (unique) records what went out; it is
committed before the mail is sent, so a rerun never sends one twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from samverkan.partnership.models import ReminderKind, ReportReminder
from samverkan.partnership.services import common
from samverkan.partnership.services.agreements import apply_calendar
from samverkan.partnership.services.common import record
from samverkan.partnership.services.dashboard import Duty, reporting_duties
from samverkan.partnership.services.settings import partnership_settings
from samverkan.platform.config import SUPPORTED_LOCALES
from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.platform.i18n import format_when, translated
from samverkan.platform.mail import send_mail
from samverkan.tenants.models import Membership, Role, Tenant, TenantStatus, User

log = logging.getLogger(__name__)

DEFAULT_MAIL_LOCALE = "sv"
CALENDAR_JOB = "samverkan.partnership.jobs.calendar_job"
REMINDERS_JOB = "samverkan.partnership.jobs.reminders_job"
# When rq's cron scheduler runs the daily tick (UTC): early, before people start reporting.
CRON_SCHEDULE = "15 3 * * *"
OVERDUE_WINDOW_DAYS = 60


def _tenant_ids() -> list[int]:
    with platform_scope("the scheduled partnership jobs visit every active tenant"):
        return list(db.session.scalars(select(Tenant.id).where(
            Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.id)))


def _day(today) -> date:
    if isinstance(today, str):
        return date.fromisoformat(today)
    return today or common.today()


# --- the agreement calendar ----------------------------------------------------------------------


def calendar_job(*, run_id: str | None = None, today: date | str | None = None) -> dict:
    """Activate signed agreements on their start date and end active ones after their end date,
    in every tenant. Returns how many changed."""
    day = _day(today)
    done = {"activated": 0, "ended": 0, "failed_tenants": 0}
    for tenant_id in _tenant_ids():
        with tenant_scope(tenant_id):
            try:
                changed = apply_calendar(db.session.get(Tenant, tenant_id), day)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("agreement calendar failed in tenant %s", tenant_id)
                done["failed_tenants"] += 1
                continue
        done["activated"] += len(changed["activated"])
        done["ended"] += len(changed["ended"])
    return done


# --- reporting reminders -------------------------------------------------------------------------


@dataclass
class Mail:
    to: str
    subject: str
    body: str


def _reminder_kind(duty: Duty, day: date, days_before: int) -> str | None:
    if duty.reported:
        return None
    if duty.period.deadline < day:
        late_by = (day - duty.period.deadline).days
        return ReminderKind.OVERDUE if late_by <= OVERDUE_WINDOW_DAYS else None
    if duty.days_left(day) <= days_before:
        return ReminderKind.UPCOMING
    return None


def _reporters(tenant: Tenant) -> dict[int, list[User]]:
    """The tenant's provider reporters by organisation (people who can sign in)."""
    memberships = db.session.scalars(select(Membership).where(
        Membership.tenant_id == tenant.id, Membership.organisation_id.is_not(None)))
    found: dict[int, list[User]] = {}
    for membership in memberships:
        user = membership.user
        if membership.has_role(Role.PROVIDER_REPORTER) and not user.is_disabled:
            found.setdefault(membership.organisation_id, []).append(user)
    return found


def _mail_locale(user: User, tenant: Tenant) -> str:
    for locale in (user.preferred_locale, tenant.default_locale, DEFAULT_MAIL_LOCALE):
        if locale in SUPPORTED_LOCALES:
            return locale
    return DEFAULT_MAIL_LOCALE


def _link(tenant: Tenant, duty: Duty) -> str | None:
    if "partnership.reports" not in current_app.view_functions:
        return None
    from samverkan.tenants.services.accounts import external_url

    return external_url("partnership.reports", slug=tenant.slug, agreement=duty.agreement.id,
                        period=duty.period.id)


def reminder_mail(tenant: Tenant, user: User, duty: Duty, kind: str) -> Mail:
    """The reminder in the recipient's language."""
    with force_locale(_mail_locale(user, tenant)):
        locale = _mail_locale(user, tenant)
        values = {
            "agreement": f"{duty.agreement.code} {translated(duty.agreement.title, locale, tenant)}".strip(),
            "period": duty.period.label,
            "deadline": format_when(duty.period.deadline),
            "provider": translated(duty.party.organisation.name, locale, tenant),
        }
        if kind == ReminderKind.OVERDUE:
            subject = _("Outcome report overdue: %(agreement)s, %(period)s", **values)
            text = _("The outcome report of %(provider)s for %(period)s under the agreement "
                     "%(agreement)s was due on %(deadline)s and has not been submitted. Please "
                     "submit it as soon as you can.", **values)
        else:
            subject = _("Outcome report due on %(deadline)s: %(agreement)s, %(period)s", **values)
            text = _("The outcome report of %(provider)s for %(period)s under the agreement "
                     "%(agreement)s is due on %(deadline)s.", **values)
        lines = [_("Hello %(name)s,", name=user.display_name), "", text]
        link = _link(tenant, duty)
        if link:
            lines += ["", _("Fill in and submit the report here: %(link)s", link=link)]
        lines += ["", _("This is an automatic reminder from Samverkan.")]
        return Mail(user.email, subject, "\n".join(lines))


def _reminders_of_tenant(tenant: Tenant, day: date) -> tuple[int, list[Mail]]:
    """Record the reminders due in the tenant; return how many and the mails to send (the
    caller commits, then sends)."""
    settings = partnership_settings(tenant)
    duties = reporting_duties(tenant, day)
    if not duties:
        return 0, []
    sent = set(db.session.execute(select(
        ReportReminder.party_id, ReportReminder.period_id, ReportReminder.kind,
    ).where(ReportReminder.tenant_id == tenant.id)).all())
    reporters = _reporters(tenant)
    mails: list[Mail] = []
    count = 0
    for duty in duties:
        kind = _reminder_kind(duty, day, settings.reminder_days_before)
        if kind is None or (duty.party.id, duty.period.id, kind) in sent:
            continue
        recipients = reporters.get(duty.party.organisation_id, [])
        reminder = ReportReminder(tenant_id=tenant.id, agreement_id=duty.agreement.id,
                                  party_id=duty.party.id, period_id=duty.period.id, kind=kind,
                                  recipients=[u.email for u in recipients])
        db.session.add(reminder)
        db.session.flush()
        record("partnership.reminder_sent", reminder, None,
               after={"kind": kind, "period": duty.period.label, "recipients": len(recipients)})
        count += 1
        mails += [reminder_mail(tenant, user, duty, kind) for user in recipients]
    return count, mails


def reminders_job(*, run_id: str | None = None, today: date | str | None = None) -> dict:
    """Send the reporting reminders due today in every tenant, each once."""
    day = _day(today)
    done = {"reminders": 0, "mails": 0, "failed_tenants": 0}
    for tenant_id in _tenant_ids():
        with tenant_scope(tenant_id):
            try:
                count, mails = _reminders_of_tenant(db.session.get(Tenant, tenant_id), day)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("reporting reminders failed in tenant %s", tenant_id)
                done["failed_tenants"] += 1
                continue
        done["reminders"] += count
        for mail in mails:
            try:
                send_mail(mail.to, mail.subject, mail.body)
                done["mails"] += 1
            except Exception:  # the reminder is recorded; a mail server failure is logged
                log.exception("reminder to %s could not be sent", mail.to)
    return done


# --- scheduling ----------------------------------------------------------------------------------


def tick(today: date | str | None = None) -> dict:
    """Run the calendar, then the reminders (which see the agreements activated today)."""
    return {"calendar": calendar_job(today=today), "reminders": reminders_job(today=today)}


def scheduled_tick() -> dict:
    """The entry point rq's cron scheduler enqueues: :func:`tick` in an app context."""
    if has_app_context():
        return tick()
    from samverkan.platform import jobs

    if jobs._worker_app is None:
        from samverkan.platform.app import create_app

        jobs._worker_app = create_app()
    with jobs._worker_app.app_context():
        return tick()


def register_cron(scheduler) -> None:
    """Register the daily tick with an ``rq.cron.CronScheduler``."""
    from samverkan.platform.jobs import QUEUE_NAME

    scheduler.register(scheduled_tick, QUEUE_NAME, cron=CRON_SCHEDULE, job_timeout=1800,
                       name="samverkan.partnership.tick")
