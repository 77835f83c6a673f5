"""Joint-project pages of a participating tenant: invitations answered with a consent, requests
to join, consent narrowed and withdrawn (and what the project then sees), leaving; who may act
(the admin) and who only reads, and that another tenant's participation is a 404.

The world: the association ``forbundet`` (a coordinator) runs one project; the municipalities
``vasa`` and ``malax`` each have an admin and a viewer (English users), and ``vasa`` has an
agreement with the indicators ``started`` and ``completed`` and an accepted value of
``started`` for 2025 Q1.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import select

from samverkan.partnership import services as psvc
from samverkan.partnership.models import IndicatorTemplate
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user
from samverkan.tenants.project_models import ParticipantConsent, ProjectParticipant
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import projects as prj
from samverkan.tenants.services import sharing
from samverkan.tenants.services.participation import ConsentData

LIBRARY = {"started": "Students started", "completed": "Students completed",
           "employed": "Employed after a year"}


class World:
    def __init__(self, app, factory):
        self.app = app
        self.factory = factory
        self.tenants = {"forbundet": factory.tenant("forbundet", kind="association",
                                                    name={"sv": "Förbundet", "fi": "Liitto"})}
        for slug in ("vasa", "malax"):
            self.tenants[slug] = factory.tenant(slug, name={"sv": f"Namn {slug}",
                                                            "fi": f"Nimi {slug}"})
            for role in ("admin", "viewer"):
                factory.user(f"{role}.{slug}@example.org", tenant=self.tenants[slug],
                             roles=[role], locale="en")
        factory.user("coordinator@example.org", tenant=self.tenants["forbundet"],
                     roles=["coordinator"], locale="en")
        with self.scope("forbundet"):
            project = prj.create_project(self.tenant("forbundet"), self.p("coordinator"),
                                         prj.ProjectData(
                code="SP-2024", name={"sv": "Partnerskap", "fi": "Kumppanuus",
                                      "en": "Partnership"},
                starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31), status="running"))
            for code, name in LIBRARY.items():  # the association's indicator library
                db.session.add(IndicatorTemplate(
                    tenant_id=self.tenants["forbundet"].id, code=code, version=1,
                    name={"en": name, "sv": name, "fi": name}, unit="count"))
            db.session.commit()
            self.project_id = project.id
        self._indicators("vasa", ("started", "completed"))

    @contextmanager
    def scope(self, slug: str):
        with self.app.app_context(), tenant_scope(self.tenants[slug].id):
            yield

    def tenant(self, slug: str) -> Tenant:
        return db.session.get(Tenant, self.tenants[slug].id)

    def p(self, role: str, slug: str = "forbundet"):
        email = ("coordinator@example.org" if role == "coordinator"
                 else f"{role}.{slug}@example.org")
        user = db.session.scalar(select(User).where(User.email == email))
        return principal_for_user(self.tenant(slug), user)

    def _indicators(self, slug: str, codes) -> None:
        """An agreement of ``slug`` with these indicators, reported for 2025 Q1 (``started``:
        42) and accepted."""
        tenant = self.tenants[slug]
        purchaser = self.factory.organisation(tenant, kind="municipality")
        provider = self.factory.organisation(tenant, kind="provider")
        self.factory.user(f"reporter.{slug}@example.org", tenant=tenant,
                          roles=["provider_reporter"], organisation=provider)
        with self.scope(slug):
            row, admin = self.tenant(slug), self.p("admin", slug)
            reporter = self.p("reporter", slug)
            periods = psvc.generate_periods(row, admin, 2025, 2025, frequency="quarter")
            agreement = psvc.create_agreement(row, admin, psvc.AgreementData(
                code="A-1", title={"sv": "Avtal", "fi": "Sopimus"},
                valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)))
            psvc.add_party(row, admin, agreement, purchaser.id, "purchaser")
            psvc.add_party(row, admin, agreement, provider.id, "provider")
            for code in codes:  # adopted from the association's library
                indicator = psvc.add_indicator(row, admin, agreement, psvc.IndicatorData(
                    code=code, name={"sv": code, "fi": code}, unit="count"))
                indicator.template_tenant_id = self.tenants["forbundet"].id
                indicator.template_code, indicator.template_version = code, 1
            psvc.transition_agreement(row, admin, agreement, "negotiation")
            psvc.sign(row, admin, agreement)
            psvc.sign(row, reporter, agreement)
            report = psvc.open_report(row, reporter, agreement, periods[0].id)
            psvc.submit_report(row, reporter, report,
                               values={code: "42" if code == "started" else "7" for code in codes})
            psvc.accept_report(row, admin, report)
            db.session.commit()

    def shared(self) -> list:
        with self.scope("forbundet"):
            return sharing.shared_values(self.project_id, "started", "2025 Q1")

    def invite(self, slug: str) -> int:
        with self.scope("forbundet"):
            project = db.session.get(prj.Project, self.project_id)
            row = part.invite(self.tenant("forbundet"), self.p("coordinator"), project,
                              self.tenant(slug))
            db.session.commit()
            return row.id

    def join(self, slug: str, codes=("started",)) -> int:
        participant_id = self.invite(slug)
        with self.scope(slug):
            part.accept(self.tenant(slug), self.p("admin", slug), participant_id,
                        ConsentData(list(codes)))
            db.session.commit()
        return participant_id

    def consents(self, slug: str) -> list[ParticipantConsent]:
        with self.scope(slug):
            rows = db.session.scalars(select(ParticipantConsent)
                                      .order_by(ParticipantConsent.id)).all()
            for row in rows:
                db.session.expunge(row)
            return rows

    def status(self, participant_id: int) -> str:
        with self.scope("forbundet"):
            return db.session.get(ProjectParticipant, participant_id).status

    def actions(self, slug: str) -> list[str]:
        with self.scope(slug):
            return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))

    def consents_in_force(self) -> dict:
        with self.scope("forbundet"):
            return sharing.consents_in_force(self.project_id)


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def as_user(app, sign_in_as):
    def make(email: str):
        client = app.test_client()
        sign_in_as(client, email)
        return client
    return make


def html(response) -> str:
    return response.get_data(as_text=True)


# --- reading ---------------------------------------------------------------------------------


def test_the_list_shows_invitations_participations_and_joinable_projects(world, as_user):
    invited = world.invite("vasa")
    admin = as_user("admin.vasa@example.org")
    page = html(admin.get("/t/vasa/participation"))
    assert "Invitations awaiting your answer (1)" in page
    assert f"/t/vasa/participation/{invited}/accept" in page
    assert "There are no open projects to join right now." in page
    assert "Joint projects" in page  # the navigation entry
    # Malax is not invited: it may ask to join.
    page = html(as_user("admin.malax@example.org").get("/t/malax/participation"))
    assert "No invitations are waiting for an answer." in page
    assert f"/t/malax/participation/request?project_id={world.project_id}" in page


def test_a_viewer_reads_but_cannot_act(world, as_user):
    invited = world.invite("vasa")
    viewer = as_user("viewer.vasa@example.org")
    page = html(viewer.get("/t/vasa/participation"))
    assert "Partnership" in page or "Kumppanuus" in page
    assert "/accept" not in page
    assert viewer.get(f"/t/vasa/participation/{invited}").status_code == 200
    for action in ("accept", "decline", "consent", "withdraw", "leave"):
        assert viewer.get(f"/t/vasa/participation/{invited}/{action}").status_code == 403
        assert viewer.post(f"/t/vasa/participation/{invited}/{action}",
                           data={"confirm": "y"}).status_code == 403
    assert viewer.post("/t/vasa/participation/request",
                       data={"project_id": world.project_id}).status_code == 403
    assert world.status(invited) == "invited"


def test_an_association_member_has_no_participation_pages(world, as_user):
    coordinator = as_user("coordinator@example.org")
    assert coordinator.get("/t/forbundet/participation").status_code == 403


def test_another_tenants_participation_is_not_found(world, as_user):
    vasa = world.invite("vasa")
    admin = as_user("admin.malax@example.org")
    for suffix in ("", "/accept", "/decline", "/consent", "/withdraw", "/leave"):
        assert admin.get(f"/t/malax/participation/{vasa}{suffix}").status_code == 404
        if suffix:
            assert admin.post(f"/t/malax/participation/{vasa}{suffix}").status_code == 404
    # The association's own participant id, asked in vasa's URL by a member of malax: not theirs.
    assert admin.get(f"/t/vasa/participation/{vasa}").status_code == 404
    assert world.status(vasa) == "invited"


# --- answering -------------------------------------------------------------------------------


def test_accepting_with_a_consent(world, as_user):
    invited = world.invite("vasa")
    admin = as_user("admin.vasa@example.org")
    form = html(admin.get(f"/t/vasa/participation/{invited}/accept"))
    # The association's library is offered by name and code, each choice explained; the
    # templates Vasa's agreements adopted are marked.
    assert 'value="started"' in form and 'value="completed"' in form
    assert 'value="employed"' in form and "Employed after a year (employed)" in form
    assert "Students started (started) – used in your agreements" in form
    assert "Employed after a year (employed) – used" not in form
    assert "unlabelled points" in form
    response = admin.post(f"/t/vasa/participation/{invited}/accept", data={
        "indicator_codes": ["completed"], "identity": "anonymised",
        "share_goal_statuses": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/vasa/participation/{invited}")
    assert world.status(invited) == "active"
    [consent] = world.consents("vasa")
    assert (consent.indicator_codes, consent.anonymised, consent.share_goal_statuses) == (
        ["completed"], True, True)
    detail = html(admin.get(f"/t/vasa/participation/{invited}"))
    assert "Consent history" in detail and "In force" in detail
    for slug in ("vasa", "forbundet"):
        assert "project.invitation_accepted" in world.actions(slug)
        assert "project.consent_granted" in world.actions(slug)


def test_a_bad_consent_is_refused_with_nothing_written(world, as_user):
    invited = world.invite("vasa")
    admin = as_user("admin.vasa@example.org")
    response = admin.post(f"/t/vasa/participation/{invited}/accept", data={
        "indicator_codes": ["not-ours"], "identity": "named"})
    assert response.status_code == 400
    assert "Please correct the following" in html(response)
    assert world.status(invited) == "invited"
    assert world.consents("vasa") == []


def test_declining_needs_a_confirmation(world, as_user):
    invited = world.invite("vasa")
    admin = as_user("admin.vasa@example.org")
    page = html(admin.get(f"/t/vasa/participation/{invited}/decline"))
    assert "Decline the invitation" in page and "<form" in page
    assert world.status(invited) == "invited"
    response = admin.post(f"/t/vasa/participation/{invited}/decline")
    assert response.status_code == 302
    assert world.status(invited) == "declined"
    assert world.consents("vasa") == []
    assert "project.invitation_declined" in world.actions("vasa")
    assert "project.invitation_declined" in world.actions("forbundet")
    # Answered: accepting is no longer possible, and nothing changes.
    response = admin.post(f"/t/vasa/participation/{invited}/accept",
                          data={"identity": "named"})
    assert "can no longer be accepted" in html(response)
    assert world.status(invited) == "declined"


def test_asking_to_join_with_a_consent(world, as_user):
    admin = as_user("admin.malax@example.org")
    page = html(admin.get(f"/t/malax/participation/request?project_id={world.project_id}"))
    assert "Ask to join" in page
    # Not yet taking part, Malax is offered the association's library all the same; none of
    # its templates is adopted in Malax's agreements.
    assert "Students started (started)" in page and "Employed after a year (employed)" in page
    assert "used in your agreements" not in page
    assert admin.get("/t/malax/participation/request?project_id=999999").status_code == 404
    response = admin.post("/t/malax/participation/request", data={
        "project_id": str(world.project_id), "identity": "named",
        "share_goal_statuses": "y"})
    assert response.status_code == 302
    with world.scope("forbundet"):
        row = db.session.scalar(select(ProjectParticipant).where(
            ProjectParticipant.participant_tenant_id == world.tenants["malax"].id))
        assert row.status == "requested"
    [consent] = world.consents("malax")
    assert consent.share_goal_statuses and not consent.anonymised
    assert "project.participation_requested" in world.actions("malax")
    assert "project.participation_requested" in world.actions("forbundet")
    # Asked already: the project is no longer offered.
    assert admin.post("/t/malax/participation/request", data={
        "project_id": str(world.project_id), "identity": "named"}).status_code == 404


# --- consent ---------------------------------------------------------------------------------


def test_narrowing_the_consent_adds_a_new_row(world, as_user):
    vasa = world.join("vasa", codes=("started", "completed"))
    admin = as_user("admin.vasa@example.org")
    page = html(admin.get(f"/t/vasa/participation/{vasa}/consent"))
    # The form starts from the consent in force: both codes, by name, no goal statuses.
    assert page.count('<input checked id="indicator_codes-') == 2
    assert '<input checked id="identity-0"' in page
    assert 'id="share_goal_statuses" name="share_goal_statuses" type="checkbox" value="y">' in page
    response = admin.post(f"/t/vasa/participation/{vasa}/consent", data={
        "indicator_codes": ["started"], "identity": "anonymised"})
    assert response.status_code == 302
    first, second = world.consents("vasa")
    assert first.indicator_codes == ["completed", "started"] and first.withdrawn_at is not None
    assert second.indicator_codes == ["started"] and second.anonymised
    assert second.withdrawn_at is None
    [in_force] = world.consents_in_force().values()
    assert in_force.indicator_codes == ("started",) and in_force.anonymised
    detail = html(admin.get(f"/t/vasa/participation/{vasa}"))
    assert detail.count("<time") == 3  # two grants and one end in the history table


def test_a_shared_code_no_longer_in_the_library_stays_offered(world, as_user):
    vasa = world.join("vasa", codes=("started", "retired"))
    page = html(as_user("admin.vasa@example.org").get(f"/t/vasa/participation/{vasa}/consent"))
    assert "retired (no longer in the library)" in page
    assert '<input checked id="indicator_codes-' in page and 'value="retired"' in page


def test_withdrawing_stops_all_sharing(world, as_user):
    vasa = world.join("vasa")
    assert list(world.consents_in_force()) == [vasa]
    assert [shared.value for shared in world.shared()] == [42]
    admin = as_user("admin.vasa@example.org")
    page = html(admin.get(f"/t/vasa/participation/{vasa}/withdraw"))
    assert "nothing of your organisation is shared" in page
    assert admin.post(f"/t/vasa/participation/{vasa}/withdraw").status_code == 302
    assert world.consents_in_force() == {}
    assert world.shared() == []
    assert world.status(vasa) == "active"
    for slug in ("vasa", "forbundet"):
        assert world.actions(slug)[-1] == "project.consent_withdrawn"
    # Nothing left to withdraw.
    page = html(admin.get(f"/t/vasa/participation/{vasa}/withdraw"))
    assert "There is no consent in force to withdraw." in page


def test_leaving_withdraws_the_consent(world, as_user):
    vasa = world.join("vasa")
    admin = as_user("admin.vasa@example.org")
    assert "Leave the project" in html(admin.get(f"/t/vasa/participation/{vasa}/leave"))
    response = admin.post(f"/t/vasa/participation/{vasa}/leave")
    assert response.status_code == 302
    assert world.status(vasa) == "left"
    assert world.consents_in_force() == {}
    assert world.actions("vasa")[-2:] == ["project.consent_withdrawn",
                                          "project.participation_left"]
    assert "project.participation_left" in world.actions("forbundet")
    # Having left, it may ask to join again.
    page = html(admin.get("/t/vasa/participation"))
    assert f"/t/vasa/participation/request?project_id={world.project_id}" in page

