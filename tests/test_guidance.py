"""Guidance counsellors' signals, the services: counsellors (and purchasers) log observations
of a provider with theme, tone and text; the input is checked; the author changes a new one,
the purchaser any open one; closing; who sees observations (never provider reporters nor
another tenant) and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverkan.partnership.services import guidance as gsvc
from samverkan.partnership.services.common import PartnershipPermissionError
from samverkan.platform.db import db
from tests.test_authorisation import refused
from tests.test_dialogues import World

TODAY = date.today()


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def data(world, org="p1", on=TODAY, theme="teaching", tone="concern", text="Få lärartimmar"):
    return gsvc.ObservationData(world.org.get(org, org), on, theme, tone, text)


def test_counsellors_and_purchasers_log_observations(world):
    counsellor_made = world.observe(text="Bra stöd i matematik", theme="study_support")
    purchaser_made = world.observe(by="purchaser", tone="concern")
    with world.scope():
        observation = world.observation(counsellor_made)
        assert (observation.status, observation.theme, observation.tone) == (
            "new", "study_support", "positive")
        assert observation.author_label == world.emails["counsellor"]
        assert world.observation(purchaser_made).author_label == world.emails["purchaser"]
        for key in ("viewer", "p1"):
            with refused(PartnershipPermissionError):
                gsvc.log_observation(world.tenant, world.p(key), data(world))
    assert world.actions().count("partnership.observation_logged") == 2


@pytest.mark.parametrize("override, field", [
    ({"org": "employer"}, "organisation_id"), ({"org": None}, "organisation_id"),
    ({"on": None}, "observed_on"), ({"on": TODAY + timedelta(days=1)}, "observed_on"),
    ({"theme": "food"}, "theme"), ({"tone": "neutral"}, "tone"), ({"text": "  "}, "text"),
    ({"text": "x" * 4001}, "text"),
])
def test_the_input_is_checked(world, override, field):
    with world.scope(), refused(field=field):
        gsvc.log_observation(world.tenant, world.p("counsellor"), data(world, **override))


def test_the_author_changes_a_new_observation_the_purchaser_any_open_one(world, factory):
    observation_id = world.observe()
    factory.user("counsellor2.falun@example.org", tenant=world._tenant,
                 roles=["guidance_counsellor"], locale="en")
    world.emails["counsellor2"] = "counsellor2.falun@example.org"
    with world.scope():
        observation = world.observation(observation_id)
        for key in ("counsellor2", "viewer"):
            with refused(PartnershipPermissionError):
                gsvc.update_observation(world.tenant, world.p(key), observation,
                                        data(world, text="Ändrat"))
        with refused(field="observation_id", code="not_found"):  # providers never see them
            gsvc.update_observation(world.tenant, world.p("p1"), observation,
                                    data(world, text="Ändrat"))
        gsvc.update_observation(world.tenant, world.p("counsellor"), observation,
                                data(world, text="Ändrat", theme="other"))
        assert (observation.text, observation.theme) == ("Ändrat", "other")
        db.session.commit()
    world.schedule()
    with world.scope():
        observation = world.observation(observation_id)
        assert observation.status == "taken_to_dialogue"
        with refused(PartnershipPermissionError):
            gsvc.update_observation(world.tenant, world.p("counsellor"), observation,
                                    data(world, text="Igen"))
        with refused(field="organisation_id", code="taken"):
            gsvc.update_observation(world.tenant, world.p("purchaser"), observation,
                                    data(world, org="p2"))
        gsvc.update_observation(world.tenant, world.p("purchaser"), observation,
                                data(world, text="Förtydligat"))
        db.session.commit()
    assert "partnership.observation_updated" in world.actions()


def test_closing(world):
    observation_id = world.observe()
    with world.scope():
        observation = world.observation(observation_id)
        with refused(PartnershipPermissionError):
            gsvc.close_observation(world.tenant, world.p("viewer"), observation)
        with refused(field="observation_id", code="not_found"):
            gsvc.close_observation(world.tenant, world.p("p1"), observation)
        gsvc.close_observation(world.tenant, world.p("counsellor"), observation)
        assert observation.status == "closed"
        with refused(field="status", code="closed"):
            gsvc.close_observation(world.tenant, world.p("purchaser"), observation)
        with refused(field="status", code="closed"):
            gsvc.update_observation(world.tenant, world.p("purchaser"), observation,
                                    data(world, text="Sent"))
        db.session.commit()
    # a closed observation goes to no agenda
    dialogue_id = world.schedule()
    with world.scope():
        assert world.dialogue(dialogue_id).observations == []
    assert "partnership.observation_closed" in world.actions()


def test_who_sees_observations(world, factory):
    first, second = world.observe("p1"), world.observe("p2", theme="premises_equipment")
    with world.scope():
        for key in ("admin", "purchaser", "viewer", "counsellor"):
            seen = {o.id for o in gsvc.observations_for(world.tenant, world.p(key))}
            assert seen == {first, second}
            assert gsvc.get_visible_observation(world.tenant, world.p(key), first).id == first
        for key in ("p1", "p2"):
            assert gsvc.observations_for(world.tenant, world.p(key)) == []
            with refused(field="observation_id", code="not_found"):
                gsvc.get_visible_observation(world.tenant, world.p(key), first)
        by_provider = gsvc.observations_for(world.tenant, world.p("counsellor"),
                                            organisation_id=world.org["p2"])
        assert [o.id for o in by_provider] == [second]
        by_theme = gsvc.observations_for(world.tenant, world.p("counsellor"), theme="teaching")
        assert [o.id for o in by_theme] == [first]
        assert gsvc.observations_for(world.tenant, world.p("counsellor"), status="closed") == []
    other = World(world.app, factory, "annan")
    with other.scope():
        assert gsvc.observations_for(other.tenant, other.p("counsellor")) == []
        with refused(field="observation_id", code="not_found"):
            gsvc.get_visible_observation(other.tenant, other.p("counsellor"), first)
