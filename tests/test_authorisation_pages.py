"""Authorisation pages: the criteria catalogue (purchasers and admins), the applications list
with its filter and search, a provider reporter's own application (new, answer, submit), the
assessment and the confirmed decision, refusals by role (403) and for other tenants' or other
providers' objects (404), and the public register: readable signed out, listing only approved
applications valid today, nothing of another tenant."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverkan.partnership.authorisation_forms import PROGRAMME_AREA_LABELS
from samverkan.partnership.services import authorisation as svc
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation
from tests.test_authorisation import World

TODAY = date.today()


class PageWorld(World):
    def __init__(self, app, factory, sign_in, slug: str = "falun"):
        super().__init__(app, factory, slug)
        self.slug, self.sign_in = slug, sign_in
        self._clients = {}

    def client(self, key: str):
        if key not in self._clients:
            client = self.app.test_client()
            self.sign_in(client, self.emails[key])
            self._clients[key] = client
        return self._clients[key]

    def url(self, path: str = "") -> str:
        return f"/t/{self.slug}/partnership/authorisation{path}"

    def approve(self, application_id: int, valid_from=TODAY, valid_to=TODAY + timedelta(days=30),
                areas=("sfi",)) -> None:
        self.answer_all(application_id, by="purchaser")
        self.assess_all(application_id)
        with self.scope():
            svc.approve_application(self.tenant, self.p("purchaser"), self.app_(application_id),
                                    list(areas), valid_from, valid_to)
            db.session.commit()


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    return PageWorld(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_catalogue_is_for_purchasers_and_admins(world):
    ids = world.criteria("K1")
    for key in ("viewer", "p1"):
        assert world.client(key).get(world.url("/criteria")).status_code == 403
        assert world.client(key).post(world.url("/criteria"), data={
            "new-code": "K9", "new-text-sv": "X"}).status_code == 403
        assert world.client(key).get(
            world.url(f"/criteria/{ids['K1']}/edit")).status_code == 403
    client = world.client("purchaser")
    page = client.get(world.url("/criteria"))
    assert page.status_code == 200 and "Krav K1" in text(page)
    response = client.post(world.url("/criteria"), data={"new-code": "K2", "new-text-sv": "",
                                                          "new-text-fi": ""})
    assert response.status_code == 400 and "Enter the text in at least one language" in text(
        response)
    response = client.post(world.url("/criteria"), data={
        "new-code": "K2", "new-text-sv": "Behöriga lärare", "new-evidence-sv": "Examensbevis"})
    assert response.status_code == 302
    assert "Behöriga lärare" in text(client.get(world.url("/criteria")))
    response = client.post(world.url("/criteria"), data={"new-code": "K2", "new-text-sv": "Igen"})
    assert response.status_code == 400 and "Another criterion has this code" in text(response)
    assert client.get(world.url("/criteria/987654/edit")).status_code == 404


def test_removing_a_criterion_asks_first_and_keeps_one_in_use(world):
    ids = world.criteria("K1")
    world.application()
    ids.update(world.criteria("K2"))  # after the application: no application answers it
    client = world.client("admin")
    confirm = client.get(world.url(f"/criteria/{ids['K1']}/remove"))
    assert confirm.status_code == 200 and "Deactivate criterion" in text(confirm)
    assert client.post(world.url(f"/criteria/{ids['K1']}/remove")).status_code == 302
    assert client.post(world.url(f"/criteria/{ids['K2']}/remove")).status_code == 302
    with world.scope():
        assert [(c.code, c.active) for c in svc.criteria_of(world.tenant)] == [("K1", False)]


def test_a_reporter_applies_answers_and_submits_its_own_application(world):
    ids = world.criteria("K1", "K2")
    client = world.client("p1")
    form = client.get(world.url("/applications/new"))
    assert form.status_code == 200 and "Lärande AB" in text(form) and "Yrkesskolan" not in text(
        form)
    response = client.post(world.url("/applications/new"),
                           data={"organisation_id": str(world.org["p2"])})
    assert response.status_code == 403
    response = client.post(world.url("/applications/new"),
                           data={"organisation_id": str(world.org["p1"])})
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    response = client.post(detail_url, data={"action": "submit", f"answer_{ids['K1']}": "Ja"})
    assert response.status_code == 400
    assert "Not answered: K2" in text(response)
    with world.scope():
        application = svc.applications_for(world.tenant, world.p("p1"))[0]
        assert application.status == "draft"
        assert [a.answer for a in svc.answers_in_order(application)] == ["Ja", ""]
    response = client.post(detail_url, data={"action": "submit", f"answer_{ids['K1']}": "Ja",
                                             f"answer_{ids['K2']}": "Examen finns"})
    assert response.status_code == 302
    page = client.get(detail_url)
    assert "Submitted" in text(page) and "Examen finns" in text(page)
    assert client.post(detail_url, data={"action": "save"}).status_code == 409


def test_providers_see_only_their_own_applications_in_pages(world):
    world.criteria("K1")
    own, other = world.application("p1", "p1"), world.application("p2", "p2")
    listing = text(world.client("p1").get(world.url()))
    assert "Lärande AB" in listing and "Yrkesskolan" not in listing
    assert world.client("p1").get(world.url(f"/applications/{other}")).status_code == 404
    assert world.client("p1").get(world.url(f"/applications/{own}")).status_code == 200
    everything = text(world.client("purchaser").get(world.url()))
    assert "Lärande AB" in everything and "Yrkesskolan" in everything
    searched = text(world.client("purchaser").get(world.url("?q=yrkes")))
    assert "Yrkesskolan" in searched and "Lärande AB" not in searched
    filtered = text(world.client("purchaser").get(world.url("?status=approved")))
    assert "No applications match the filters" in filtered


def test_the_purchaser_assesses_and_decides_with_confirmation(world):
    world.criteria("K1")
    application_id = world.application()
    world.answer_all(application_id)
    base = world.url(f"/applications/{application_id}")
    with world.scope():
        answer_id = world.app_(application_id).answers[0].id
    assert world.client("p1").post(f"{base}/assess", data={
        "answer_id": answer_id, "assessment": "met"}).status_code == 403
    assert world.client("p1").get(f"{base}/decide").status_code == 403
    client = world.client("purchaser")
    response = client.post(f"{base}/assess", data={"answer_id": answer_id,
                                                   "assessment": "not_met", "comment": ""})
    assert response.status_code == 400 and "Say why the criterion is not met" in text(response)
    assert client.post(f"{base}/assess", data={"answer_id": answer_id,
                                               "assessment": "met"}).status_code == 302
    decide = client.get(f"{base}/decide")
    assert decide.status_code == 200 and "Approve application" in text(decide)
    approve = {"decision": "approve", "approve-programme_areas": ["sfi", "it"],
               "approve-valid_from": TODAY.isoformat(),
               "approve-valid_to": (TODAY + timedelta(days=90)).isoformat()}
    response = client.post(f"{base}/decide", data=approve)
    assert response.status_code == 400 and "Confirm the decision" in text(response)
    assert client.post(f"{base}/decide", data={**approve, "approve-confirm": "y"}).status_code == 302
    with world.scope():
        application = world.app_(application_id)
        assert (application.status, application.programme_areas) == ("approved", ["it", "sfi"])
    register = text(world.app.test_client().get(f"/t/{world.slug}/register?lang=en"))
    assert "Lärande AB" in register and "Swedish for immigrants (SFI)" in register


def test_rejecting_needs_reasons(world):
    world.criteria("K1")
    application_id = world.application()
    world.answer_all(application_id)
    base = world.url(f"/applications/{application_id}/decide")
    client = world.client("admin")
    response = client.post(base, data={"decision": "reject", "reject-confirm": "y"})
    assert response.status_code == 400
    assert client.post(base, data={"decision": "reject", "reject-confirm": "y",
                                   "reject-decision_reasons-sv": "Saknar lärare"}).status_code == 302
    page = text(client.get(world.url(f"/applications/{application_id}")))
    assert "Rejected" in page and "Saknar lärare" in page


def test_the_register_is_public_and_shows_only_authorised_valid_providers(app, factory,
                                                                         sign_in_as, world):
    world.criteria("K1")
    valid = world.application("purchaser", "p1")
    world.approve(valid, areas=("construction",))
    expired = world.application("purchaser", "p2")
    world.approve(expired, valid_from=TODAY - timedelta(days=30),
                  valid_to=TODAY - timedelta(days=1))
    other = PageWorld(app, factory, sign_in_as, slug="mora")
    with other.scope():
        svc.create_criterion(other.tenant, other.p("purchaser"), "K1", {"sv": "Krav"})
        db.session.commit()
    with other.scope():
        provider = db.session.get(Organisation, other.org["p1"])
        provider.name = {"sv": "Morautbildarna", "fi": "Moran koulutus"}
        db.session.commit()
    other.approve(other.application("purchaser", "p1"), areas=("it",))

    anonymous = app.test_client()
    response = anonymous.get("/t/falun/register?lang=en")
    assert response.status_code == 200
    page = text(response)
    assert "Lärande AB" in page and "Construction" in page
    assert "Yrkesskolan" not in page
    assert "Morautbildarna" not in page and "Information technology" not in page
    assert "Sign out" not in page
    assert anonymous.get("/t/falun/register?lang=fi").status_code == 200
    assert "Oppiminen Oy" in text(anonymous.get("/t/falun/register"))
    assert anonymous.get("/t/no-such-tenant/register").status_code == 404
    assert anonymous.get(world.url()).status_code == 302  # the rest still needs signing in
    mora = text(anonymous.get("/t/mora/register?lang=sv"))
    assert "Morautbildarna" in mora and "Lärande AB" not in mora


def test_every_programme_area_has_a_label():
    assert list(PROGRAMME_AREA_LABELS) == list(svc.PROGRAMME_AREAS)


def test_an_empty_register_says_so(world):
    response = world.app.test_client().get("/t/falun/register?lang=en")
    assert response.status_code == 200
    assert "No providers are authorised at the moment" in text(response)


def test_another_tenants_ids_are_not_found(app, factory, sign_in_as, world):
    world.criteria("K1")
    other = PageWorld(app, factory, sign_in_as, slug="mora")
    theirs = other.criteria("M1")["M1"]
    their_application = other.application()
    client = world.client("purchaser")
    for path in (f"/applications/{their_application}", f"/applications/{their_application}/decide",
                 f"/criteria/{theirs}/edit", f"/criteria/{theirs}/remove"):
        assert client.get(world.url(path)).status_code == 404, path
    assert client.post(world.url(f"/criteria/{theirs}/move"), data={"step": "up"}).status_code == 404
    assert client.post(world.url(f"/applications/{their_application}/assess"),
                       data={"answer_id": "1", "assessment": "met"}).status_code == 404
    assert client.get("/t/mora/partnership/authorisation/criteria").status_code == 404
    with other.scope():
        assert [c.code for c in svc.criteria_of(other.tenant)] == ["M1"]


def test_criteria_move_up_and_down_by_page(world):
    ids = world.criteria("K1", "K2", "K3")
    client = world.client("purchaser")
    assert client.post(world.url(f"/criteria/{ids['K3']}/move"),
                       data={"step": "up"}).status_code == 302
    assert client.post(world.url(f"/criteria/{ids['K1']}/move"),
                       data={"step": "down"}).status_code == 302
    with world.scope():
        assert [c.code for c in svc.criteria_of(world.tenant)] == ["K3", "K1", "K2"]
    assert world.client("p1").post(world.url(f"/criteria/{ids['K1']}/move"),
                                   data={"step": "up"}).status_code == 403
