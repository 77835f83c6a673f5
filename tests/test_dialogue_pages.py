"""Quality dialogue and guidance pages: the list with its filters and pages, scheduling,
editing the agenda, the minutes, the confirmed cancellation, agreed actions and closing them,
the agenda template, logging and closing observations; refusals by role (403), for another
provider's or tenant's objects (404), and providers never seeing the guidance signals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverkan.partnership.dialogue_models import QualityDialogue
from samverkan.partnership.purchasing_models import FollowUpAction
from samverkan.partnership.services import dialogues as svc
from samverkan.platform.db import db
from tests.test_dialogues import World, in_swedish

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
        return f"/t/{self.slug}/partnership/dialogues{path}"

    def gurl(self, path: str = "") -> str:
        return f"/t/{self.slug}/partnership/guidance{path}"


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    return PageWorld(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_scheduling_editing_minutes_and_actions_by_the_purchaser(world):
    world.observe(text="Eleverna saknar handledning", tone="concern")
    client = world.client("purchaser")
    assert "No quality dialogue is planned" in text(client.get(world.url()))
    response = client.post(world.url("/new"), data={"organisation_id": "", "scheduled_on": ""})
    assert response.status_code == 400 and "This field is required" in text(response)
    response = client.post(world.url("/new"), data={
        "organisation_id": str(world.org["p1"]), "scheduled_on": TODAY.isoformat()})
    assert response.status_code == 302
    with world.scope():
        dialogue_id = db.session.scalar(db.select(QualityDialogue.id))
    page = text(client.get(world.url(f"/{dialogue_id}")))
    assert "Eleverna saknar handledning" in page
    assert in_swedish(world.app, "Results and completions since the last dialogue") in page
    listing = text(client.get(world.url()))
    assert "Lärande AB" in listing or "Oppiminen Oy" in listing
    response = client.post(world.url(f"/{dialogue_id}/edit"), data={
        "scheduled_on": TODAY.isoformat(), "agenda-sv": "", "agenda-fi": ""})
    assert response.status_code == 400 and "at least one language" in text(response)
    assert client.post(world.url(f"/{dialogue_id}/edit"), data={
        "scheduled_on": TODAY.isoformat(), "agenda-sv": "1. Resultat\n2. Övrigt"}
    ).status_code == 302
    response = client.post(world.url(f"/{dialogue_id}/minutes"), data={
        "held_on": (TODAY + timedelta(days=2)).isoformat(), "minutes-sv": "Protokoll"})
    assert response.status_code == 400 and "in the future" in text(response)
    assert client.post(world.url(f"/{dialogue_id}/minutes"), data={
        "held_on": TODAY.isoformat(), "minutes-sv": "Vi gick igenom resultaten."}
    ).status_code == 302
    assert "Vi gick igenom resultaten." in text(client.get(world.url(f"/{dialogue_id}")))
    assert client.get(world.url(f"/{dialogue_id}/edit")).status_code == 409
    response = client.post(world.url(f"/{dialogue_id}/actions"), data={
        "description": "", "owner": "Rektor", "owner_party": "provider", "due_on": ""})
    assert response.status_code == 400
    assert client.post(world.url(f"/{dialogue_id}/actions"), data={
        "description": "Fler lärarledda timmar", "owner": "Rektor", "owner_party": "provider",
        "due_on": (TODAY + timedelta(days=30)).isoformat()}).status_code == 302
    assert "Fler lärarledda timmar" in text(client.get(world.url(f"/{dialogue_id}")))
    assert "held" in text(client.get(world.url("?when=held"))).lower()


def test_cancelling_is_confirmed(world):
    dialogue_id = world.schedule()
    client = world.client("purchaser")
    page = client.get(world.url(f"/{dialogue_id}/cancel"))
    assert page.status_code == 200 and "Cancel the quality dialogue" in text(page)
    assert client.post(world.url(f"/{dialogue_id}/cancel"), data={}).status_code == 400
    with world.scope():
        assert world.dialogue(dialogue_id).status == "planned"
    assert client.post(world.url(f"/{dialogue_id}/cancel"), data={
        "confirm": "y", "reason": "Sjukdom"}).status_code == 302
    with world.scope():
        assert world.dialogue(dialogue_id).status == "cancelled"
    assert client.post(world.url(f"/{dialogue_id}/cancel"), data={"confirm": "y"}
                       ).status_code == 409


def test_a_provider_sees_its_own_dialogues_read_only_and_closes_its_actions(world):
    mine, theirs = world.schedule("p1"), world.schedule("p2")
    with world.scope():
        action = svc.agree_action(world.tenant, world.p("purchaser"), world.dialogue(mine),
                                  "Fler lärarledda timmar", "Rektor", "provider", TODAY)
        ours = svc.agree_action(world.tenant, world.p("purchaser"), world.dialogue(mine),
                                "Besök", "Inköpare", "purchaser", TODAY)
        db.session.commit()
        action_id, ours_id = action.id, ours.id
    world.observe("p1", text="Hemlig signal")
    client = world.client("p1")
    listing = text(client.get(world.url()))
    assert f"/dialogues/{mine}" in listing and f"/dialogues/{theirs}" not in listing
    page = client.get(world.url(f"/{mine}"))
    assert page.status_code == 200 and "Fler lärarledda timmar" in text(page)
    assert "Schedule a dialogue" not in listing and "Record an agreed action" not in text(page)
    assert client.get(world.url(f"/{theirs}")).status_code == 404
    for path in ("/new", f"/{mine}/edit", f"/{mine}/minutes", f"/{mine}/cancel",
                 "/agenda-template"):
        assert client.get(world.url(path)).status_code == 403, path
    assert client.post(world.url(f"/{mine}/actions"), data={
        "description": "X", "owner": "Y", "owner_party": "provider",
        "due_on": TODAY.isoformat()}).status_code == 403
    assert client.get(world.url(f"/{mine}/actions/{ours_id}/close")).status_code == 403
    assert client.get(world.url(f"/{theirs}/actions/{action_id}/close")).status_code == 404
    assert client.post(world.url(f"/{mine}/actions/{action_id}/close"), data={
        "closing_note": "", "closed_on": TODAY.isoformat()}).status_code == 400
    assert client.post(world.url(f"/{mine}/actions/{action_id}/close"), data={
        "closing_note": "Schemat ändrat", "closed_on": TODAY.isoformat()}).status_code == 302
    with world.scope():
        assert db.session.get(FollowUpAction, action_id).status == "closed"
    # providers never see the guidance signals
    assert "Hemlig signal" not in text(client.get(world.url(f"/{mine}")))
    assert client.get(world.gurl()).status_code == 403
    assert client.get(world.gurl("/new")).status_code == 403
    assert "Guidance signals" not in text(client.get(world.url()))


def test_viewer_and_counsellor_read_but_do_not_manage(world):
    dialogue_id = world.schedule()
    for key in ("viewer", "counsellor"):
        client = world.client(key)
        assert client.get(world.url()).status_code == 200
        assert client.get(world.url(f"/{dialogue_id}")).status_code == 200
        for path in ("/new", f"/{dialogue_id}/edit", f"/{dialogue_id}/minutes",
                     f"/{dialogue_id}/cancel", "/agenda-template"):
            assert client.get(world.url(path)).status_code == 403, (key, path)
        assert client.post(world.url(f"/{dialogue_id}/cancel"), data={"confirm": "y"}
                           ).status_code == 403
    with world.scope():
        assert world.dialogue(dialogue_id).status == "planned"


def test_filters_and_pagination(world):
    for days in range(23):
        world.schedule("p1" if days % 2 else "p2", on=TODAY + timedelta(days=days + 1))
    client = world.client("purchaser")
    first = text(client.get(world.url()))
    assert "Page 1 of 2" in first and "Quality dialogues (23)" in first
    assert "Quality dialogues (11)" in text(client.get(world.url(f"?provider={world.org['p1']}")))
    assert "No quality dialogues match" in text(client.get(world.url("?when=held")))


def test_the_agenda_template_page(world):
    client = world.client("admin")
    page = text(client.get(world.url("/agenda-template")))
    assert in_swedish(world.app, "Results and completions since the last dialogue") in page
    assert "Start from the default items" in page
    assert client.post(world.url("/agenda-template/defaults")).status_code == 302
    with world.scope():
        items = svc.template_items(world.tenant)
        assert len(items) == len(svc.DEFAULT_AGENDA)
        first, second = items[0].id, items[1].id
    assert client.post(world.url("/agenda-template/defaults")).status_code == 409
    response = client.post(world.url("/agenda-template"), data={"new-text-sv": ""})
    assert response.status_code == 400
    assert client.post(world.url("/agenda-template"), data={
        "new-text-sv": "Ekonomi", "new-text-fi": "Talous"}).status_code == 302
    assert client.post(world.url(f"/agenda-template/{second}/move"), data={"step": "up"}
                       ).status_code == 302
    with world.scope():
        assert [i.id for i in svc.template_items(world.tenant)][:2] == [second, first]
    assert client.post(world.url(f"/agenda-template/{first}/edit"), data={
        "text-sv": "Resultat"}).status_code == 302
    page = client.get(world.url(f"/agenda-template/{first}/remove"))
    assert page.status_code == 200 and "Remove agenda item?" in text(page)
    assert client.post(world.url(f"/agenda-template/{first}/remove")).status_code == 302
    assert client.get(world.url(f"/agenda-template/{first}/edit")).status_code == 404


def test_guidance_pages(world):
    client = world.client("counsellor")
    assert "No observations have been logged yet" in text(client.get(world.gurl()))
    form = client.get(world.gurl("/new"))
    assert form.status_code == 200 and "Do not write students' names" in text(form)
    response = client.post(world.gurl("/new"), data={
        "organisation_id": str(world.org["p1"]), "observed_on": TODAY.isoformat(),
        "theme": "", "tone": "concern", "text": ""})
    assert response.status_code == 400 and "This field is required" in text(response)
    assert client.post(world.gurl("/new"), data={
        "organisation_id": str(world.org["p1"]), "observed_on": TODAY.isoformat(),
        "theme": "teaching", "tone": "concern", "text": "Få lärarledda timmar"}
    ).status_code == 302
    listing = text(client.get(world.gurl()))
    assert "Få lärarledda timmar" in listing and "Observations (1)" in listing
    assert "No observations match" in text(client.get(world.gurl("?theme=premises_equipment")))
    observation_id = world.observe(text="Andra")
    page = client.get(world.gurl(f"/{observation_id}"))
    assert page.status_code == 200 and "Change the observation" in text(page)
    assert client.post(world.gurl(f"/{observation_id}"), data={
        "organisation_id": str(world.org["p1"]), "observed_on": TODAY.isoformat(),
        "theme": "other", "tone": "positive", "text": "Ändrad"}).status_code == 302
    viewer = world.client("viewer")
    assert viewer.get(world.gurl()).status_code == 200
    assert "Change the observation" not in text(viewer.get(world.gurl(f"/{observation_id}")))
    assert viewer.post(world.gurl(f"/{observation_id}"), data={"text": "X"}).status_code == 403
    assert viewer.get(world.gurl("/new")).status_code == 403
    assert viewer.get(world.gurl(f"/{observation_id}/close")).status_code == 403
    assert world.client("p1").get(world.gurl(f"/{observation_id}")).status_code == 404
    page = client.get(world.gurl(f"/{observation_id}/close"))
    assert page.status_code == 200 and "Close the guidance observation?" in text(page)
    assert client.post(world.gurl(f"/{observation_id}/close")).status_code == 302
    assert client.post(world.gurl(f"/{observation_id}/close")).status_code == 409
    assert "Closed" in text(client.get(world.gurl("?status=closed")))


def test_another_tenants_objects_are_404(world, app, factory, sign_in_as):
    dialogue_id = world.schedule()
    observation_id = world.observe()
    other = PageWorld(app, factory, sign_in_as, "annan")
    client = other.client("purchaser")
    for path in (f"/{dialogue_id}", f"/{dialogue_id}/edit", f"/{dialogue_id}/cancel"):
        assert client.get(other.url(path)).status_code == 404
    assert client.get(other.gurl(f"/{observation_id}")).status_code == 404
    assert "No quality dialogue is planned" in text(client.get(other.url()))
