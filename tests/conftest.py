"""Fixtures: a migrated database (SQLite, or PostgreSQL when configured), the app, tenants,
users per role and signed-in clients.

Set ``SAMVERKAN_TEST_DATABASE_URL`` (a PostgreSQL URL for a superuser, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/samverkan_test``) to run on PostgreSQL: the
database is recreated, migrated as that user, and the app connects as the role
``samverkan_app``, which owns nothing, so row-level security applies to it.
``SAMVERKAN_TEST_REDIS_URL`` makes Redis available to the tests that use it.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from samverkan.ownership import services as svc
from samverkan.ownership.models import AgendaItem, SteeringGoal
from samverkan.platform.app import create_app
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

PG_URL = os.environ.get("SAMVERKAN_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("SAMVERKAN_TEST_REDIS_URL")
APP_ROLE = "samverkan_app"
PASSWORD = "correct horse battery"


SUMMARY_KEY = pytest.StashKey[list]()


def _cross_tenant_guard():
    """tests/cross_tenant_guard.py, importable as ``cross_tenant_guard`` (the suite runs with
    ``--import-mode=importlib``, which puts no test folder on ``sys.path``)."""
    import importlib.util
    import sys

    if "cross_tenant_guard" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "cross_tenant_guard", Path(__file__).with_name("cross_tenant_guard.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["cross_tenant_guard"] = module
        spec.loader.exec_module(module)
    return sys.modules["cross_tenant_guard"]


def pytest_configure(config):
    config.stash[SUMMARY_KEY] = []
    # Every statement of the run is checked: only allow-listed code reads across tenants.
    _cross_tenant_guard().install(config)
    if os.environ.get("SAMVERKAN_TEST_REQUIRE_SERVICES") and not (PG_URL and REDIS_URL):
        # CI's second run must not quietly skip the PostgreSQL and Redis tests.
        raise pytest.UsageError("SAMVERKAN_TEST_REQUIRE_SERVICES is set: set both "
                                "SAMVERKAN_TEST_DATABASE_URL and SAMVERKAN_TEST_REDIS_URL")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(SUMMARY_KEY, [])
    if lines:
        terminalreporter.section("samverkan checks")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def summary(request):
    """``summary(line)``: print a line in the terminal summary at the end of the run."""
    return request.config.stash[SUMMARY_KEY].append


def pytest_report_header(config):
    return [
        f"database: {'PostgreSQL ' + make_url(PG_URL).database if PG_URL else 'SQLite'}",
        f"redis: {REDIS_URL or 'not configured'}",
    ]


def _prepare_postgres(admin_url: str) -> str:
    """Recreate the test database and the application role; return the app's URL."""
    url = make_url(admin_url)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        exists = connection.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": APP_ROLE}
        )
        if not exists:
            connection.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    server.dispose()
    return url.set(username=APP_ROLE, password=None).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> dict:
    """A migrated, empty database for the whole run: app and admin URLs."""
    instance = tmp_path_factory.mktemp("instance")
    if PG_URL:
        app_url = _prepare_postgres(PG_URL)
        urls = {"app": app_url, "admin": PG_URL, "instance": instance}
    else:
        sqlite_url = f"sqlite:///{instance / 'test.sqlite3'}"
        urls = {"app": sqlite_url, "admin": sqlite_url, "instance": instance}
    app = create_app(_config(urls))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return urls


