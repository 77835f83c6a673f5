"""Scheduled partnership jobs: the agreement calendar (activation on the start date, ending
after the end date) and the reporting reminders (upcoming and overdue, once each, to the
provider's reporters in their own language), run directly, as queued jobs and by
``samverkan tick``.

The tenant ``kust`` has a purchaser municipality and two providers; North is party to an
agreement for 2025 with quarterly periods (deadline 30 days after a quarter: Q1 on 30 April
2025), South to none. North has three reporters reading en, fi and sv; South one.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from samverkan.partnership import services as psvc
from samverkan.partnership.jobs import REMINDERS_JOB, calendar_job, reminders_job, tick
from samverkan.partnership.models import Agreement, AgreementStatus, ReportReminder
from samverkan.platform import jobs
from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.platform.mail import read_outbox
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

SLUG = "kust"
NORTH = {"en": "north.en@kust.example.org", "fi": "north.fi@kust.example.org",
         "sv": "north.sv@kust.example.org"}
SOUTH = "south@kust.example.org"


class World:
    def __init__(self, app, factory, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)):
        self.app = app
        self.tenant_row = factory.tenant(SLUG, kind="consortium")
        purchaser = factory.organisation(self.tenant_row, kind="municipality")
        self.north = factory.organisation(self.tenant_row, name={"sv": "Norra", "fi": "Pohjoinen"})
        self.south = factory.organisation(self.tenant_row, name={"sv": "Södra", "fi": "Eteläinen"})
        factory.user("admin@kust.example.org", tenant=self.tenant_row, roles=["admin"], locale="en")
        for locale, email in NORTH.items():
            factory.user(email, tenant=self.tenant_row, roles=["provider_reporter"], locale=locale,
                         organisation=SimpleNamespace(id=self.north.id))
        factory.user(SOUTH, tenant=self.tenant_row, roles=["provider_reporter"], locale="en",
                     organisation=SimpleNamespace(id=self.south.id))
        factory.user("viewer@kust.example.org", tenant=self.tenant_row, roles=["viewer"], locale="fi")
        with self.scope():
            admin = self.p("admin@kust.example.org")
            self.periods = [p.id for p in psvc.generate_periods(self.tenant, admin, 2025, 2025)]
            agreement = psvc.create_agreement(self.tenant, admin, psvc.AgreementData(
                code="SP-1", title={"sv": "Partnerskap", "fi": "Kumppanuus"},
                valid_from=valid_from, valid_to=valid_to))
            psvc.add_party(self.tenant, admin, agreement, purchaser.id, "purchaser")
            psvc.add_party(self.tenant, admin, agreement, self.north.id, "provider")
            psvc.add_indicator(self.tenant, admin, agreement, psvc.IndicatorData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
            psvc.transition_agreement(self.tenant, admin, agreement, "negotiation")
            psvc.sign(self.tenant, admin, agreement)
            psvc.sign(self.tenant, self.p(NORTH["en"]), agreement)
            db.session.commit()
            self.agreement_id = agreement.id

    @contextmanager
    def scope(self):
        with self.app.app_context(), tenant_scope(self.tenant_row.id):
            yield

    @property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self.tenant_row.id)

    def p(self, email: str):
        user = db.session.scalar(select(User).where(User.email == email))
        return principal_for_user(self.tenant, user)

    def status(self) -> str:
        with self.scope():
            return db.session.get(Agreement, self.agreement_id).status

    def submit(self, quarter: int) -> None:
        with self.scope():
            agreement = db.session.get(Agreement, self.agreement_id)
            report = psvc.open_report(self.tenant, self.p(NORTH["en"]), agreement,
                                      self.periods[quarter - 1])
            psvc.submit_report(self.tenant, self.p(NORTH["en"]), report, values={"started": "12"})
            db.session.commit()

    def reminders(self) -> list[tuple[str, str]]:
        with self.scope():
            return [(r.kind, r.period_id) for r in db.session.scalars(select(ReportReminder))]


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def outbox(app) -> list[dict]:
    with app.app_context():
        return read_outbox()


def run(app, job, day: str) -> dict:
    with app.app_context():
        return job(today=day)


# --- the calendar --------------------------------------------------------------------------------


def test_calendar_activates_on_the_start_date_and_ends_after_the_end_date(app, factory):
    world = World(app, factory, valid_from=date(2025, 3, 1), valid_to=date(2025, 6, 30))
    assert world.status() == AgreementStatus.SIGNED
    assert run(app, calendar_job, "2025-02-28")["activated"] == 0
    assert world.status() == AgreementStatus.SIGNED
    assert run(app, calendar_job, "2025-03-01") == {"activated": 1, "ended": 0, "failed_tenants": 0}
    assert world.status() == AgreementStatus.ACTIVE
    assert run(app, calendar_job, "2025-03-01")["activated"] == 0  # a rerun changes nothing
    assert run(app, calendar_job, "2025-06-30")["ended"] == 0  # still valid on its last day
    assert run(app, calendar_job, "2025-07-01")["ended"] == 1
    assert world.status() == AgreementStatus.ENDED
    with world.scope():
        from samverkan.platform.audit import AuditEntry

        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "partnership.agreement_status_changed")).all()
        assert [e.after["status"] for e in entries][-2:] == ["active", "ended"]
        assert all(e.actor_id is None for e in entries[-2:])  # the system acted


def test_calendar_leaves_other_tenants_alone(app, factory):
    world = World(app, factory, valid_from=date(2025, 3, 1))
    other = factory.tenant("annan")
    assert run(app, calendar_job, "2025-03-02")["activated"] == 1
    with app.app_context(), tenant_scope(other.id):
        assert db.session.scalar(select(func.count(Agreement.id))) == 0
    assert world.status() == AgreementStatus.ACTIVE


# --- reminders -----------------------------------------------------------------------------------


def activate(app, world) -> None:
    run(app, calendar_job, "2025-01-01")
    assert world.status() == AgreementStatus.ACTIVE


def test_upcoming_reminder_is_sent_once_to_the_providers_reporters(app, world):
    activate(app, world)
    assert run(app, reminders_job, "2025-04-15")["mails"] == 0  # Q1 deadline is 15 days away
    result = run(app, reminders_job, "2025-04-16")
    assert result == {"reminders": 1, "mails": 3, "failed_tenants": 0}
    mails = outbox(app)
    assert sorted(m["to"] for m in mails) == sorted(NORTH.values())
    assert SOUTH not in {m["to"] for m in mails}  # a reporter of another provider gets nothing
    assert world.reminders() == [("upcoming", world.periods[0])]
    # a rerun, the same day or later, sends nothing twice
    assert run(app, reminders_job, "2025-04-16")["mails"] == 0
    assert run(app, reminders_job, "2025-04-29")["mails"] == 0
    assert len(outbox(app)) == 3


def test_overdue_reminder_after_the_deadline(app, world):
    activate(app, world)
    run(app, reminders_job, "2025-04-20")
    result = run(app, reminders_job, "2025-05-01")
    assert result["reminders"] == 1 and result["mails"] == 3
    overdue = [m for m in outbox(app) if m["to"] == NORTH["en"] and "overdue" in m["subject"]]
    assert len(overdue) == 1 and "SP-1" in overdue[0]["subject"] and "2025 Q1" in overdue[0]["subject"]
    assert "has not been submitted" in overdue[0]["body"]
    assert sorted(k for k, _ in world.reminders()) == ["overdue", "upcoming"]
    assert run(app, reminders_job, "2025-05-02")["mails"] == 0


def test_a_submitted_report_stops_the_reminders(app, world):
    activate(app, world)
    world.submit(1)
    assert run(app, reminders_job, "2025-04-20")["reminders"] == 0
    assert run(app, reminders_job, "2025-05-05")["reminders"] == 0
    assert outbox(app) == []


def test_each_recipient_reads_the_reminder_in_their_own_language(app, world):
    activate(app, world)
    run(app, reminders_job, "2025-04-16")
    bodies = {m["to"]: m["body"] for m in outbox(app)}
    # the deadline, 30 April 2025, is written the way each language writes dates
    assert "Apr 30, 2025" in bodies[NORTH["en"]]
    assert "30.4.2025" in bodies[NORTH["fi"]]
    assert "30 apr. 2025" in bodies[NORTH["sv"]]
    # and the agreement's title in the recipient's content language where there is one
    assert "Kumppanuus" in bodies[NORTH["fi"]] and "Partnerskap" in bodies[NORTH["sv"]]


def test_reminders_run_as_a_queued_job(app, world):
    activate(app, world)
    # A job of no tenant is the platform's: its bookkeeping row is written in platform scope
    # (on PostgreSQL, row-level security refuses a tenant-less row outside it).
    with app.app_context(), platform_scope("the platform queues a job of every tenant"):
        run_row = jobs.enqueue(REMINDERS_JOB, today="2025-04-16")
        run_id = run_row.id
        db.session.commit()  # the job runs after the commit (sync mode in tests)
    with app.app_context(), platform_scope("test reads the job's bookkeeping"):
        row = db.session.get(jobs.JobRun, run_id)
        assert row.status == jobs.JobStatus.FINISHED and row.result["mails"] == 3
    assert len(outbox(app)) == 3


def test_tick_command_runs_both_jobs(app, world, runner):
    result = runner.invoke(args=["tick", "--date", "2025-04-16"])
    assert result.exit_code == 0, result.output
    assert "agreements activated: 1" in result.output and "mails: 3" in result.output
    assert world.status() == AgreementStatus.ACTIVE
    again = runner.invoke(args=["tick", "--date", "2025-04-16"])
    assert "agreements activated: 0" in again.output and "mails: 0" in again.output
    bad = runner.invoke(args=["tick", "--date", "yesterday"])
    assert bad.exit_code != 0


def test_tick_function_returns_both_results(app, world):
    with app.app_context():
        result = tick("2025-04-16")
    assert result["calendar"]["activated"] == 1 and result["reminders"]["mails"] == 3


def test_overdue_reminders_skip_deadlines_long_past(app, world):
    activate(app, world)
    result = run(app, reminders_job, "2025-11-10")  # Q1 and Q2 long past, Q3 ten days ago
    assert result["reminders"] == 1
    assert world.reminders() == [("overdue", world.periods[2])]


def test_the_daily_tick_is_registered_with_rqs_cron_scheduler():
    from redis import Redis
    from rq.cron import CronScheduler

    from samverkan.partnership.jobs import CRON_SCHEDULE, register_cron

    scheduler = CronScheduler(connection=Redis(host="127.0.0.1", port=1))  # never connected
    register_cron(scheduler)
    [job] = scheduler._cron_jobs
    assert job.cron == CRON_SCHEDULE and job.queue_name == jobs.QUEUE_NAME
    assert job.func_name == "samverkan.partnership.jobs.scheduled_tick"
