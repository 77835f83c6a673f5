"""Quality dialogues, the services: the agenda template (defaults while empty; only purchasers
and admins change it), scheduling (the agenda is built from the template and the provider's new
guidance observations, which are taken to the dialogue), editing a planned agenda, the minutes
of a held dialogue, cancelling (observations become new again), agreed actions as follow-up
actions, who sees which dialogues and the audit trail.

The world is Falun with two providers (``p1``, ``p2``), their reporters, a viewer, a purchaser,
an admin and a guidance counsellor.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverkan.partnership.dialogue_models import GuidanceObservation, QualityDialogue
from samverkan.partnership.purchasing_models import FollowUpAction
from samverkan.partnership.services import dialogues as svc
from samverkan.partnership.services import follow_up
from samverkan.partnership.services import guidance as gsvc
from samverkan.partnership.services.common import PartnershipPermissionError
from samverkan.platform.db import db, tenant_scope
from tests.test_authorisation import World as AuthorisationWorld
from tests.test_authorisation import refused

TODAY = date.today()


def in_swedish(app, message: str) -> str:
    """``message`` as the catalogue has it in Swedish (agendas are written in the tenant's
    content languages, whatever the reader's language)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("sv"):
        return gettext(message)


class World(AuthorisationWorld):
    """The authorisation world plus a guidance counsellor."""

    def __init__(self, app, factory, slug: str = "falun"):
        super().__init__(app, factory, slug)
        email = f"counsellor.{slug}@example.org"
        factory.user(email, tenant=self._tenant, roles=["guidance_counsellor"], locale="en")
        self.emails["counsellor"] = email

    def observe(self, org: str = "p1", text: str = "Bra handledning", tone: str = "positive",
                theme: str = "teaching", by: str = "counsellor", on: date = TODAY) -> int:
        with self.scope():
            observation = gsvc.log_observation(self.tenant, self.p(by), gsvc.ObservationData(
                self.org[org], on, theme, tone, text))
            db.session.commit()
            return observation.id

    def schedule(self, org: str = "p1", on: date = TODAY + timedelta(days=14)) -> int:
        with self.scope():
            dialogue = svc.schedule_dialogue(self.tenant, self.p("purchaser"), self.org[org], on)
            db.session.commit()
            return dialogue.id

    def dialogue(self, dialogue_id: int) -> QualityDialogue:
        return db.session.get(QualityDialogue, dialogue_id)

    def observation(self, observation_id: int) -> GuidanceObservation:
        return db.session.get(GuidanceObservation, observation_id)


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def test_the_template_uses_defaults_until_the_purchaser_sets_items(world):
    with world.scope():
        assert svc.template_items(world.tenant) == []
        defaults = svc.agenda_texts(world.tenant)
        assert len(defaults) == len(svc.DEFAULT_AGENDA)
        assert set(defaults[0]) == {"sv", "fi"}
        for key in ("viewer", "p1", "counsellor"):
            with refused(PartnershipPermissionError):
                svc.add_template_item(world.tenant, world.p(key), {"sv": "Ekonomi"})
        first = svc.add_template_item(world.tenant, world.p("purchaser"),
                                      {"sv": "Resultat", "fi": "Tulokset"})
        second = svc.add_template_item(world.tenant, world.p("admin"), {"sv": "Ekonomi"})
        with refused(field="text", code="required"):
            svc.add_template_item(world.tenant, world.p("purchaser"), {"sv": " "})
        assert [i.text["sv"] for i in svc.template_items(world.tenant)] == ["Resultat", "Ekonomi"]
        svc.move_template_item(world.tenant, world.p("purchaser"), second, -1)
        assert [i.id for i in svc.template_items(world.tenant)] == [second.id, first.id]
        svc.update_template_item(world.tenant, world.p("purchaser"), first, {"sv": "Utfall"})
        svc.remove_template_item(world.tenant, world.p("purchaser"), second)
        assert [i.text for i in svc.template_items(world.tenant)] == [{"sv": "Utfall"}]
        with refused(field="template", code="not_empty"):
            svc.use_default_items(world.tenant, world.p("purchaser"))
        db.session.commit()
    assert [a for a in world.actions() if a.startswith("partnership.")] == [
        "partnership.agenda_item_added", "partnership.agenda_item_added",
        "partnership.agenda_items_reordered", "partnership.agenda_item_updated",
        "partnership.agenda_item_removed"]


def test_scheduling_builds_the_agenda_and_takes_the_new_observations(world):
    with world.scope():
        svc.add_template_item(world.tenant, world.p("purchaser"),
                              {"sv": "Resultat", "fi": "Tulokset"})
        svc.add_template_item(world.tenant, world.p("purchaser"), {"sv": "Övrigt"})
        db.session.commit()
    concern = world.observe(text="Få lärarledda timmar", tone="concern")
    other_provider = world.observe(org="p2", text="Trånga lokaler", theme="premises_equipment")
    dialogue_id = world.schedule()
    concern_in_swedish = in_swedish(world.app, "Concern")
    with world.scope():
        dialogue = world.dialogue(dialogue_id)
        assert dialogue.status == "planned" and dialogue.organisation_id == world.org["p1"]
        assert dialogue.agenda["sv"].startswith("1. Resultat\n2. Övrigt")
        assert dialogue.agenda["fi"].startswith("1. Tulokset\n2. Övrigt")  # falls back
        assert "Få lärarledda timmar" in dialogue.agenda["sv"]
        assert concern_in_swedish in dialogue.agenda["sv"]
        assert "Trånga lokaler" not in dialogue.agenda["sv"]
        assert [o.id for o in dialogue.observations] == [concern]
        assert world.observation(concern).status == "taken_to_dialogue"
        assert world.observation(other_provider).status == "new"
    # a second dialogue takes nothing already taken
    second = world.schedule(on=TODAY + timedelta(days=60))
    with world.scope():
        assert world.dialogue(second).observations == []
        assert "Få lärarledda" not in world.dialogue(second).agenda["sv"]
    assert "partnership.dialogue_scheduled" in world.actions()


def test_only_purchasers_schedule_and_only_providers_of_the_tenant(world, factory):
    other = factory.tenant("annan", country="SE", locales=["sv"])
    foreign = factory.organisation(other, kind="provider").id
    with world.scope():
        for key in ("viewer", "p1", "counsellor"):
            with refused(PartnershipPermissionError):
                svc.schedule_dialogue(world.tenant, world.p(key), world.org["p1"], TODAY)
        for organisation_id in (world.org["employer"], foreign, None):
            with refused(field="organisation_id", code="invalid"):
                svc.schedule_dialogue(world.tenant, world.p("purchaser"), organisation_id, TODAY)
        with refused(field="scheduled_on"):
            svc.schedule_dialogue(world.tenant, world.p("purchaser"), world.org["p1"], None)


def test_agenda_edit_minutes_and_the_lifecycle(world):
    dialogue_id = world.schedule(on=TODAY)
    with world.scope():
        dialogue = world.dialogue(dialogue_id)
        with refused(PartnershipPermissionError):
            svc.update_dialogue(world.tenant, world.p("p1"), dialogue, TODAY, {"sv": "X"})
        with refused(field="agenda", code="required"):
            svc.update_dialogue(world.tenant, world.p("purchaser"), dialogue, TODAY, {"sv": ""})
        svc.update_dialogue(world.tenant, world.p("purchaser"), dialogue,
                            TODAY - timedelta(days=1), {"sv": "1. Resultat\n2. Ny punkt"})
        with refused(field="held_on", code="future"):
            svc.record_minutes(world.tenant, world.p("purchaser"), dialogue,
                               TODAY + timedelta(days=1), {"sv": "Protokoll"})
        with refused(field="minutes", code="required"):
            svc.record_minutes(world.tenant, world.p("purchaser"), dialogue, TODAY, {})
        with refused(PartnershipPermissionError):
            svc.record_minutes(world.tenant, world.p("counsellor"), dialogue, TODAY,
                               {"sv": "Protokoll"})
        svc.record_minutes(world.tenant, world.p("purchaser"), dialogue, TODAY,
                           {"sv": "Vi gick igenom resultaten.", "fi": "Kävimme läpi tulokset."})
        assert dialogue.status == "held" and dialogue.held_on == TODAY
        with refused(field="status", code="not_planned"):
            svc.update_dialogue(world.tenant, world.p("purchaser"), dialogue, TODAY, {"sv": "Y"})
        with refused(field="status", code="not_planned"):
            svc.cancel_dialogue(world.tenant, world.p("purchaser"), dialogue)
        svc.record_minutes(world.tenant, world.p("purchaser"), dialogue, TODAY,
                           {"sv": "Rättat protokoll"})
        assert dialogue.minutes == {"sv": "Rättat protokoll"}
        db.session.commit()
    assert world.actions()[-3:] == ["partnership.dialogue_updated", "partnership.dialogue_held",
                                    "partnership.dialogue_minutes_updated"]


def test_cancelling_releases_the_observations(world):
    observation_id = world.observe(tone="concern", text="Inställda lektioner")
    dialogue_id = world.schedule()
    with world.scope():
        dialogue = world.dialogue(dialogue_id)
        with refused(PartnershipPermissionError):
            svc.cancel_dialogue(world.tenant, world.p("viewer"), dialogue)
        svc.cancel_dialogue(world.tenant, world.p("purchaser"), dialogue, "Sjukdom")
        db.session.commit()
    with world.scope():
        dialogue = world.dialogue(dialogue_id)
        assert dialogue.status == "cancelled" and dialogue.cancel_reason == "Sjukdom"
        assert dialogue.observations == []
        observation = world.observation(observation_id)
        assert observation.status == "new" and observation.dialogue_id is None
        with refused(field="status", code="cancelled"):
            svc.record_minutes(world.tenant, world.p("purchaser"), dialogue, TODAY, {"sv": "X"})
        with refused(field="status", code="cancelled"):
            svc.agree_action(world.tenant, world.p("purchaser"), dialogue, "Gör", "Rektor",
                             "provider", TODAY)
    next_one = world.schedule(on=TODAY + timedelta(days=30))
    with world.scope():
        assert [o.id for o in world.dialogue(next_one).observations] == [observation_id]


def test_agreed_actions_are_follow_up_actions(world):
    dialogue_id = world.schedule()
    with world.scope():
        dialogue = world.dialogue(dialogue_id)
        with refused(PartnershipPermissionError):
            svc.agree_action(world.tenant, world.p("p1"), dialogue, "Gör", "Rektor", "provider",
                             TODAY)
        with refused(field="description"):
            svc.agree_action(world.tenant, world.p("purchaser"), dialogue, " ", "Rektor",
                             "provider", TODAY)
        action = svc.agree_action(world.tenant, world.p("purchaser"), dialogue,
                                  "Fler lärarledda timmar", "Rektor", "provider",
                                  TODAY + timedelta(days=30))
        assert (action.source_kind, action.source_id) == ("dialogue", dialogue.id)
        assert action.organisation_id == world.org["p1"]
        db.session.commit()
        action_id = action.id
    with world.scope():
        dialogue = world.dialogue(dialogue_id)
        assert [a.id for a in svc.actions_of(world.p("p1"), dialogue)] == [action_id]
        assert svc.actions_of(world.p("p2"), dialogue) == []
        assert [a.id for a in svc.actions_of(world.p("viewer"), dialogue)] == [action_id]
        action = svc.get_action(world.p("p1"), dialogue, action_id)
        follow_up.close(world.p("p1"), action, "Schemat är ändrat")
        db.session.commit()
        assert action.status == "closed"
    assert "partnership.action_created" in world.actions()
    assert "partnership.action_closed" in world.actions()


def test_who_sees_which_dialogues(world, factory):
    mine, theirs = world.schedule("p1"), world.schedule("p2")
    with world.scope():
        def seen(key, **kwargs):
            return {d.id for d in svc.dialogues_for(world.tenant, world.p(key), **kwargs)}

        for key in ("admin", "purchaser", "viewer", "counsellor"):
            assert seen(key) == {mine, theirs}
        assert seen("p1") == {mine} and seen("p2") == {theirs}
        assert seen("purchaser", organisation_id=world.org["p2"]) == {theirs}
        assert seen("purchaser", when="held") == set()
        assert seen("purchaser", when="upcoming") == {mine, theirs}
        for key, dialogue_id in (("p1", theirs), ("p2", mine)):
            with refused(field="dialogue_id", code="not_found"):
                svc.get_visible_dialogue(world.tenant, world.p(key), dialogue_id)
        assert svc.get_visible_dialogue(world.tenant, world.p("counsellor"), mine).id == mine
    other = World(world.app, factory, "annan")
    with other.scope():
        with refused(field="dialogue_id", code="not_found"):
            svc.get_visible_dialogue(other.tenant, other.p("purchaser"), mine)
        assert svc.dialogues_for(other.tenant, other.p("purchaser")) == []


def test_default_agenda_is_translated_per_content_locale(world):
    with world.scope():
        texts = svc.default_items(world.tenant)
        assert all(set(text) == {"sv", "fi"} and all(text.values()) for text in texts)



def test_the_falun_demo_is_complete_and_idempotent(app, factory):
    from samverkan.partnership import demo_dialogues
    from samverkan.platform.demo import ORGANISATIONS

    falun = factory.tenant("falun", country="SE", locales=["sv"])
    for slug, _key, kind, name, business_id, _country in ORGANISATIONS:
        if slug == "falun":
            factory.organisation(falun, kind=kind, name=name, business_id=business_id)
    factory.user("purchaser@example.org", tenant=falun, roles=["purchaser"])
    factory.user("counsellor@example.org", tenant=falun, roles=["guidance_counsellor"])

    def counts() -> dict:
        with app.app_context(), tenant_scope(falun.id):
            return {model.__name__: db.session.scalar(db.select(db.func.count(model.id)))
                    for model in (QualityDialogue, GuidanceObservation, FollowUpAction)}

    with app.app_context():
        tenant = db.session.get(type(falun), falun.id)
        demo_dialogues.seed(tenant)
        db.session.commit()
    first = counts()
    with app.app_context():
        demo_dialogues.seed(db.session.get(type(falun), falun.id))
        db.session.commit()
    assert counts() == first
    with app.app_context(), tenant_scope(falun.id):
        dialogues = list(db.session.scalars(db.select(QualityDialogue)))
        held = [d for d in dialogues if d.status == "held"]
        assert len(held) >= 8 and all(d.minutes.get("sv") for d in held)
        planned = [d for d in dialogues if d.status == "planned"]
        assert len(planned) == 1 and planned[0].scheduled_on > TODAY
        observations = list(db.session.scalars(db.select(GuidanceObservation)))
        assert len(observations) == 10
        assert {o.status for o in observations} >= {"closed", "taken_to_dialogue"}
        assert all(o.author_label == "counsellor@example.org" for o in observations)
        actions = list(db.session.scalars(db.select(FollowUpAction)))
        assert {a.status for a in actions} == {"open", "closed"}
        assert len(svc.template_items(db.session.get(type(falun), falun.id))) == 5