def _config(urls: dict, **overrides) -> dict:
    instance = Path(urls["instance"])
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": urls["app"],
        "SAMVERKAN_ADMIN_DATABASE_URL": urls["admin"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SAMVERKAN_REDIS_URL": REDIS_URL,
        "SAMVERKAN_JOBS_MODE": "sync",
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "SAMVERKAN_ARGON2_TIME_COST": 1,
        "SAMVERKAN_ARGON2_MEMORY_COST": 8192,
        "SAMVERKAN_OUTBOX_PATH": str(instance / "outbox"),
        "SAMVERKAN_UPLOAD_PATH": str(instance / "uploads"),
        "SAMVERKAN_DOCUMENT_PATH": str(instance / "documents"),
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


def _empty_tables(urls: dict) -> None:
    engine = create_engine(urls["admin"])
    try:
        with engine.begin() as connection:
            tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                connection.execute(text("PRAGMA foreign_keys=OFF"))
                for table in tables:
                    connection.execute(text(f'DELETE FROM "{table}"'))
                if "sqlite_sequence" in {r[0] for r in connection.execute(
                        text("SELECT name FROM sqlite_master"))}:
                    connection.execute(text("DELETE FROM sqlite_sequence"))
    finally:
        engine.dispose()


@pytest.fixture
def app_config(database) -> dict:
    """Override to change the configuration of one test's app."""
    return _config(database)


@pytest.fixture
def app(database, app_config, tmp_path) -> Iterator:
    _empty_tables(database)
    for key in ("SAMVERKAN_OUTBOX_PATH", "SAMVERKAN_UPLOAD_PATH"):
        path = Path(app_config[key])
        if path.exists():
            for item in path.glob("*"):
                if item.is_file():
                    item.unlink()
    application = create_app(app_config)
    # No application context stays pushed: each request gets its own, as in production
    # (a shared one would share ``g`` and the ORM session between requests).
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------------------------


def detached(obj):
    """Load every column of ``obj`` and detach it, so tests can read it outside the context."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


class Factory:
    """Builds tenants, organisations and users the way the services do.

    Each call runs in an application context of its own and returns detached objects.
    """

    def __init__(self, app):
        self.app = app
        self._count = 0

    def _next(self) -> int:
        self._count += 1
        return self._count

    def tenant(self, slug: str | None = None, *, kind: str = "municipality", country: str = "FI",
               locales: list[str] | None = None, name: dict | None = None):
        from samverkan.tenants.services.tenants import TenantData, create_tenant

        slug = slug or f"tenant-{self._next()}"
        with self.app.app_context():
            tenant = create_tenant(TenantData(
                slug=slug, kind=kind, country=country,
                name=name or {"sv": f"Kommun {slug}", "fi": f"Kunta {slug}"},
                content_locales=locales,
            ))
            db.session.commit()
            return detached(tenant)

    def organisation(self, tenant, *, kind: str = "provider", name: dict | None = None,
                     business_id: str | None = None):
        from samverkan.tenants.models import Organisation

        with self.app.app_context(), tenant_scope(tenant.id):
            organisation = Organisation(
                tenant_id=tenant.id, kind=kind, country=tenant.country,
                name=name or {"sv": f"Organisation {self._next()}",
                              "fi": f"Organisaatio {self._count}"},
                business_id=business_id,
            )
            db.session.add(organisation)
            db.session.commit()
            return detached(organisation)

    def user(self, email: str | None = None, *, tenant=None, roles=("viewer",),
             organisation=None, operator: bool = False, locale: str | None = None,
             password: str = PASSWORD):
        from samverkan.tenants.services.accounts import create_user, grant_membership

        email = email or f"user{self._next()}@example.org"
        with self.app.app_context(), platform_scope("test setup"):
            user = create_user(email, password, name=re.sub(r"@.*", "", email),
                               is_operator=operator, locale=locale)
            if tenant is not None:
                grant_membership(tenant.slug, user, list(roles),
                                 organisation_id=organisation.id if organisation else None)
            db.session.commit()
            return detached(user)

    def membership(self, tenant, user, roles, organisation=None):
        from samverkan.tenants.services.accounts import grant_membership

        with self.app.app_context(), platform_scope("test setup"):
            from samverkan.tenants.models import User

            grant_membership(tenant.slug, db.session.get(User, user.id), list(roles),
                             organisation_id=organisation.id if organisation else None)
            db.session.commit()


    # The objects below are written as rows (in the tenant's scope), the way their services
    # store them; tests of those services use the services themselves.

    def invitation(self, tenant, *, email: str | None = None, roles=("viewer",), organisation=None,
                   days: int = 7):
        """An open invitation, stored as the invitations service stores it; returns
        (invitation, token)."""
        import secrets
        from datetime import timedelta

        from samverkan.platform.db import utcnow
        from samverkan.tenants.models import Invitation
        from samverkan.tenants.services.invitations import hash_token

        token = secrets.token_urlsafe(32)
        with self.app.app_context(), tenant_scope(tenant.id):
            invitation = Invitation(
                tenant_id=tenant.id, email=email or f"invitee{self._next()}@example.org",
                roles=list(roles), organisation_id=organisation.id if organisation else None,
                token_hash=hash_token(token), expires_at=utcnow() + timedelta(days=days),
                locale="sv",
            )
            db.session.add(invitation)
            db.session.commit()
            return detached(invitation), token

    def api_client(self, tenant, *, organisation=None, scopes=("read", "report"),
                   name: str | None = None):
        """An API client of the tenant, made by its service; returns (client, secret)."""
        from samverkan.tenants.models import Tenant
        from samverkan.tenants.services.api_clients import ApiClientData, create_client

        with self.app.app_context(), tenant_scope(tenant.id):
            client, secret = create_client(
                db.session.get(Tenant, tenant.id),
                ApiClientData(name=name or f"Client {self._next()}",
                              organisation_id=organisation.id if organisation else None,
                              scopes=list(scopes)),
            )
            db.session.commit()
            return detached(client), secret

    def api_token(self, client, *, scope: str = "read", seconds: int = 3600):
        """An access token of an API client, stored as the token endpoint stores it; returns
        (token row, bearer token). Tests of the token endpoint use the endpoint itself."""
        import secrets
        from datetime import timedelta

        from samverkan.platform.db import utcnow
        from samverkan.platform.oauth import hash_token
        from samverkan.tenants.models import ApiToken

        bearer = secrets.token_urlsafe(32)
        with self.app.app_context(), tenant_scope(client.tenant_id):
            token = ApiToken(
                tenant_id=client.tenant_id, client_id=client.id, token_hash=hash_token(bearer),
                scope=scope, expires_at=utcnow() + timedelta(seconds=seconds),
            )
            db.session.add(token)
            db.session.commit()
            return detached(token), bearer

    def audit_entry(self, tenant, *, action: str = "test.recorded"):
        from samverkan.platform import audit

        with self.app.app_context(), tenant_scope(tenant.id):
            entry = audit.record(action, entity_type="Test", entity_id=self._next(),
                                 after={"n": self._count})
            db.session.commit()
            return detached(entry)

    def job_run(self, tenant, *, name: str = "samverkan.platform.jobs.ping_job"):
        import uuid

        from samverkan.platform.jobs import JobRun

        with self.app.app_context(), tenant_scope(tenant.id):
            run = JobRun(id=str(uuid.uuid4()), name=name, tenant_id=tenant.id)
            db.session.add(run)
            db.session.commit()
            return detached(run)


    def ownership_steering_once(self, tenant) -> dict:
        """:meth:`ownership_steering`, made once per tenant."""
        made = self.__dict__.setdefault("_steering", {})
        if tenant.id not in made:
            made[tenant.id] = self.ownership_steering(tenant)
        return made[tenant.id]

    def ownership_steering(self, tenant) -> dict:
        """Owner steering of ``tenant`` with a row in each of its tables, made by its services:
        two owners with shares, themes, an adopted strategy, a goal with a milestone decided in
        a meeting by both owners' votes, and a progress report. Returns the ids."""
        from datetime import date
        from types import SimpleNamespace

        from samverkan.ownership import services as svc
        from samverkan.tenants.models import Tenant, User
        from samverkan.tenants.permissions import principal_for_user

        n = self._next()
        owners = [self.organisation(tenant, kind="municipality") for _ in range(2)]
        provider = self.organisation(tenant, kind="provider")
        emails = {"admin": f"admin.steering{n}@example.org",
                  "reporter": f"reporter.steering{n}@example.org"}
        self.user(emails["admin"], tenant=tenant, roles=["admin"])
        self.user(emails["reporter"], tenant=tenant, roles=["provider_reporter"],
                  organisation=SimpleNamespace(id=provider.id))
        for i, owner in enumerate(owners):
            emails[i] = f"owner{i}.steering{n}@example.org"
            self.user(emails[i], tenant=tenant, roles=["owner_representative"],
                      organisation=SimpleNamespace(id=owner.id))

        def who(key):
            user = db.session.scalar(select(User).where(User.email == emails[key]))
            return principal_for_user(db.session.get(Tenant, tenant.id), user)

        with self.app.app_context(), tenant_scope(tenant.id):
            row = db.session.get(Tenant, tenant.id)
            stakes = [svc.set_stake(row, who("admin"), svc.StakeData(owner.id, share, date(2020, 1, 1)))
                      for owner, share in zip(owners, ("60.00", "40.00"), strict=True)]
            svc.seed_default_themes(row, who("admin"))
            strategy = svc.create_strategy(row, who("admin"), svc.StrategyData(
                title={"sv": "Ägarstrategi", "fi": "Omistajastrategia"}, from_year=2024, to_year=2027))
            svc.adopt_strategy(row, who("admin"), strategy)
            goal = svc.create_goal(row, who(0), svc.GoalData(
                strategy_id=strategy.id, theme_id=svc.themes(row)[0].id,
                title={"sv": "Fler i arbete", "fi": "Enemmän työllistyneitä"}, description={},
                unit="%", direction="higher", baseline_value="60", baseline_year=2023,
                target_value="80", target_date=date(2026, 12, 31), milestones={2025: "70"}))
            svc.transition_goal(row, who(0), goal, "proposed")
            meeting = svc.create_meeting(row, who("admin"), svc.MeetingData(
                meeting_date=date(2024, 5, 1), agenda={"sv": "Styrmål", "fi": "Ohjaustavoitteet"}))
            item = svc.add_agenda_item(row, who("admin"), meeting, goal)
            for i in range(2):
                svc.cast_vote(row, who(i), item, "yes")
            report = svc.submit_progress(row, who("reporter"), goal, svc.ProgressData(
                period_label="2025", period_date=date(2025, 6, 30), value="70"))
            db.session.commit()
            return {"goal": goal.id, "meeting": meeting.id, "item": item.id,
                    "strategy": strategy.id, "owners": [o.id for o in owners],
                    "stake": stakes[0].id, "theme": goal.theme_id, "report": report.id}

    def partnership_rows(self, tenant) -> dict:
        """Partnership of ``tenant`` with a row in each of its tables, made by its services: a
        purchaser municipality and a provider, a year of quarterly periods, an agreement with a
        commitment and an indicator with a target, signed by both parties, and a report
        submitted with an idempotency key. Returns the ids."""
        import io
        from datetime import date
        from types import SimpleNamespace

        from werkzeug.datastructures import FileStorage

        from samverkan.partnership import services as psvc
        from samverkan.partnership.models import ReportReminder
        from samverkan.partnership.services.documents import add_document
        from samverkan.platform.jobs import JobRun
        from samverkan.tenants.models import Tenant, User
        from samverkan.tenants.permissions import principal_for_user

        made = self.__dict__.setdefault("_partnership", {})
        if tenant.id in made:
            return made[tenant.id]
        n = self._next()
        purchaser = self.organisation(tenant, kind="municipality")
        provider = self.organisation(tenant, kind="provider")
        emails = {"admin": f"admin.partnership{n}@example.org",
                  "reporter": f"reporter.partnership{n}@example.org"}
        self.user(emails["admin"], tenant=tenant, roles=["admin"])
        self.user(emails["reporter"], tenant=tenant, roles=["provider_reporter"],
                  organisation=SimpleNamespace(id=provider.id))

        def who(key):
            user = db.session.scalar(select(User).where(User.email == emails[key]))
            return principal_for_user(db.session.get(Tenant, tenant.id), user)

        with self.app.app_context(), tenant_scope(tenant.id):
            row = db.session.get(Tenant, tenant.id)
            periods = psvc.generate_periods(row, who("admin"), 2025, 2025, frequency="quarter")
            agreement = psvc.create_agreement(row, who("admin"), psvc.AgreementData(
                code=f"SP-{n}", title={"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"},
                valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)))
            psvc.add_party(row, who("admin"), agreement, purchaser.id, "purchaser")
            party = psvc.add_party(row, who("admin"), agreement, provider.id, "provider")
            commitment = psvc.add_commitment(row, who("admin"), agreement, psvc.CommitmentData(
                party_id=party.id, text={"sv": "Studievägledning", "fi": "Opinto-ohjaus"},
                due_date=date(2025, 6, 30)))
            indicator = psvc.add_indicator(row, who("admin"), agreement, psvc.IndicatorData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
            target = psvc.set_target(row, who("admin"), indicator, periods[0].id, "40")
            psvc.transition_agreement(row, who("admin"), agreement, "negotiation")
            psvc.sign(row, who("admin"), agreement)
            signature = psvc.sign(row, who("reporter"), agreement)
            report = psvc.open_report(row, who("reporter"), agreement, periods[0].id)
            psvc.submit_report(row, who("reporter"), report, values={"started": "42"},
                               idempotency_key=f"key-{n}")
            document = add_document(row, who("admin"), agreement, FileStorage(
                io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="avtal.pdf"), "agreement", "Avtal")
            reminder = ReportReminder(agreement_id=agreement.id, party_id=party.id,
                                      period_id=periods[0].id, kind="upcoming", recipients=[])
            run = JobRun(id=str(uuid.uuid4()), name="partnership.import", status="finished")
            db.session.add_all([reminder, run])
            db.session.commit()
            made[tenant.id] = {
                "agreement": agreement.id, "party": party.id, "version": agreement.current_version.id,
                "signature": signature.id, "commitment": commitment.id, "indicator": indicator.id,
                "period": periods[0].id, "target": target.id, "report": report.id,
                "value": report.values[0].id, "purchaser": purchaser.id, "provider": provider.id,
                "document": document.id, "reminder": reminder.id, "run": run.id,
            }
            return made[tenant.id]

    def project_rows(self, tenant) -> dict:
        """A row in each association-project table of ``tenant``, stored as the project
        services store them (made once per tenant): a project with funding, a milestone, an
        event, a document (its file in the document folder) and an invited participant (a
        tenant of its own), and a consent of ``tenant``'s own (for a project of that other
        tenant, as a participant's consent is)."""
        from samverkan.platform.db import utcnow
        from samverkan.platform.files import stored_path
        from samverkan.tenants.project_models import (
            ParticipantConsent,
            Project,
            ProjectDocument,
            ProjectEvent,
            ProjectFunding,
            ProjectMilestone,
            ProjectParticipant,
        )

        made = self.__dict__.setdefault("_projects", {})
        if tenant.id in made:
            return made[tenant.id]
        other = self.tenant()
        with self.app.app_context(), tenant_scope(tenant.id):
            project = Project(tenant_id=tenant.id, code=f"PRJ-{self._next()}",
                              name={"sv": "Projekt", "fi": "Hanke"}, description={},
                              starts_on=date(2024, 1, 1), status="running", min_group_size=3)
            project.funding.append(ProjectFunding(tenant_id=tenant.id, source={"fi": "Ministeriö"},
                                                  amount=100000, currency="EUR"))
            project.milestones.append(ProjectMilestone(
                tenant_id=tenant.id, title={"fi": "Aloitus"}, due_date=date(2024, 3, 1)))
            project.events.append(ProjectEvent(tenant_id=tenant.id, event_date=date(2024, 5, 1),
                                               title={"fi": "Seminaari"}, place="Vaasa"))
            participant = ProjectParticipant(tenant_id=tenant.id, participant_tenant_id=other.id,
                                             status="invited", invited_at=utcnow())
            project.participants.append(participant)
            db.session.add(project)
            db.session.flush()
            consent = ParticipantConsent(tenant_id=tenant.id, project_id=project.id + 1000,
                                         participant_id=participant.id + 1000,
                                         association_tenant_id=other.id,
                                         indicator_codes=["started"], granted_at=utcnow())
            db.session.add(consent)
            document = ProjectDocument(
                tenant_id=tenant.id, project_id=project.id, doc_type="plan", title="Plan",
                filename="plan.pdf", content_type="application/pdf", size=15, sha256="0" * 64,
                storage_key=uuid.uuid4().hex)
            db.session.add(document)
            path = stored_path(tenant.id, document.storage_key)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.4\n%%EOF\n")
            db.session.commit()
            made[tenant.id] = {"project": project.id, "participant": participant.id,
                               "consent": consent.id, "funding": project.funding[0].id,
                               "milestone": project.milestones[0].id, "event": project.events[0].id,
                               "document": document.id}
            return made[tenant.id]

    def library_rows(self, tenant) -> dict:
        """A row in each indicator library table of ``tenant`` (made once per tenant): an
        indicator template and an agreement template holding it, with a code naming the tenant
        (so that no two tenants share one). Returns the ids and the code."""
        from samverkan.partnership.models import (
            AgreementTemplate,
            AgreementTemplateItem,
            IndicatorTemplate,
        )

        made = self.__dict__.setdefault("_library", {})
        if tenant.id in made:
            return made[tenant.id]
        code = f"lib-{tenant.slug}"
        with self.app.app_context(), tenant_scope(tenant.id):
            template = IndicatorTemplate(tenant_id=tenant.id, code=code, version=1,
                                         name={"sv": "Påbörjade", "fi": "Aloittaneet"},
                                         definition={}, unit="count")
            agreement_template = AgreementTemplate(tenant_id=tenant.id, code=code, version=1,
                                                   name={"sv": "Grundpaket", "fi": "Peruspaketti"},
                                                   description={})
            agreement_template.items.append(AgreementTemplateItem(
                tenant_id=tenant.id, indicator_template=template, position=1))
            db.session.add_all([template, agreement_template])
            db.session.commit()
            made[tenant.id] = {"template": template.id, "agreement_template": agreement_template.id,
                               "item": agreement_template.items[0].id, "code": code}
            return made[tenant.id]

    def authorisation_rows(self, tenant) -> dict:
        """A row in each authorisation table of ``tenant`` (made once per tenant): a criterion,
        a provider's draft application answering it and a sanction of it. Returns the ids."""
        from samverkan.partnership.authorisation_models import (
            ApplicationAnswer,
            AuthorisationApplication,
            AuthorisationCriterion,
            AuthorisationSanction,
        )

        made = self.__dict__.setdefault("_authorisation", {})
        if tenant.id in made:
            return made[tenant.id]
        provider = self.organisation(tenant, kind="provider")
        with self.app.app_context(), tenant_scope(tenant.id):
            criterion = AuthorisationCriterion(tenant_id=tenant.id, code="K1", position=1,
                                               text={"sv": "Behöriga lärare", "fi": "Pätevät"},
                                               evidence={})
            application = AuthorisationApplication(tenant_id=tenant.id,
                                                   organisation_id=provider.id)
            application.answers.append(ApplicationAnswer(tenant_id=tenant.id, criterion=criterion,
                                                         answer="Ja"))
            application.sanctions.append(AuthorisationSanction(
                tenant_id=tenant.id, level="remark", decided_on=date(2026, 1, 15),
                reason={"sv": "Sen rapport"}))
            db.session.add_all([criterion, application])
            db.session.commit()
            made[tenant.id] = {"criterion": criterion.id, "application": application.id,
                               "answer": application.answers[0].id, "provider": provider.id}
            return made[tenant.id]

    def purchasing_rows(self, tenant) -> dict:
        """A row in each purchasing table of ``tenant`` (made once per tenant): a compensation
        model version, an enrolment, an invoice with a line, an attachment of the authorisation
        answer and a follow-up action. Returns the ids."""
        from samverkan.partnership.purchasing_models import (
            AnswerAttachment,
            CompensationVersion,
            Enrolment,
            FollowUpAction,
            Invoice,
            InvoiceLine,
        )

        made = self.__dict__.setdefault("_purchasing", {})
        if tenant.id in made:
            return made[tenant.id]
        rows = self.authorisation_rows(tenant)
        provider_id = rows["provider"]
        with self.app.app_context(), tenant_scope(tenant.id):
            version = CompensationVersion(
                tenant_id=tenant.id, version=1, valid_from=date(2025, 1, 1), base_year=2025,
                during_course_share=Decimal("0.65"), on_grades_share=Decimal("0.35"),
                grade_deadline_days=30,
                components=[{"course_type": "vocational", "basis": "course_point",
                             "amount": "60"}])
            enrolment = Enrolment(
                tenant_id=tenant.id, organisation_id=provider_id, student_ref="S-1",
                course_type="vocational", course_code="VARVAR0", starts_on=date(2025, 1, 13),
                ends_on=date(2025, 3, 21), course_points=Decimal(100))
            invoice = Invoice(tenant_id=tenant.id, organisation_id=provider_id, number="F-1",
                              period_start=date(2025, 1, 1), period_end=date(2025, 1, 31),
                              received_on=date(2025, 2, 5))
            invoice.lines.append(InvoiceLine(tenant_id=tenant.id, student_ref="S-1",
                                             course_type="vocational", part="during_course",
                                             amount=Decimal("1300.00")))
            attachment = AnswerAttachment(
                tenant_id=tenant.id, answer_id=rows["answer"], filename="intyg.pdf",
                content_type="application/pdf", size=4, sha256="0" * 64,
                storage_key=f"attachment-{tenant.id}")
            action = FollowUpAction(
                tenant_id=tenant.id, organisation_id=provider_id, source_kind="spot_check",
                source_id=1, description="Rätta närvaron", owner="Rektor",
                due_on=date(2025, 3, 1))
            db.session.add_all([version, enrolment, invoice, attachment, action])
            db.session.commit()
            made[tenant.id] = {"version": version.id, "enrolment": enrolment.id,
                               "invoice": invoice.id, "invoice_line": invoice.lines[0].id,
                               "attachment": attachment.id, "action": action.id,
                               "provider": provider_id}
            return made[tenant.id]

    def spot_check_rows(self, tenant) -> dict:
        """A row in each spot-check table of ``tenant`` (made once per tenant): a spot check of
        the purchasing rows' provider with one sampled item. Returns the ids."""
        from samverkan.partnership.spot_check_models import SpotCheck, SpotCheckItem

        made = self.__dict__.setdefault("_spot_checks", {})
        if tenant.id in made:
            return made[tenant.id]
        rows = self.purchasing_rows(tenant)
        with self.app.app_context(), tenant_scope(tenant.id):
            spot_check = SpotCheck(
                tenant_id=tenant.id, organisation_id=rows["provider"],
                population_kind="enrolments", period_start=date(2025, 1, 1),
                period_end=date(2025, 6, 30), seed="0123456789abcdef", sample_count=1,
                population_size=1, population_refs=["S-1/VARVAR0"])
            spot_check.items.append(SpotCheckItem(tenant_id=tenant.id, rank=1,
                                                  ref="S-1/VARVAR0", status="finding",
                                                  finding="Närvaro saknas"))
            db.session.add(spot_check)
            db.session.commit()
            made[tenant.id] = {"spot_check": spot_check.id, "item": spot_check.items[0].id,
                               "provider": rows["provider"], "action": rows["action"]}
            return made[tenant.id]


    def training_order_rows(self, tenant) -> dict:
        """A row in each training-order table of ``tenant`` (made once per tenant): an
        employer's order sent to the authorisation rows' provider, with its offer. Returns the
        ids."""
        from samverkan.partnership.training_order_models import (
            TrainingOffer,
            TrainingOrder,
            TrainingOrderRecipient,
        )

        made = self.__dict__.setdefault("_training_orders", {})
        if tenant.id in made:
            return made[tenant.id]
        provider_id = self.authorisation_rows(tenant)["provider"]
        employer = self.organisation(tenant, kind="employer")
        with self.app.app_context(), tenant_scope(tenant.id):
            order = TrainingOrder(
                tenant_id=tenant.id, employer_id=employer.id, competence="Svetsare",
                programme_area="industry", people=4, place="Borlänge",
                wanted_start_on=date(2025, 3, 3), need_registered_on=date(2025, 2, 1),
                specification={"sv": "Svetsning MIG/MAG"}, status="sent",
                sent_on=date(2025, 2, 3), answer_by=date(2025, 2, 14))
            order.recipients.append(TrainingOrderRecipient(tenant_id=tenant.id,
                                                           organisation_id=provider_id))
            order.offers.append(TrainingOffer(
                tenant_id=tenant.id, organisation_id=provider_id,
                planned_start_on=date(2025, 3, 3), places=4, price=Decimal("120000.00"),
                description="Kvällskurs", status="submitted"))
            db.session.add(order)
            db.session.commit()
            made[tenant.id] = {"order": order.id, "recipient": order.recipients[0].id,
                               "offer": order.offers[0].id, "provider": provider_id,
                               "employer": employer.id}
            return made[tenant.id]

    def dialogue_rows(self, tenant) -> dict:
        """A row in each quality-dialogue table of ``tenant`` (made once per tenant): an agenda
        template item, a dialogue with the purchasing rows' provider, a guidance observation
        taken to it and an action agreed in it. Returns the ids."""
        from samverkan.partnership.dialogue_models import (
            AgendaTemplateItem,
            GuidanceObservation,
            QualityDialogue,
        )
        from samverkan.partnership.purchasing_models import FollowUpAction

        made = self.__dict__.setdefault("_dialogues", {})
        if tenant.id in made:
            return made[tenant.id]
        provider_id = self.purchasing_rows(tenant)["provider"]
        with self.app.app_context(), tenant_scope(tenant.id):
            item = AgendaTemplateItem(tenant_id=tenant.id, position=1,
                                      text={"sv": "Resultat", "fi": "Tulokset"})
            dialogue = QualityDialogue(tenant_id=tenant.id, organisation_id=provider_id,
                                       scheduled_on=date(2026, 3, 10), status="planned",
                                       agenda={"sv": "1. Resultat"}, minutes={})
            dialogue.observations.append(GuidanceObservation(
                tenant_id=tenant.id, organisation_id=provider_id, observed_on=date(2026, 2, 1),
                theme="teaching", tone="concern", text="Få lärarledda timmar",
                status="taken_to_dialogue"))
            db.session.add_all([item, dialogue])
            db.session.flush()
            action = FollowUpAction(
                tenant_id=tenant.id, organisation_id=provider_id, source_kind="dialogue",
                source_id=dialogue.id, description="Fler lärarledda timmar", owner="Rektor",
                owner_party="provider", due_on=date(2026, 6, 1))
            db.session.add(action)
            db.session.commit()
            made[tenant.id] = {"agenda_item": item.id, "dialogue": dialogue.id,
                               "observation": dialogue.observations[0].id, "action": action.id,
                               "provider": provider_id}
            return made[tenant.id]


@pytest.fixture
def factory(app) -> Factory:
    return Factory(app)


MEETING_DAY = date(2025, 5, 12)
OWNERS = ("vasa", "korsholm", "narpes")


class SteeringWorld:
    """A consortium tenant owned by Vasa 45 %, Korsholm 30 % and Närpes 25 % (Malax holds no
    share), with a member per role (e-mails ``<key>.<slug>@example.org``: admin, vasa, vasa2,
    korsholm, narpes, malax, reporter, viewer), themes and an adopted strategy 2025-2028.
    Every step runs in its own application context, as requests do."""

    def __init__(self, app, factory, shares=("45.00", "30.00", "25.00"), slug="kust"):
        self.app = app
        self._tenant = factory.tenant(slug, kind="consortium")
        names = {
            "vasa": {"sv": "Vasa", "fi": "Vaasa"},
            "korsholm": {"sv": "Korsholm", "fi": "Mustasaari"},
            "narpes": {"sv": "Närpes", "fi": "Närpiö"},
            "malax": {"sv": "Malax", "fi": "Maalahti"},  # a municipality with no share
        }
        self.org_ids = {
            key: factory.organisation(self._tenant, kind="municipality", name=name).id
            for key, name in names.items()
        }
        self.org_ids["provider"] = factory.organisation(
            self._tenant, kind="provider", name={"sv": "Yrkesakademin", "fi": "Yrkesakademin"}).id
        self.emails: dict[str, str] = {}
        members = {
            "admin": (["admin"], None), "vasa": (["owner_representative"], "vasa"),
            "vasa2": (["owner_representative"], "vasa"),
            "korsholm": (["owner_representative"], "korsholm"),
            "narpes": (["owner_representative"], "narpes"),
            "malax": (["owner_representative"], "malax"),
            "reporter": (["provider_reporter"], "provider"), "viewer": (["viewer"], None),
        }
        for key, (roles, org) in members.items():
            email = f"{key}.{slug}@example.org"
            organisation = SimpleNamespace(id=self.org_ids[org]) if org else None
            factory.user(email, tenant=self._tenant, roles=roles, organisation=organisation,
                         locale="en")
            self.emails[key] = email
        with self.scope():
            admin = self.p("admin")
            for key, share in zip(OWNERS, shares, strict=True):
                svc.set_stake(self.tenant, admin, svc.StakeData(self.org_ids[key], share, date(2020, 1, 1),
                                                                "Grundkapital"))
            svc.seed_default_themes(self.tenant, admin)
            strategy = svc.create_strategy(self.tenant, admin, svc.StrategyData(
                title={"sv": "Ägarstrategi 2025-2028", "fi": "Omistajastrategia 2025-2028"},
                from_year=2025, to_year=2028))
            svc.adopt_strategy(self.tenant, admin, strategy)
            db.session.commit()
            self.strategy_id = strategy.id
            self.theme_ids = {theme.code: theme.id for theme in svc.themes(self.tenant)}

    @property
    def id(self) -> int:
        return self._tenant.id

    @contextmanager
    def scope(self):
        with self.app.app_context(), tenant_scope(self._tenant.id):
            yield

    @property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self._tenant.id)

    def p(self, key: str):
        user = db.session.scalar(select(User).where(User.email == self.emails[key]))
        return principal_for_user(self.tenant, user)

    def goal(self, goal_id: int) -> SteeringGoal:
        return db.session.get(SteeringGoal, goal_id)

    def item(self, item_id: int) -> AgendaItem:
        return db.session.get(AgendaItem, item_id)

    def goal_data(self, **overrides) -> svc.GoalData:
        values = dict(
            strategy_id=self.strategy_id, theme_id=self.theme_ids["employment"],
            title={"sv": "Fler i arbete efter examen", "fi": "Enemmän työllistyneitä"},
            description={"sv": "Andel sysselsatta", "fi": "Työllisten osuus"},
            unit="%", direction="higher", baseline_value="60", baseline_year=2022,
            target_value="80", target_date=date(2024, 1, 1), milestones={2023: "70"},
        )
        values.update(overrides)
        return svc.GoalData(**values)

    def new_goal(self, status: str = "draft", by: str = "vasa", **overrides) -> int:
        with self.scope():
            goal = svc.create_goal(self.tenant, self.p(by), self.goal_data(**overrides))
            if status != "draft":
                svc.transition_goal(self.tenant, self.p(by), goal, "proposed")
            db.session.commit()
            goal_id = goal.id
        if status == "adopted":
            self.adopt(goal_id)
        return goal_id

    def meeting(self, day: date = MEETING_DAY) -> int:
        with self.scope():
            meeting = svc.create_meeting(self.tenant, self.p("admin"), svc.MeetingData(
                meeting_date=day, agenda={"sv": "Styrmål", "fi": "Ohjaustavoitteet"}))
            db.session.commit()
            return meeting.id

    def agenda(self, meeting_id: int, goal_id: int) -> int:
        with self.scope():
            from samverkan.ownership.models import OwnersMeeting

            meeting = db.session.get(OwnersMeeting, meeting_id)
            item = svc.add_agenda_item(self.tenant, self.p("admin"), meeting, self.goal(goal_id))
            db.session.commit()
            return item.id

    def vote(self, item_id: int, who: str, choice: str) -> None:
        with self.scope():
            svc.cast_vote(self.tenant, self.p(who), self.item(item_id), choice)
            db.session.commit()

    def adopt(self, *goal_ids: int) -> None:
        meeting_id = self.meeting()
        for goal_id in goal_ids:
            item_id = self.agenda(meeting_id, goal_id)
            for owner in OWNERS:
                self.vote(item_id, owner, "yes")

    def set_rule(self, **settings) -> None:
        with self.scope():
            svc.update_ownership_settings(self.tenant, self.p("admin"), settings)
            db.session.commit()

    def actions(self) -> list[str]:
        with self.scope():
            return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def make_steering(app, factory):
    """``make_steering(shares=..., slug=...)``: another :class:`SteeringWorld`."""
    return lambda **options: SteeringWorld(app, factory, **options)


