"""Association projects: projects with funding, milestones and events by role; invitations,
requests to join, approval and leaving; consent granted, narrowed and withdrawn with entries in
both tenants' audit trails; and the one cross-tenant read path, which shares nothing without
consent, drops a withdrawn participant at once and never names an anonymised one.

The world: the association ``forbundet`` (a coordinator, an admin and a viewer) and the
municipalities ``vasa``, ``malax`` and ``korsholm`` and the consortium ``kust`` (an admin and a
viewer each, ``<role>.<slug>@example.org``). Each step runs in its own application context, as
requests do.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from samverkan.partnership import services as psvc
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user
from samverkan.tenants.project_models import (
    ParticipantConsent,
    ParticipantStatus,
    Project,
    ProjectParticipant,
)
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import projects as prj
from samverkan.tenants.services import sharing
from samverkan.tenants.services.participation import ConsentData
from samverkan.tenants.services.projects import ProjectError, ProjectPermissionError

D = Decimal
PARTICIPANTS = ("vasa", "malax", "korsholm", "kust")


@contextmanager
def refused(error_class=ProjectError, field: str | None = None, code: str | None = None):
    """Expect the block to raise ``error_class`` with this field and code."""
    with pytest.raises(error_class) as caught:
        yield
    error = caught.value
    assert field is None or error.field == field, (error.field, error.code)
    assert code is None or error.code == code, (error.field, error.code)
    with force_locale("en"):
        assert str(error.message)


class World:
    def __init__(self, app, factory):
        self.app = app
        self.factory = factory
        self.tenants = {"forbundet": factory.tenant("forbundet", kind="association")}
        for slug in PARTICIPANTS:
            kind = "consortium" if slug == "kust" else "municipality"
            self.tenants[slug] = factory.tenant(slug, kind=kind, name={
                "sv": f"Namn {slug}", "fi": f"Nimi {slug}"})
        self.tenants["other"] = factory.tenant("other", kind="association")
        factory.user("coordinator.forbundet@example.org", tenant=self.tenants["forbundet"],
                     roles=["coordinator"])
        factory.user("coordinator.vasa@example.org", tenant=self.tenants["vasa"],
                     roles=["coordinator"])
        for slug in ("forbundet", *PARTICIPANTS):
            factory.user(f"admin.{slug}@example.org", tenant=self.tenants[slug], roles=["admin"])
            factory.user(f"viewer.{slug}@example.org", tenant=self.tenants[slug],
                         roles=["viewer"])
        with self.scope("forbundet"):
            project = prj.create_project(self.tenant("forbundet"), self.p("coordinator"),
                                         prj.ProjectData(
                code="SP-2024", name={"sv": "Strategiskt partnerskap", "fi": "Strateginen"},
                starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31), status="running"))
            db.session.commit()
            self.project_id = project.id

    @contextmanager
    def scope(self, slug: str):
        with self.app.app_context(), tenant_scope(self.tenants[slug].id):
            yield

    def tenant(self, slug: str) -> Tenant:
        return db.session.get(Tenant, self.tenants[slug].id)

    def id(self, slug: str) -> int:
        return self.tenants[slug].id

    def p(self, role: str, slug: str = "forbundet"):
        user = db.session.scalar(select(User).where(User.email == f"{role}.{slug}@example.org"))
        return principal_for_user(self.tenant(slug), user)

    def project(self) -> Project:
        return db.session.get(Project, self.project_id)

    def invite(self, slug: str) -> int:
        with self.scope("forbundet"):
            row = part.invite(self.tenant("forbundet"), self.p("coordinator"), self.project(),
                              self.tenant(slug))
            db.session.commit()
            return row.id

    def join(self, slug: str, codes=("started",), anonymised=False, goals=False) -> int:
        """Invited and accepted with a consent; returns the participant id."""
        participant_id = self.invite(slug)
        with self.scope(slug):
            part.accept(self.tenant(slug), self.p("admin", slug), participant_id,
                        ConsentData(list(codes), anonymised, goals))
            db.session.commit()
        return participant_id

    def consent(self, slug: str, participant_id: int, codes=("started",), anonymised=False,
                goals=False):
        with self.scope(slug):
            part.grant_consent(self.tenant(slug), self.p("admin", slug), participant_id,
                               ConsentData(list(codes), anonymised, goals))
            db.session.commit()

    def withdraw(self, slug: str, participant_id: int) -> None:
        with self.scope(slug):
            part.withdraw_consent(self.tenant(slug), self.p("admin", slug), participant_id)
            db.session.commit()

    def report(self, slug: str, values: dict[str, dict[str, str]], *, accept: bool = True,
               adopted_from: str | None = "forbundet") -> None:
        """An agreement of ``slug`` with the indicators named in ``values`` (code -> period
        label -> value), adopted from the library of ``adopted_from`` (None: the tenant's own
        indicators of the same codes), reported for each period and accepted (or only
        submitted)."""
        factory = self.factory
        tenant = self.tenants[slug]
        purchaser = factory.organisation(tenant, kind="municipality")
        provider = factory.organisation(tenant, kind="provider")
        reporter = f"reporter{factory._next()}.{slug}@example.org"
        factory.user(reporter, tenant=tenant, roles=["provider_reporter"],
                     organisation=SimpleNamespace(id=provider.id))
        with self.scope(slug):
            row, admin = self.tenant(slug), self.p("admin", slug)
            who = principal_for_user(row, db.session.scalar(select(User).where(
                User.email == reporter)))
            periods = {p.label: p.id for p in psvc.periods(row)} or {
                p.label: p.id for p in psvc.generate_periods(row, admin, 2024, 2025,
                                                             frequency="quarter")}
            agreement = psvc.create_agreement(row, admin, psvc.AgreementData(
                code=f"A-{factory._next()}", title={"sv": "Avtal", "fi": "Sopimus"},
                valid_from=date(2024, 1, 1), valid_to=date(2025, 12, 31)))
            psvc.add_party(row, admin, agreement, purchaser.id, "purchaser")
            psvc.add_party(row, admin, agreement, provider.id, "provider")
            for code in values:
                indicator = psvc.add_indicator(row, admin, agreement, psvc.IndicatorData(
                    code=code, name={"sv": code, "fi": code}, unit="count"))
                if adopted_from is not None:
                    indicator.template_tenant_id = self.tenants[adopted_from].id
                    indicator.template_code, indicator.template_version = code, 1
            psvc.transition_agreement(row, admin, agreement, "negotiation")
            psvc.sign(row, admin, agreement)
            psvc.sign(row, who, agreement)
            labels = sorted({label for per in values.values() for label in per})
            for label in labels:
                report = psvc.open_report(row, who, agreement, periods[label])
                psvc.submit_report(row, who, report, values={
                    code: per[label] for code, per in values.items() if label in per})
                if accept:
                    psvc.accept_report(row, admin, report)
            db.session.commit()

    def actions(self, slug: str) -> list[str]:
        with self.scope(slug):
            return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))

    def shared(self, code="started", period="2025 Q1", viewer: str = "forbundet"):
        with self.scope(viewer):
            return sharing.shared_values(self.project_id, code, period,
                                         viewer_tenant_id=self.id(viewer))


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


# --- projects --------------------------------------------------------------------------------


def test_a_coordinator_runs_a_project_with_funding_milestones_and_events(world):
    with world.scope("forbundet"):
        tenant, coordinator, project = world.tenant("forbundet"), world.p("coordinator"), world.project()
        prj.update_project(tenant, coordinator, project, prj.ProjectData(
            code="SP-2024", name={"sv": "Strategiskt partnerskap och ägarstyrning",
                                  "fi": "Strateginen kumppanuus ja omistajaohjaus"},
            starts_on="2024-01-01", ends_on="2026-12-31", status="running", min_group_size=4))
        ministry = prj.add_funding(tenant, coordinator, project, prj.FundingData(
            source={"fi": "Opetus- ja kulttuuriministeriö"}, amount="150000"))
        prj.add_funding(tenant, coordinator, project, prj.FundingData(
            source={"fi": "Kuntaliitto"}, amount="50 000,50"))
        prj.update_funding(tenant, coordinator, project, ministry, prj.FundingData(
            source={"fi": "Opetus- ja kulttuuriministeriö"}, amount="160000"))
        milestone = prj.add_milestone(tenant, coordinator, project, prj.MilestoneData(
            title={"fi": "Väliraportti"}, due_date=date(2025, 6, 30)))
        prj.update_milestone(tenant, coordinator, project, milestone, prj.MilestoneData(
            title={"fi": "Väliraportti"}, due_date=date(2025, 6, 30), status="in_progress"))
        event = prj.add_event(tenant, coordinator, project, prj.EventData(
            event_date=date(2025, 3, 12), title={"fi": "Seminaari"}, link="https://example.org/s"))
        prj.remove_event(tenant, coordinator, project, event)
        db.session.commit()
    with world.scope("forbundet"):
        project = world.project()
        assert project.min_group_size == 4
        assert prj.funding_total(project) == {"EUR": D("210000.50")}
        assert [m.status for m in project.milestones] == ["in_progress"]
        assert project.milestones[0].is_late(date(2025, 7, 1))
        assert not project.milestones[0].is_late(date(2025, 6, 30))
        assert project.events == []
        listed = prj.list_projects(world.tenant("forbundet"), world.p("viewer"), search="ägarstyr")
        assert [p.code for p in listed] == ["SP-2024"]
        assert prj.list_projects(world.tenant("forbundet"), world.p("viewer"), status="closed") == []
    assert world.actions("forbundet")[-9:] == [
        "project.created", "project.updated", "project.funding_added", "project.funding_added",
        "project.funding_updated", "project.milestone_added", "project.milestone_updated",
        "project.event_added", "project.event_removed"]


@pytest.mark.parametrize("who", [("admin", "forbundet"), ("viewer", "forbundet"),
                                 ("coordinator", "vasa"), ("admin", "vasa")])
def test_only_an_associations_coordinators_change_projects(world, who):
    role, slug = who
    with world.scope(slug):
        tenant, principal = world.tenant(slug), world.p(role, slug)
        with refused(ProjectPermissionError, code="forbidden"):
            prj.create_project(tenant, principal, prj.ProjectData(
                code="X", name={"fi": "X"}, starts_on=date(2025, 1, 1)))
    if slug == "forbundet":
        with world.scope(slug), refused(ProjectPermissionError):
            prj.add_milestone(world.tenant(slug), world.p(role, slug), world.project(),
                              prj.MilestoneData(title={"fi": "M"}, due_date=date(2025, 1, 1)))


def test_members_of_other_kinds_of_tenant_do_not_list_projects(world):
    with world.scope("vasa"), refused(ProjectPermissionError):
        prj.list_projects(world.tenant("vasa"), world.p("admin", "vasa"))


@pytest.mark.parametrize("change, field, code", [
    ({"code": ""}, "code", "invalid"),
    ({"ends_on": date(2023, 12, 31)}, "ends_on", "before_start"),
    ({"name": {}}, "name", "required"),
    ({"min_group_size": 2}, "min_group_size", "invalid"),
    ({"status": "paused"}, "status", "invalid"),
])
def test_project_data_is_validated_and_nothing_is_written(world, change, field, code):
    data = dict(code="NEW", name={"fi": "Uusi"}, starts_on=date(2024, 1, 1))
    data.update(change)
    with world.scope("forbundet"):
        with refused(field=field, code=code):
            prj.create_project(world.tenant("forbundet"), world.p("coordinator"),
                               prj.ProjectData(**data))
        db.session.rollback()
        assert [p.code for p in db.session.scalars(select(Project))] == ["SP-2024"]


def test_codes_are_unique_and_a_closed_project_stays_closed(world):
    with world.scope("forbundet"):
        tenant, coordinator = world.tenant("forbundet"), world.p("coordinator")
        with refused(field="code", code="duplicate"):
            prj.create_project(tenant, coordinator, prj.ProjectData(
                code="SP-2024", name={"fi": "Toinen"}, starts_on=date(2024, 1, 1)))
        data = prj.ProjectData(code="SP-2024", name={"fi": "Strateginen"},
                               starts_on=date(2024, 1, 1), status="closed")
        prj.update_project(tenant, coordinator, world.project(), data)
        data.status = "running"
        with refused(field="status", code="invalid_transition"):
            prj.update_project(tenant, coordinator, world.project(), data)
        with refused(field="project", code="closed"):
            prj.add_funding(tenant, coordinator, world.project(), prj.FundingData(
                source={"fi": "Kunnat"}, amount="1"))
        with refused(field="project", code="closed"):
            part.invite(tenant, coordinator, world.project(), world.tenant("vasa"))


@pytest.mark.parametrize("data, field", [
    (prj.FundingData(source={}, amount="1"), "source"),
    (prj.FundingData(source={"fi": "K"}, amount="-1"), "amount"),
    (prj.FundingData(source={"fi": "K"}, amount="1,005"), "amount"),
    (prj.FundingData(source={"fi": "K"}, amount="1", currency="USD"), "currency"),
    (prj.EventData(event_date=date(2025, 1, 1), title={"fi": "S"}), "place"),
    (prj.EventData(event_date=date(2025, 1, 1), title={"fi": "S"}, link="javascript:x"), "link"),
    (prj.EventData(event_date="next week", title={"fi": "S"}, place="Vaasa"), "event_date"),
    (prj.MilestoneData(title={"fi": "M"}, due_date=date(2025, 1, 1), status="late"), "status"),
])
def test_funding_events_and_milestones_are_validated(world, data, field):
    add = {prj.FundingData: prj.add_funding, prj.EventData: prj.add_event,
           prj.MilestoneData: prj.add_milestone}[type(data)]
    with world.scope("forbundet"), refused(field=field):
        add(world.tenant("forbundet"), world.p("coordinator"), world.project(), data)


# --- participation ---------------------------------------------------------------------------


def test_invitations_go_to_municipalities_and_consortia_once(world):
    with world.scope("forbundet"):
        tenant, coordinator, project = world.tenant("forbundet"), world.p("coordinator"), world.project()
        with refused(field="participant_tenant_id", code="invalid"):
            part.invite(tenant, coordinator, project, tenant)
        with refused(field="participant_tenant_id", code="kind"):
            part.invite(tenant, coordinator, project, world.tenant("other"))
        with refused(ProjectPermissionError):
            part.invite(tenant, world.p("viewer"), project, world.tenant("vasa"))
        part.invite(tenant, coordinator, project, world.tenant("kust"))
        with refused(field="participant_tenant_id", code="duplicate"):
            part.invite(tenant, coordinator, project, world.tenant("kust"))
        db.session.commit()
    with world.scope("kust"):
        invitations = sharing.invitations_for(world.id("kust"))
        assert [(i.project_code, i.association_name["sv"], i.status, i.min_group_size)
                for i in invitations] == [("SP-2024", "Kommun forbundet", "invited", 3)]
        # The association's row stays out of the participant's session.
        assert db.session.scalars(select(ProjectParticipant)).all() == []
    assert world.actions("kust")[-1] == "project.invitation_received"
    assert world.actions("forbundet")[-1] == "project.participant_invited"


def test_the_invited_tenants_admin_accepts_or_declines(world):
    kust = world.invite("kust")
    malax = world.invite("malax")
    for role, slug in (("viewer", "kust"), ("admin", "vasa")):
        with world.scope(slug):
            error = ProjectPermissionError if role == "viewer" else ProjectError
            with refused(error):
                part.accept(world.tenant(slug), world.p(role, slug), kust)
    with world.scope("forbundet"), refused(ProjectPermissionError):  # not its answer to give
        part.accept(world.tenant("forbundet"), world.p("admin"), kust)
    with world.scope("kust"):
        joined = part.accept(world.tenant("kust"), world.p("admin", "kust"), kust,
                             ConsentData(["started"]))
        db.session.commit()
        assert joined.status == "active"
        with refused(field="status", code="invalid_transition"):
            part.accept(world.tenant("kust"), world.p("admin", "kust"), kust)
    with world.scope("malax"):
        with refused(ProjectPermissionError):
            part.decline(world.tenant("malax"), world.p("viewer", "malax"), malax)
        assert part.decline(world.tenant("malax"), world.p("admin", "malax"), malax).status == (
            "declined")
        db.session.commit()
        assert sharing.invitations_for(world.id("malax")) == []
    with world.scope("forbundet"):
        statuses = {r.participant_tenant_id: r.status
                    for r in part.participants(world.tenant("forbundet"), world.project())}
        assert statuses == {world.id("kust"): "active", world.id("malax"): "declined"}
        # A declined tenant may be invited again.
        part.invite(world.tenant("forbundet"), world.p("coordinator"), world.project(),
                    world.tenant("malax"))
        db.session.commit()
    assert "project.invitation_accepted" in world.actions("forbundet")
    assert world.actions("kust")[-2:] == ["project.invitation_accepted",
                                          "project.consent_granted"]
    assert "project.invitation_declined" in world.actions("malax")


def test_bad_consent_data_refuses_the_acceptance_and_nothing_changes(world):
    kust = world.invite("kust")
    with world.scope("kust"):
        with refused(field="indicator_codes", code="invalid"):
            part.accept(world.tenant("kust"), world.p("admin", "kust"), kust,
                        ConsentData(["not a code!"]))
        db.session.rollback()
        assert sharing.participation(world.id("kust"), kust).status == "invited"


def test_a_tenant_asks_to_join_and_a_coordinator_approves_or_rejects(world):
    with world.scope("vasa"):
        joinable = sharing.joinable_projects(world.id("vasa"))
        assert [p.code for p in joinable] == ["SP-2024"]
        with refused(ProjectPermissionError):
            part.request_to_join(world.tenant("vasa"), world.p("viewer", "vasa"), world.project_id)
        requested = part.request_to_join(world.tenant("vasa"), world.p("admin", "vasa"),
                                         world.project_id, ConsentData(["started"]))
        db.session.commit()
        assert requested.status == "requested"
        assert sharing.joinable_projects(world.id("vasa")) == []
        with refused(field="project_id"):
            part.request_to_join(world.tenant("vasa"), world.p("admin", "vasa"), world.project_id)
    with world.scope("malax"):
        part.request_to_join(world.tenant("malax"), world.p("admin", "malax"), world.project_id)
        db.session.commit()
    world.report("vasa", {"started": {"2025 Q1": "40"}})
    assert world.shared() == []  # consent given, but not yet a participant
    with world.scope("forbundet"):
        tenant, project = world.tenant("forbundet"), world.project()
        rows = {r.participant_tenant_id: r for r in part.participants(tenant, project)}
        with refused(ProjectPermissionError):
            part.approve(tenant, world.p("viewer"), project, rows[world.id("vasa")])
        part.approve(tenant, world.p("coordinator"), project, rows[world.id("vasa")])
        part.reject(tenant, world.p("coordinator"), project, rows[world.id("malax")])
        with refused(field="status", code="invalid_transition"):
            part.approve(tenant, world.p("coordinator"), project, rows[world.id("malax")])
        db.session.commit()
    assert [v.value for v in world.shared()] == [D("40")]
    assert "project.participation_approved" in world.actions("vasa")
    assert "project.participation_rejected" in world.actions("malax")
    assert world.actions("forbundet").count("project.participation_requested") == 2


def test_leaving_withdraws_the_consent_and_stops_sharing(world):
    vasa = world.join("vasa")
    world.report("vasa", {"started": {"2025 Q1": "40"}})
    assert len(world.shared()) == 1
    with world.scope("vasa"):
        with refused(ProjectPermissionError):
            part.leave(world.tenant("vasa"), world.p("viewer", "vasa"), vasa)
        left = part.leave(world.tenant("vasa"), world.p("admin", "vasa"), vasa)
        db.session.commit()
        assert left.status == "left"
        assert part.current_consent(world.tenant("vasa"), vasa) is None
    assert world.shared() == []
    assert world.actions("vasa")[-2:] == ["project.consent_withdrawn", "project.participation_left"]
    # Having left, the tenant may ask to join again.
    with world.scope("vasa"):
        assert [p.code for p in sharing.joinable_projects(world.id("vasa"))] == ["SP-2024"]


# --- consent ---------------------------------------------------------------------------------


def test_consent_is_granted_narrowed_and_withdrawn_in_both_audit_trails(world):
    vasa = world.join("vasa", codes=("started", "completed", "started"), goals=True)
    world.consent("vasa", vasa, codes=("completed",), anonymised=True)
    world.withdraw("vasa", vasa)
    with world.scope("vasa"):
        history = part.consent_history(world.tenant("vasa"), vasa)
        assert [(c.indicator_codes, c.anonymised, c.share_goal_statuses, c.withdrawn_at is None)
                for c in history] == [(["completed"], True, False, False),
                                      (["completed", "started"], False, True, False)]
        assert all(c.granted_by_label == "admin.vasa@example.org" for c in history)
        assert part.current_consent(world.tenant("vasa"), vasa) is None
        with refused(field="consent", code="none"):
            part.withdraw_consent(world.tenant("vasa"), world.p("admin", "vasa"), vasa)
    expected = ["project.consent_granted", "project.consent_granted", "project.consent_withdrawn"]
    for slug in ("vasa", "forbundet"):
        with world.scope(slug):
            entries = db.session.scalars(select(AuditEntry).where(
                AuditEntry.entity_type == "ParticipantConsent").order_by(AuditEntry.id)).all()
            assert [e.action for e in entries] == expected, slug
            assert entries[1].before["indicator_codes"] == ["completed", "started"]
            assert entries[1].after == {"project_id": world.project_id, "participant_id": vasa,
                                        "indicator_codes": ["completed"], "anonymised": True,
                                        "share_goal_statuses": False}
            assert all(e.actor_label == "admin.vasa@example.org" for e in entries)


def test_only_the_participants_admin_decides_its_consent(world):
    vasa = world.join("vasa")
    with world.scope("vasa"):
        with refused(ProjectPermissionError):
            part.grant_consent(world.tenant("vasa"), world.p("viewer", "vasa"), vasa,
                               ConsentData(["x"]))
        with refused(ProjectPermissionError):
            part.withdraw_consent(world.tenant("vasa"), world.p("viewer", "vasa"), vasa)
    # Another tenant's admin: not its participation.
    with world.scope("malax"), refused(field="participant_id", code="invalid"):
        part.withdraw_consent(world.tenant("malax"), world.p("admin", "malax"), vasa)
    with world.scope("forbundet"), refused(ProjectPermissionError):
        part.grant_consent(world.tenant("forbundet"), world.p("coordinator"), vasa,
                           ConsentData(["x"]))
    world.invite("malax")
    with world.scope("malax"):  # invited, not yet taking part
        participant = sharing.invitations_for(world.id("malax"))[0].participant_id
        with refused(field="participant_id", code="not_active"):
            part.grant_consent(world.tenant("malax"), world.p("admin", "malax"), participant,
                               ConsentData(["started"]))


# --- what crosses: values and goal statuses --------------------------------------------------


@pytest.fixture
def sharing_world(world) -> SimpleNamespace:
    """Vasa named (started, completed), Malax anonymised (started), Korsholm with no consent
    for started, Kust not taking part; each with accepted Q1 values and Q2 values."""
    ids = SimpleNamespace(vasa=world.join("vasa", codes=("started", "completed")),
                          malax=world.join("malax", anonymised=True),
                          korsholm=world.join("korsholm", codes=("completed",)))
    world.report("vasa", {"started": {"2025 Q1": "40", "2025 Q2": "10"},
                          "completed": {"2025 Q1": "30", "2025 Q2": "3"}})
    world.report("malax", {"started": {"2025 Q1": "25", "2025 Q2": "5"}})
    world.report("korsholm", {"started": {"2025 Q1": "99"}, "completed": {"2025 Q1": "12"}})
    world.report("kust", {"started": {"2025 Q1": "77"}})
    return ids


def test_only_consented_codes_of_participants_are_shared(world, sharing_world):
    shared = world.shared()
    assert [(s.label and s.label["sv"], s.value) for s in shared] == [
        (None, D("25")), ("Namn vasa", D("40"))]
    completed = world.shared("completed")
    assert [(s.label["sv"], s.value) for s in completed] == [
        ("Namn korsholm", D("12")), ("Namn vasa", D("30"))]
    assert world.shared("unknown") == []
    assert world.shared(period="2024 Q1") == []


def test_a_year_adds_up_the_periods_and_a_second_agreement(world, sharing_world):
    world.report("vasa", {"started": {"2025 Q1": "2"}})  # another agreement of Vasa
    assert [s.value for s in world.shared(period=2025)] == [D("30"), D("52")]
    assert [s.value for s in world.shared(period="2025 Q1")] == [D("25"), D("42")]


def test_only_indicators_adopted_from_the_associations_template_are_compared(world):
    """The same code on a tenant's own indicator, or one adopted from another library, is a
    different measure: it is not compared."""
    world.join("vasa")
    world.join("malax")
    world.report("vasa", {"started": {"2025 Q1": "40"}})
    world.report("malax", {"started": {"2025 Q1": "25"}}, adopted_from=None)
    world.report("malax", {"started": {"2025 Q1": "7"}}, adopted_from="kust")
    assert [s.value for s in world.shared()] == [D("40")]


def test_only_accepted_reports_are_shared(world):
    world.join("vasa")
    world.report("vasa", {"started": {"2025 Q1": "40"}}, accept=False)
    assert world.shared() == []


def test_a_withdrawal_drops_the_participant_at_once(world, sharing_world):
    assert len(world.shared()) == 2
    world.withdraw("vasa", sharing_world.vasa)
    assert [s.label for s in world.shared()] == [None]
    world.consent("vasa", sharing_world.vasa, codes=("completed",))  # narrowed: no started
    assert [s.label for s in world.shared()] == [None]
    assert [s.label["sv"] for s in world.shared("completed")] == ["Namn korsholm", "Namn vasa"]


def test_anonymised_participants_are_never_named(world, sharing_world):
    for viewer in ("forbundet", "malax", "vasa"):
        shared = world.shared(viewer=viewer)
        anonymous = next(s for s in shared if s.label is None)
        assert "malax" not in repr(shared).lower()
        assert anonymous.own == (viewer == "malax")
        assert [s.own for s in shared if s.label is not None] == [viewer == "vasa"]
    tokens = {s.token for s in world.shared()}
    assert tokens == {s.token for s in world.shared(period=2025)}  # stable within the project
    assert len(tokens) == 2 and all(len(t) == 10 for t in tokens)
    with world.scope("forbundet"):
        consents = sharing.consents_in_force(world.project_id)
        assert set(consents) == {sharing_world.vasa, sharing_world.malax, sharing_world.korsholm}
        assert consents[sharing_world.malax].anonymised


def test_a_consent_naming_another_tenants_participation_counts_for_nothing(world, sharing_world):
    """A row in Kust's tenant claiming Vasa's participation is ignored."""
    world.withdraw("vasa", sharing_world.vasa)
    with world.scope("kust"):
        db.session.add(ParticipantConsent(
            tenant_id=world.id("kust"), project_id=world.project_id,
            participant_id=sharing_world.vasa, association_tenant_id=world.id("forbundet"),
            indicator_codes=["started"]))
        db.session.commit()
    assert [s.label for s in world.shared()] == [None]
    with world.scope("forbundet"):
        assert sharing_world.vasa not in sharing.consents_in_force(world.project_id)


def test_goal_statuses_are_shared_only_with_consent(world, factory):
    vasa = world.join("vasa", goals=True)
    malax = world.join("malax", goals=True, anonymised=True)
    world.join("korsholm")
    for slug in ("vasa", "malax", "korsholm"):
        factory.ownership_steering(world.tenants[slug])
    with world.scope("forbundet"):
        shared = sharing.goal_statuses(world.project_id)
    by_label = {s.label["sv"] if s.label else None: s for s in shared}
    assert set(by_label) == {"Namn vasa", None}
    assert by_label["Namn vasa"].counts == {"adopted": 1}
    assert [g[1] for g in by_label["Namn vasa"].goals] == ["adopted"]
    assert by_label[None].counts == {"adopted": 1} and by_label[None].goals == ()
    world.consent("vasa", vasa, goals=False)
    world.withdraw("malax", malax)
    with world.scope("forbundet"):
        assert sharing.goal_statuses(world.project_id) == []


def test_nothing_of_another_tenant_stays_in_the_session(world, sharing_world):
    """Rows read across the boundary are detached: a later lookup in the association's own
    scope cannot reach them through the identity map."""
    with world.scope("forbundet"):
        sharing.shared_values(world.project_id, "started", "2025 Q1")
        sharing.consents_in_force(world.project_id)
        foreign = [obj for obj in db.session.identity_map.values()
                   if getattr(obj, "tenant_id", world.id("forbundet")) != world.id("forbundet")]
        assert foreign == []
        # Outside the sharing service the association reads none of the participants' rows.
        assert db.session.scalars(select(ParticipantConsent)).all() == []
    with world.scope("vasa"):
        sharing.participations_for(world.id("vasa"))
        assert db.session.scalars(select(ProjectParticipant)).all() == []
        assert db.session.get(ProjectParticipant, sharing_world.vasa) is None


def test_participant_status_values_are_the_documented_ones():
    assert [s.value for s in ParticipantStatus] == [
        "invited", "requested", "active", "declined", "left"]
