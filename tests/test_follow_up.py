"""The follow-up actions service: creating (purchasers and admins, validated), updating,
closing with a note (the purchaser, or the provider's reporter for a provider-owned action),
reopening, overdue actions, filters (open, overdue, closed, provider, source), visibility per
role, another tenant's action not found, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverkan.partnership.services import follow_up
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db
from tests.test_authorisation import World

TODAY = date.today()
F = follow_up.ActionFilter


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def make(world, org="p1", kind="spot_check", source=1, party="provider", due=None,
         by="purchaser"):
    return follow_up.create(world.p(by), kind, source, world.org[org], "Rätta närvaron",
                            "Rektor", party, due or TODAY + timedelta(days=7))


def test_create_validates_and_audits(world):
    with world.scope():
        purchaser = world.p("purchaser")
        for args, field in (
                (("other", 1, world.org["p1"], "X", "Y", "provider", TODAY), "source_kind"),
                (("dialogue", "1", world.org["p1"], "X", "Y", "provider", TODAY), "source_id"),
                (("dialogue", 1, world.org["employer"], "X", "Y", "provider", TODAY),
                 "organisation_id"),
                (("dialogue", 1, world.org["p1"], " ", "Y", "provider", TODAY), "description"),
                (("dialogue", 1, world.org["p1"], "X", "", "provider", TODAY), "owner"),
                (("dialogue", 1, world.org["p1"], "X", "Y", "someone", TODAY), "owner_party"),
                (("dialogue", 1, world.org["p1"], "X", "Y", "provider", "soon"), "due_on"),
                (("dialogue", 1, world.org["p1"], "X" * 2001, "Y", "provider", TODAY),
                 "description")):
            with pytest.raises(PartnershipError) as error:
                follow_up.create(purchaser, *args)
            assert error.value.field == field
        action = follow_up.create(purchaser, "dialogue", 7, world.org["p1"], " Ny rutin ",
                                  "Kvalitetschef", "purchaser", "2026-03-01")
        assert (action.description, action.status, action.due_on) == (
            "Ny rutin", "open", date(2026, 3, 1))
        assert action.created_by_label == world.emails["purchaser"]
        for key in ("viewer", "p1"):
            with pytest.raises(PartnershipPermissionError):
                make(world, by=key)
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "partnership.action_created"))
        assert entry.entity_type == "FollowUpAction" and entry.after["owner"] == "Kvalitetschef"


def test_close_update_and_reopen(world):
    with world.scope():
        action = make(world)
        with pytest.raises(PartnershipError) as error:
            follow_up.close(world.p("p1"), action, "")
        assert error.value.field == "closing_note"
        with pytest.raises(PartnershipError) as error:
            follow_up.close(world.p("p1"), action, "Klart", TODAY + timedelta(days=1))
        assert error.value.field == "closed_on"
        with pytest.raises(PartnershipPermissionError):
            follow_up.close(world.p("viewer"), action, "Klart")
        with pytest.raises(PartnershipError) as error:
            follow_up.close(world.p("p2"), action, "Klart")
        assert error.value.code == "not_found"
        follow_up.close(world.p("p1"), action, "Närvaron rättad", TODAY - timedelta(days=1))
        assert (action.status, action.closed_on) == ("closed", TODAY - timedelta(days=1))
        with pytest.raises(PartnershipError) as error:
            follow_up.close(world.p("purchaser"), action, "Igen")
        assert error.value.code == "closed"
        with pytest.raises(PartnershipError) as error:
            follow_up.update(world.p("purchaser"), action, "X", "Y", "provider", TODAY)
        assert error.value.code == "closed"
        with pytest.raises(PartnershipPermissionError):
            follow_up.reopen(world.p("p1"), action)
        follow_up.reopen(world.p("admin"), action)
        assert (action.status, action.closed_on, action.closing_note) == ("open", None, "")
        follow_up.update(world.p("purchaser"), action, "Rätta alla", "Rektor", "purchaser",
                         TODAY)
        assert action.owner_party == "purchaser"
        with pytest.raises(PartnershipPermissionError):  # now the purchaser's to close
            follow_up.close(world.p("p1"), action, "Klart")
        follow_up.close(world.p("purchaser"), action, "Klart")
        db.session.commit()
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions.count("partnership.action_closed") == 2
        assert {"partnership.action_reopened", "partnership.action_updated"} <= set(actions)


def test_filters_overdue_and_visibility(world):
    with world.scope():
        late = make(world, due=TODAY - timedelta(days=1)).id
        soon = make(world, kind="dialogue", source=3).id
        theirs = make(world, org="p2").id
        done = make(world, org="p2", due=TODAY - timedelta(days=30))
        follow_up.close(world.p("purchaser"), done, "Klart")
        db.session.commit()
        viewer = world.p("viewer")

        def ids(principal, **filters):
            return [a.id for a in follow_up.actions_for(principal, F(**filters))]

        assert ids(viewer) == [late, soon, theirs, done.id]  # closed ones last
        assert ids(viewer, state="open") == [late, soon, theirs]
        assert ids(viewer, state="overdue") == [late]
        assert ids(viewer, state="closed") == [done.id]
        assert ids(viewer, organisation_id=world.org["p2"]) == [theirs, done.id]
        assert ids(viewer, source_kind="dialogue") == [soon]
        assert ids(viewer, source_kind="spot_check", source_id=1) == [late, theirs, done.id]
        assert ids(world.p("p1")) == [late, soon]
        assert ids(world.p("p2"), state="overdue") == []
        assert follow_up.is_overdue(db.session.get(follow_up.FollowUpAction, late))
        assert not follow_up.is_overdue(done)
        assert follow_up.get_visible_action(world.p("p1"), late).id == late
        with pytest.raises(PartnershipError):
            follow_up.get_visible_action(world.p("p1"), theirs)


def test_another_tenants_action_is_not_found(world, app, factory):
    with world.scope():
        action_id = make(world).id
        db.session.commit()
    other = World(app, factory, slug="borlange")
    with other.scope():
        with pytest.raises(PartnershipError) as error:
            follow_up.get_visible_action(other.p("admin"), action_id)
        assert error.value.code == "not_found"
        assert follow_up.actions_for(other.p("admin")) == []