@pytest.fixture
def steering(make_steering) -> SteeringWorld:
    """Owner steering of the consortium ``kust``: see :class:`SteeringWorld`."""
    return make_steering()


class Snapshots:
    """Every row of every table (across tenants), to prove that requests changed nothing."""

    def __init__(self, app):
        self.app = app

    def take(self) -> dict[str, list[tuple]]:
        from sqlalchemy import select

        with self.app.app_context(), platform_scope("test: compares every tenant's rows"):
            snapshot = {}
            for table in db.metadata.sorted_tables:
                rows = db.session.execute(select(table)).all()
                snapshot[table.name] = sorted(tuple(map(repr, row)) for row in rows)
            db.session.rollback()
            return snapshot

    @staticmethod
    def changes(before: dict, after: dict) -> dict[str, str]:
        """Tables whose rows differ between two snapshots, with their row counts."""
        return {
            name: f"{len(before.get(name, []))} -> {len(after.get(name, []))} rows"
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)
        }


@pytest.fixture
def snapshots(app) -> Snapshots:
    return Snapshots(app)


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign a test client in through the real sign-in form."""
    response = client.post("/signin", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def sign_in_as():
    return sign_in


# --- a real browser against a served app -----------------------------------------------------
# Playwright never downloads a browser: it starts Debian's /usr/bin/chromium, and browser tests
# are skipped (with the reason printed) without it, or fail where CI requires it.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]



def require_chromium() -> None:
    """Skip (with the reason printed) without Chromium; fail instead where CI requires it."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
    if os.environ.get("SAMVERKAN_TEST_REQUIRE_BROWSER"):
        pytest.fail(f"SAMVERKAN_TEST_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serve(app_config: dict):
    """The app on http://127.0.0.1:<free port> in a background thread, with CSRF on as in
    production; yields (base URL, app)."""
    import threading

    from werkzeug.serving import make_server

    application = create_app({**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False})
    port = _free_port()
    server = make_server("127.0.0.1", port, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", application
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def browser():
    require_chromium()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _translations(application, locale: str, *messages: str) -> list[str]:
    from flask_babel import force_locale, gettext

    with application.test_request_context(), force_locale(locale):
        return [gettext(message) for message in messages]


@pytest.fixture
def serve():
    """``with serve(app_config) as (base_url, app)``: the app on a free local port in a
    background thread, with CSRF on as in production."""
    require_chromium()
    return _serve


@pytest.fixture
def translate():
    """``translate(app, locale, *messages)``: the messages as the app shows them in ``locale``."""
    return _translations


# --- accessibility and HTML validity (tests/accessibility.py) --------------------------------


def _accessibility():
    """tests/accessibility.py, importable as ``accessibility`` by browser tests."""
    import importlib.util
    import sys

    if "accessibility" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "accessibility", Path(__file__).with_name("accessibility.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["accessibility"] = module
        spec.loader.exec_module(module)
    return sys.modules["accessibility"]


_accessibility()


def pytest_sessionfinish(session, exitstatus):
    """One Nu HTML Checker run over every page ``accessibility.audit`` saw; errors fail the run."""
    _accessibility().finish_session(session, session.config.stash[SUMMARY_KEY])


@pytest.fixture(scope="module")
def demo_site(database):
    """The demo data (``samverkan seed-demo``) in the emptied test database, served once for a
    whole module with CSRF on: yields (base URL, app). The module's tests share its state, so
    each one changes only what no other test of the module relies on."""
    require_chromium()
    from samverkan.platform.demo import seed

    _empty_tables(database)
    config = _config(database)
    application = create_app(config)
    with application.app_context():
        seed()
        db.engine.dispose()
    with _serve(config) as served:
        yield served


@pytest.fixture(scope="module")
def module_browser():
    """Like ``browser``, one Chromium for a whole module (each test opens its own contexts)."""
    require_chromium()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
