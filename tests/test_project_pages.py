"""Association project pages: coordinators run projects (funding, milestones, events), invite
tenants and answer requests to join; other members of the association read; members of other
tenants get nothing. The participant list names the tenants and summarises their consent, and a
withdrawal shows at once.

The world: the association ``forbundet`` (a coordinator and a viewer, in English), the
municipalities ``vasa`` and ``malax`` (an admin each) and another association ``annan``.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user
from samverkan.tenants.project_models import (
    Project,
    ProjectEvent,
    ProjectFunding,
    ProjectMilestone,
    ProjectParticipant,
)
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import projects as prj
from samverkan.tenants.services import sharing
from samverkan.tenants.services.participation import ConsentData
from tests.test_projects_services import World as ServicesWorld

BASE = "/t/forbundet/projects"


class World:
    def __init__(self, app, factory, sign_in):
        self.app = app
        self.factory = factory
        self.sign_in = sign_in
        self.tenants = {"forbundet": factory.tenant("forbundet", kind="association"),
                        "annan": factory.tenant("annan", kind="association")}
        for slug in ("vasa", "malax"):
            self.tenants[slug] = factory.tenant(slug, name={"sv": f"Stad {slug}",
                                                            "fi": f"Kaupunki {slug}"})
        factory.user("coordinator@forbundet.example.org", tenant=self.tenants["forbundet"],
                     roles=["coordinator"], locale="en")
        factory.user("viewer@forbundet.example.org", tenant=self.tenants["forbundet"],
                     roles=["viewer"], locale="en")
        factory.user("coordinator@annan.example.org", tenant=self.tenants["annan"],
                     roles=["coordinator"], locale="en")
        for slug in ("vasa", "malax"):
            factory.user(f"admin@{slug}.example.org", tenant=self.tenants[slug], roles=["admin"],
                         locale="en")
        with self.scope("forbundet"):
            project = prj.create_project(self.tenant("forbundet"), self.p("coordinator", "forbundet"),
                                         prj.ProjectData(code="SP-2024", name={
                                             "sv": "Strategiskt partnerskap", "fi": "Strateginen"},
                                             starts_on=date(2024, 1, 1), status="running"))
            db.session.commit()
            self.project_id = project.id

    @contextmanager
    def scope(self, slug: str):
        with self.app.app_context(), tenant_scope(self.tenants[slug].id):
            yield

    def tenant(self, slug: str) -> Tenant:
        return db.session.get(Tenant, self.tenants[slug].id)

    def p(self, role: str, slug: str):
        user = db.session.scalar(select(User).where(User.email == f"{role}@{slug}.example.org"))
        return principal_for_user(self.tenant(slug), user)

    def client(self, role: str, slug: str = "forbundet"):
        client = self.app.test_client()
        self.sign_in(client, f"{role}@{slug}.example.org")
        return client

    def url(self, tail: str = "") -> str:
        return f"{BASE}/{self.project_id}{tail}"

    def count(self, model, slug: str = "forbundet") -> int:
        with self.scope(slug):
            return db.session.scalar(select(func.count()).select_from(model))

    def participant(self, slug: str) -> ProjectParticipant | None:
        with self.scope("forbundet"):
            row = db.session.scalar(select(ProjectParticipant).where(
                ProjectParticipant.participant_tenant_id == self.tenants[slug].id))
            if row is not None:
                db.session.expunge(row)
            return row

    report = ServicesWorld.report  # accepted outcome reports of a participant

    def request_to_join(self, slug: str) -> int:
        with self.scope(slug):
            joined = part.request_to_join(self.tenant(slug), self.p("admin", slug), self.project_id)
            db.session.commit()
            return joined.participant_id

    def join(self, slug: str, codes=("started",), anonymised=False, goals=False) -> int:
        with self.scope("forbundet"):
            row = part.invite(self.tenant("forbundet"), self.p("coordinator", "forbundet"),
                              db.session.get(Project, self.project_id), self.tenant(slug))
            db.session.commit()
            participant_id = row.id
        with self.scope(slug):
            part.accept(self.tenant(slug), self.p("admin", slug), participant_id,
                        ConsentData(list(codes), anonymised, goals))
            db.session.commit()
        return participant_id


@pytest.fixture
def world(app, factory, sign_in_as) -> World:
    return World(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- who may do what -------------------------------------------------------------------------


def test_every_member_reads_and_only_coordinators_change(world):
    viewer = world.client("viewer")
    listing = viewer.get(BASE)
    assert listing.status_code == 200
    assert "SP-2024" in text(listing)
    assert "New project" not in text(listing)
    detail = viewer.get(world.url())
    assert detail.status_code == 200
    assert "Edit project" not in text(detail) and "Invite an organisation" not in text(detail)
    for path in (f"{BASE}/new", world.url("/edit"), world.url("/funding/new"),
                 world.url("/milestones/new"), world.url("/events/new")):
        assert viewer.get(path).status_code == 403, path
    assert viewer.post(f"{BASE}/new", data={"code": "X"}).status_code == 403
    coordinator = world.client("coordinator")
    assert "New project" in text(coordinator.get(BASE))
    assert "Invite an organisation" in text(coordinator.get(world.url()))


def test_other_tenants_get_nothing(world):
    other = world.client("coordinator", "annan")
    # Not a member of forbundet: 404, and forbundet's project in annan's URLs is not found.
    assert other.get(BASE).status_code == 404
    assert other.get(world.url()).status_code == 404
    assert other.get(f"/t/annan/projects/{world.project_id}").status_code == 404
    assert other.get(f"/t/annan/projects/{world.project_id}/edit").status_code == 404
    assert other.post(f"/t/annan/projects/{world.project_id}/funding/new",
                      data={"amount": "1"}).status_code == 404
    # A municipality is no association: its admin has no project pages.
    admin = world.client("admin", "vasa")
    assert admin.get("/t/vasa/projects").status_code == 403


# --- the list --------------------------------------------------------------------------------


def test_list_filters_searches_sorts_and_says_when_empty(world):
    client = world.client("coordinator")
    with world.scope("forbundet"):
        prj.create_project(world.tenant("forbundet"), world.p("coordinator", "forbundet"),
                           prj.ProjectData(code="AA-2025", name={"sv": "Digitalisering"},
                                           starts_on=date(2025, 1, 1)))
        db.session.commit()
    page = text(client.get(BASE))
    assert page.index("AA-2025") < page.index("SP-2024")
    page = text(client.get(f"{BASE}?sort=-code"))
    assert page.index("SP-2024") < page.index("AA-2025")
    page = text(client.get(f"{BASE}?status=running"))
    assert "SP-2024" in page and "AA-2025" not in page
    page = text(client.get(f"{BASE}?q=digital"))
    assert "AA-2025" in page and "SP-2024" not in page
    page = text(client.get(f"{BASE}?q=nothing-like-this"))
    assert "No project matches the filters." in page
    empty = world.client("coordinator", "annan")
    assert "The association has no projects yet." in text(empty.get("/t/annan/projects"))


# --- a project -------------------------------------------------------------------------------


def test_create_edit_and_validation_errors_write_nothing(world):
    client = world.client("coordinator")
    before = world.count(Project)
    bad = client.post(f"{BASE}/new", data={"code": "SP-2024", "name-sv": "Dubblett",
                                           "starts_on": "2025-01-01", "status": "planning",
                                           "min_group_size": "3"})
    assert bad.status_code == 400
    assert "Another project has this code." in text(bad)
    bad = client.post(f"{BASE}/new", data={"code": "NEW", "name-sv": "Nytt",
                                           "starts_on": "2025-01-01", "ends_on": "2024-01-01",
                                           "status": "planning", "min_group_size": "2"})
    assert bad.status_code == 400
    assert "error-summary" in text(bad)
    bad = client.post(f"{BASE}/new", data={"code": "NEW", "name-sv": "Nytt",
                                           "starts_on": "2025-01-01", "ends_on": "2024-01-01",
                                           "status": "planning", "min_group_size": "3"})
    assert "The project cannot end before it starts." in text(bad)
    assert world.count(Project) == before
    created = client.post(f"{BASE}/new", data={"code": "NEW", "name-sv": "Nytt projekt",
                                               "description-sv": "Om projektet",
                                               "starts_on": "2025-01-01", "status": "planning",
                                               "min_group_size": "5"})
    assert created.status_code == 302
    assert world.count(Project) == before + 1
    page = text(client.get(created.headers["Location"]))
    assert "Nytt projekt" in page and "Om projektet" in page
    form = text(client.get(world.url("/edit")))
    assert "No aggregate" in form
    edited = client.post(world.url("/edit"), data={"code": "SP-2024", "name-sv": "Nytt namn",
                                                   "starts_on": "2024-01-01", "status": "closed",
                                                   "min_group_size": "4"})
    assert edited.status_code == 302
    with world.scope("forbundet"):
        project = db.session.get(Project, world.project_id)
        assert (project.name["sv"], project.status, project.min_group_size) == ("Nytt namn",
                                                                               "closed", 4)
    # A closed project cannot return to running: the choice is not even offered.
    again = client.post(world.url("/edit"), data={"code": "SP-2024", "name-sv": "Nytt namn",
                                                  "starts_on": "2024-01-01", "status": "running",
                                                  "min_group_size": "4"})
    assert again.status_code == 400


# --- funding, milestones, events -------------------------------------------------------------


def test_funding_with_totals_per_currency_and_confirmed_removal(world):
    client = world.client("coordinator")
    bad = client.post(world.url("/funding/new"), data={"source-sv": "Ministeriet",
                                                       "amount": "-5", "currency": "EUR"})
    assert bad.status_code == 400 and "Enter an amount of zero or more." in text(bad)
    assert world.count(ProjectFunding) == 0
    for source, amount, currency in (("Ministeriet", "100000", "EUR"),
                                     ("Förbundet", "2500.50", "EUR"),
                                     ("Sverige", "1000", "SEK")):
        response = client.post(world.url("/funding/new"), data={
            "source-sv": source, "amount": amount, "currency": currency})
        assert response.status_code == 302
    page = text(client.get(world.url()))
    assert "Total (EUR)" in page and "Total (SEK)" in page
    assert "102,500.50" in page
    with world.scope("forbundet"):
        funding_id = db.session.scalar(select(ProjectFunding.id).order_by(ProjectFunding.id))
    edited = client.post(world.url(f"/funding/{funding_id}/edit"), data={
        "source-sv": "Ministeriet", "amount": "90000", "currency": "EUR"})
    assert edited.status_code == 302
    confirm = client.get(world.url(f"/funding/{funding_id}/delete"))
    assert confirm.status_code == 200 and "Remove funding source?" in text(confirm)
    assert world.count(ProjectFunding) == 3
    assert client.post(world.url(f"/funding/{funding_id}/delete")).status_code == 302
    assert world.count(ProjectFunding) == 2


def test_milestones_show_status_and_late_flag(world):
    client = world.client("coordinator")
    past = (date.today() - timedelta(days=10)).isoformat()
    bad = client.post(world.url("/milestones/new"), data={"title-sv": "", "due_date": "31.1.",
                                                          "status": "planned"})
    assert bad.status_code == 400
    assert world.count(ProjectMilestone) == 0
    assert client.post(world.url("/milestones/new"), data={
        "title-sv": "Kartläggning", "due_date": past, "status": "in_progress"}).status_code == 302
    assert client.post(world.url("/milestones/new"), data={
        "title-sv": "Rapport", "due_date": past, "status": "done"}).status_code == 302
    page = text(client.get(world.url()))
    assert "Kartläggning" in page and "In progress" in page
    assert page.count(">Late<") == 1
    with world.scope("forbundet"):
        milestone_id = db.session.scalar(select(ProjectMilestone.id).order_by(ProjectMilestone.id))
    assert client.post(world.url(f"/milestones/{milestone_id}/edit"), data={
        "title-sv": "Kartläggning", "due_date": past, "status": "done"}).status_code == 302
    assert ">Late<" not in text(client.get(world.url()))
    assert client.post(world.url(f"/milestones/{milestone_id}/delete")).status_code == 302
    assert world.count(ProjectMilestone) == 1


def test_events_need_a_place_or_a_link(world):
    client = world.client("coordinator")
    bad = client.post(world.url("/events/new"), data={"event_date": "2025-05-01",
                                                      "title-sv": "Seminarium"})
    assert bad.status_code == 400 and "Enter a place or a link." in text(bad)
    bad = client.post(world.url("/events/new"), data={"event_date": "2025-05-01",
                                                      "title-sv": "Seminarium",
                                                      "link": "ftp://x"})
    assert "Enter a web address starting with https://." in text(bad)
    assert world.count(ProjectEvent) == 0
    assert client.post(world.url("/events/new"), data={
        "event_date": "2025-05-01", "title-sv": "Webbinarium",
        "link": "https://example.org/meet"}).status_code == 302
    page = text(client.get(world.url()))
    assert "Webbinarium" in page and 'href="https://example.org/meet"' in page
    with world.scope("forbundet"):
        event_id = db.session.scalar(select(ProjectEvent.id))
    assert "Remove event?" in text(client.get(world.url(f"/events/{event_id}/delete")))
    assert client.post(world.url(f"/events/{event_id}/delete")).status_code == 302
    assert world.count(ProjectEvent) == 0


# --- participants ----------------------------------------------------------------------------


def test_invite_an_organisation(world):
    client = world.client("coordinator")
    page = text(client.get(world.url()))
    assert "Kaupunki vasa" in page and "Kaupunki malax" in page  # the candidates
    # Tenant names show in the tenant's default language (Finnish) when English is missing.
    assert f'value="{world.tenants["annan"].id}"' not in page  # associations are not invited
    bad = client.post(world.url("/invite"),
                      data={"participant_tenant_id": str(world.tenants["annan"].id)})
    assert bad.status_code == 400
    assert "Choose a municipality or consortium to invite." in text(bad)
    assert world.participant("annan") is None
    response = client.post(world.url("/invite"),
                           data={"participant_tenant_id": str(world.tenants["vasa"].id)})
    assert response.status_code == 302
    assert world.participant("vasa").status == "invited"
    page = text(client.get(world.url()))
    assert "Invited" in page
    # Invited once: vasa is no longer offered, and a second invitation is refused.
    assert f'value="{world.tenants["vasa"].id}"' not in page
    again = client.post(world.url("/invite"),
                        data={"participant_tenant_id": str(world.tenants["vasa"].id)})
    assert again.status_code == 400


def test_approve_and_reject_requests_to_join(world):
    client = world.client("coordinator")
    vasa = world.request_to_join("vasa")
    malax = world.request_to_join("malax")
    page = text(client.get(world.url()))
    assert page.count("Asks to join") == 2
    # The viewer reads but cannot answer.
    viewer = world.client("viewer")
    assert viewer.post(world.url(f"/participants/{vasa}/approve")).status_code == 403
    assert client.post(world.url(f"/participants/{vasa}/approve")).status_code == 302
    assert world.participant("vasa").status == "active"
    confirm = client.get(world.url(f"/participants/{malax}/reject"))
    assert confirm.status_code == 200
    assert "Reject the request of Kaupunki malax to join?" in text(confirm)
    assert world.participant("malax").status == "requested"  # nothing before confirming
    assert client.post(world.url(f"/participants/{malax}/reject")).status_code == 302
    assert world.participant("malax").status == "declined"
    # An answered request cannot be answered again.
    late = client.post(world.url(f"/participants/{vasa}/approve"), follow_redirects=True)
    assert "Only a request to join can be approved or rejected." in text(late)
    assert world.participant("vasa").status == "active"


def test_consent_summary_and_withdrawal_show_at_once(world):
    client = world.client("coordinator")
    vasa = world.join("vasa", codes=("started", "graduated"), goals=True)
    world.join("malax", codes=("started",), anonymised=True)
    page = text(client.get(world.url()))
    assert "graduated, started" in page
    assert "Shared by name" in page and "Goal statuses shared" in page
    # What an anonymised participant shares would single its values out: not shown.
    assert "Shared anonymised: what it shares is not shown" in page
    assert "Goal statuses not shared" not in page and page.count("started") == 1
    # Participation is not secret: the coordinator's list names both tenants.
    assert "Kaupunki vasa" in page and "Kaupunki malax" in page
    with world.scope("vasa"):
        part.withdraw_consent(world.tenant("vasa"), world.p("admin", "vasa"), vasa)
        db.session.commit()
    page = text(client.get(world.url()))
    assert "Consent withdrawn" in page
    assert "graduated" not in page
    assert page.count("Shared") == 1  # only malax still shares


def test_a_closed_project_offers_no_changes(world):
    client = world.client("coordinator")
    with world.scope("forbundet"):
        prj.add_event(world.tenant("forbundet"), world.p("coordinator", "forbundet"),
                      db.session.get(Project, world.project_id),
                      prj.EventData(event_date=date(2025, 5, 1), title={"sv": "Seminarium"},
                                    place="Vasa"))
        project = db.session.get(Project, world.project_id)
        project.status = "closed"
        db.session.commit()
        event_id = db.session.scalar(select(ProjectEvent.id))
    page = text(client.get(world.url()))
    assert "Invite an organisation" not in page and "Add an event" not in page
    refused = client.post(world.url(f"/events/{event_id}/delete"))
    assert refused.status_code == 400 and "The project is closed." in text(refused)
    assert world.count(ProjectEvent) == 1
    refused = client.post(world.url("/events/new"), data={
        "event_date": "2025-06-01", "title-sv": "Till", "place": "Vasa"})
    assert refused.status_code == 400 and world.count(ProjectEvent) == 1


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.labels_for: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.labels_for.append(attrs["for"])


def test_pages_have_unique_ids_and_labelled_fields(world):
    client = world.client("coordinator")
    world.request_to_join("vasa")
    world.join("malax")
    with world.scope("forbundet"):
        project = db.session.get(Project, world.project_id)
        principal = world.p("coordinator", "forbundet")
        prj.add_funding(world.tenant("forbundet"), principal, project,
                        prj.FundingData(source={"sv": "Ministeriet"}, amount="10"))
        prj.add_milestone(world.tenant("forbundet"), principal, project,
                          prj.MilestoneData(title={"sv": "Start"}, due_date=date(2024, 2, 1)))
        db.session.commit()
    for path in (BASE, world.url(), f"{BASE}/new", world.url("/edit"), world.url("/funding/new"),
                 world.url("/milestones/new"), world.url("/events/new")):
        response = client.get(path)
        assert response.status_code == 200, path
        parser = _Ids()
        parser.feed(text(response))
        duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
        assert not duplicates, (path, duplicates)
        assert set(parser.labels_for) <= set(parser.ids), path


def test_no_shared_value_is_attributed_on_the_coordinators_page(world):
    client = world.client("coordinator")
    world.join("vasa", codes=("started",))
    world.join("malax", codes=("started",), anonymised=True)
    world.report("vasa", {"started": {"2025 Q1": "1717"}})
    world.report("malax", {"started": {"2025 Q1": "4242"}})
    with world.scope("forbundet"):
        shared = sharing.shared_values(world.project_id, "started", "2025 Q1")
        assert sorted(s.value for s in shared) == [1717, 4242]  # the values are shared
    page = text(client.get(world.url()))
    # The participant list names both (taking part is not secret) but shows no value, so no
    # value is set beside the anonymised participant's name.
    assert "Kaupunki malax" in page and "Shared anonymised" in page
    for value in ("4242", "4 242", "4,242", "1717", "1,717"):
        assert value not in page
