"""Authorisation of providers, the services: the criteria catalogue (only purchasers and
admins; a criterion in use is deactivated, never deleted), applications by the provider's
reporter or the purchaser on its behalf, submitting only with every criterion answered (the
refusal names the missing ones), assessing, approving only when every criterion is met,
rejecting only with reasons, who sees which applications, the register and the audit trail.

The world is the municipality Falun with two providers (``p1``, ``p2``) and their reporters.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from samverkan.partnership.authorisation_models import (
    AuthorisationApplication,
    AuthorisationCriterion,
)
from samverkan.partnership.services import authorisation as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

TODAY = date.today()


@contextmanager
def refused(error_class=PartnershipError, field: str | None = None, code: str | None = None):
    """Expect the block to raise ``error_class`` with this field and code; yields a holder."""
    holder = SimpleNamespace(error=None)
    try:
        yield holder
    except error_class as error:
        holder.error = error
    else:
        pytest.fail(f"{error_class.__name__} not raised")
    assert field is None or holder.error.field == field, holder.error.field
    assert code is None or holder.error.code == code, holder.error.code


def message(error: PartnershipError) -> str:
    with force_locale("en"):
        return str(error.message)


class World:
    """Falun with admin, purchaser, viewer, p1/p2 reporters bound to their providers."""

    def __init__(self, app, factory, slug: str = "falun"):
        self.app = app
        self._tenant = factory.tenant(slug, country="SE", locales=["sv", "fi"])
        self.org = {key: factory.organisation(self._tenant, kind="provider", name=name).id
                    for key, name in (("p1", {"sv": "Lärande AB", "fi": "Oppiminen Oy"}),
                                      ("p2", {"sv": "Yrkesskolan", "fi": "Ammattikoulu"}))}
        self.org["employer"] = factory.organisation(self._tenant, kind="employer").id
        self.emails = {}
        for key, roles, org in (("admin", ["admin"], None), ("purchaser", ["purchaser"], None),
                                ("viewer", ["viewer"], None),
                                ("p1", ["provider_reporter"], "p1"),
                                ("p2", ["provider_reporter"], "p2")):
            email = f"{key}.{slug}@example.org"
            factory.user(email, tenant=self._tenant, roles=roles, locale="en",
                         organisation=SimpleNamespace(id=self.org[org]) if org else None)
            self.emails[key] = email

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

    def criteria(self, *codes: str) -> dict[str, int]:
        with self.scope():
            made = {code: svc.create_criterion(
                self.tenant, self.p("purchaser"), code, {"sv": f"Krav {code}", "fi": f"Vaatimus {code}"},
                {"sv": "Intyg"}).id for code in codes}
            db.session.commit()
            return made

    def application(self, by: str = "p1", org: str = "p1") -> int:
        with self.scope():
            application = svc.create_application(self.tenant, self.p(by), self.org[org])
            db.session.commit()
            return application.id

    def app_(self, application_id: int) -> AuthorisationApplication:
        return db.session.get(AuthorisationApplication, application_id)

    def answer_all(self, application_id: int, by: str = "p1", submit: bool = True) -> None:
        with self.scope():
            application = self.app_(application_id)
            svc.save_answers(self.tenant, self.p(by), application,
                             {a.criterion_id: f"Svar {a.criterion.code}" for a in application.answers})
            if submit:
                svc.submit_application(self.tenant, self.p(by), application)
            db.session.commit()

    def assess_all(self, application_id: int, assessment: str = "met") -> None:
        with self.scope():
            for answer in self.app_(application_id).answers:
                svc.assess_answer(self.tenant, self.p("purchaser"), answer, assessment,
                                  "" if assessment == "met" else "Saknas")
            db.session.commit()

    def actions(self) -> list[str]:
        with self.scope():
            return list(db.session.scalars(select(AuditEntry.action).where(
                AuditEntry.tenant_id == self._tenant.id).order_by(AuditEntry.id)))


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


# --- the criteria catalogue ------------------------------------------------------------------


def test_purchasers_and_admins_keep_the_catalogue_and_others_are_refused(world):
    ids = world.criteria("K1", "K2")
    with world.scope():
        for key in ("viewer", "p1"):
            with refused(PartnershipPermissionError):
                svc.create_criterion(world.tenant, world.p(key), "K9", {"sv": "X"})
        svc.create_criterion(world.tenant, world.p("admin"), "K3", {"fi": "Vaatimus"})
        db.session.commit()
        with refused(field="code", code="taken"):
            svc.create_criterion(world.tenant, world.p("admin"), "K1", {"sv": "Dubblett"})
        with refused(field="text", code="required"):
            svc.create_criterion(world.tenant, world.p("admin"), "K4", {"sv": "  "})
        db.session.rollback()
        assert [c.code for c in svc.criteria_of(world.tenant)] == ["K1", "K2", "K3"]
        svc.move_criterion(world.tenant, world.p("purchaser"),
                           svc.get_criterion(world.tenant, ids["K2"]), -1)
        db.session.commit()
        assert [c.code for c in svc.criteria_of(world.tenant)] == ["K2", "K1", "K3"]


def test_a_criterion_in_use_is_deactivated_and_an_unused_one_deleted(world):
    ids = world.criteria("K1", "K2")
    world.application()
    with world.scope():
        k3 = svc.create_criterion(world.tenant, world.p("purchaser"), "K3", {"sv": "Nytt krav"})
        assert svc.remove_criterion(world.tenant, world.p("purchaser"), k3) == "deleted"
        k1 = svc.get_criterion(world.tenant, ids["K1"])
        assert svc.remove_criterion(world.tenant, world.p("purchaser"), k1) == "deactivated"
        db.session.commit()
        assert db.session.get(AuthorisationCriterion, ids["K1"]).active is False
        assert [c.code for c in svc.criteria_of(world.tenant, active_only=True)] == ["K2"]
    assert {"partnership.criterion_deleted", "partnership.criterion_deactivated"} <= set(
        world.actions())


# --- applications ----------------------------------------------------------------------------


def test_a_reporter_applies_for_its_own_provider_only_and_the_purchaser_for_any(world):
    world.criteria("K1")
    with world.scope():
        with refused(PartnershipPermissionError):
            svc.create_application(world.tenant, world.p("p1"), world.org["p2"])
        with refused(PartnershipPermissionError):
            svc.create_application(world.tenant, world.p("viewer"), world.org["p1"])
        with refused(field="organisation_id"):
            svc.create_application(world.tenant, world.p("purchaser"), world.org["employer"])
    own = world.application("p1", "p1")
    on_behalf = world.application("purchaser", "p2")
    with world.scope():
        assert [a.criterion.code for a in world.app_(own).answers] == ["K1"]
        assert world.app_(on_behalf).created_by_label == world.emails["purchaser"]
        assert world.app_(own).created_by_label == world.emails["p1"]
        with refused(PartnershipPermissionError):
            svc.save_answers(world.tenant, world.p("p2"), world.app_(own), {})


def test_submit_is_refused_naming_the_unanswered_criteria(world):
    ids = world.criteria("K1", "K2", "K3")
    application_id = world.application()
    with world.scope():
        application = world.app_(application_id)
        svc.save_answers(world.tenant, world.p("p1"), application, {ids["K2"]: "Vi har lärare"})
        with refused(field="answers", code="missing") as refusal:
            svc.submit_application(world.tenant, world.p("p1"), application)
        text = message(refusal.error)
        assert "K1" in text and "K3" in text and "K2" not in text
        assert set(refusal.error.errors) == {f"answer_{ids['K1']}", f"answer_{ids['K3']}"}
        db.session.rollback()
        assert world.app_(application_id).status == "draft"


def test_the_lifecycle_to_approval_and_the_state_rules(world):
    world.criteria("K1", "K2")
    application_id = world.application()
    with world.scope():
        application = world.app_(application_id)
        with refused(field="status", code="not_submitted"):
            svc.assess_answer(world.tenant, world.p("purchaser"), application.answers[0], "met")
    world.answer_all(application_id)
    with world.scope():
        application = world.app_(application_id)
        assert application.status == "submitted" and application.submitted_at is not None
        with refused(field="status", code="not_draft"):
            svc.save_answers(world.tenant, world.p("p1"), application, {})
        with refused(PartnershipPermissionError):
            svc.assess_answer(world.tenant, world.p("p1"), application.answers[0], "met")
        with refused(field="comment", code="required"):
            svc.assess_answer(world.tenant, world.p("purchaser"), application.answers[0],
                              "not_met", "")
        svc.assess_answer(world.tenant, world.p("purchaser"), application.answers[0], "met")
        with refused(field="decision", code="not_all_met") as refusal:
            svc.approve_application(world.tenant, world.p("purchaser"), application, ["sfi"],
                                    TODAY, TODAY)
        assert "K2" in message(refusal.error) and "K1" not in message(refusal.error)
        db.session.commit()
    world.assess_all(application_id)
    with world.scope():
        application = world.app_(application_id)
        purchaser = world.p("purchaser")
        with refused(PartnershipPermissionError):
            svc.approve_application(world.tenant, world.p("p1"), application, ["sfi"], TODAY, TODAY)
        with refused(field="programme_areas"):
            svc.approve_application(world.tenant, purchaser, application, [], TODAY, TODAY)
        with refused(field="programme_areas"):
            svc.approve_application(world.tenant, purchaser, application, ["astrology"],
                                    TODAY, TODAY)
        with refused(field="valid_to", code="before_start"):
            svc.approve_application(world.tenant, purchaser, application, ["sfi"], TODAY,
                                    TODAY - timedelta(days=1))
        svc.approve_application(world.tenant, purchaser, application, ["it", "sfi"],
                                TODAY, TODAY + timedelta(days=365))
        db.session.commit()
        application = world.app_(application_id)
        assert application.status == "approved"
        assert application.programme_areas == ["it", "sfi"]
        assert application.decided_by_label == world.emails["purchaser"]
        with refused(field="status", code="not_submitted"):
            svc.reject_application(world.tenant, purchaser, application, {"sv": "Nej"})
    assert world.actions()[-1] == "partnership.application_approved"
    assert {"partnership.application_created", "partnership.application_answered",
            "partnership.application_submitted", "partnership.answer_assessed"} <= set(
        world.actions())


def test_reject_needs_reasons_in_one_of_the_tenants_languages(world):
    world.criteria("K1")
    application_id = world.application()
    world.answer_all(application_id)
    with world.scope():
        application = world.app_(application_id)
        with refused(field="decision_reasons", code="required"):
            svc.reject_application(world.tenant, world.p("purchaser"), application, {"sv": " "})
        with refused(PartnershipPermissionError):
            svc.reject_application(world.tenant, world.p("viewer"), application, {"sv": "Nej"})
        svc.reject_application(world.tenant, world.p("admin"), application,
                               {"sv": "Lärarna saknar behörighet"})
        db.session.commit()
        application = world.app_(application_id)
        assert application.status == "rejected"
        assert application.decision_reasons == {"sv": "Lärarna saknar behörighet"}
    assert world.actions()[-1] == "partnership.application_rejected"


def test_providers_see_only_their_own_applications(world):
    world.criteria("K1")
    own = world.application("p1", "p1")
    other = world.application("p2", "p2")
    with world.scope():
        tenant = world.tenant
        assert [a.id for a in svc.applications_for(tenant, world.p("p1"))] == [own]
        assert [a.id for a in svc.applications_for(tenant, world.p("p2"))] == [other]
        assert {a.id for a in svc.applications_for(tenant, world.p("viewer"))} == {own, other}
        assert [a.id for a in svc.applications_for(tenant, world.p("purchaser"),
                                                   search="yrkes")] == [other]
        assert svc.applications_for(tenant, world.p("purchaser"), status="approved") == []
        with refused(field="application_id", code="not_found"):
            svc.get_visible_application(tenant, world.p("p1"), other)
        assert svc.get_visible_application(tenant, world.p("p1"), own).id == own


def test_another_tenants_application_is_not_found(app, factory, world):
    world.criteria("K1")
    other_world = World(app, factory, slug="mora")
    other_world.criteria("K1")
    theirs = other_world.application()
    with world.scope(), refused(field="application_id", code="not_found"):
        svc.get_visible_application(world.tenant, world.p("purchaser"), theirs)


def test_the_register_lists_only_approved_applications_valid_today(world):
    world.criteria("K1")
    approved, expired, rejected, submitted = (world.application("purchaser", "p1")
                                              for _ in range(4))
    for application_id in (approved, expired, rejected, submitted):
        world.answer_all(application_id, by="purchaser")
    for application_id in (approved, expired):
        world.assess_all(application_id)
    with world.scope():
        purchaser = world.p("purchaser")
        svc.approve_application(world.tenant, purchaser, world.app_(approved), ["sfi"],
                                TODAY - timedelta(days=10), TODAY + timedelta(days=10))
        svc.approve_application(world.tenant, purchaser, world.app_(expired), ["it"],
                                TODAY - timedelta(days=10), TODAY - timedelta(days=1))
        svc.reject_application(world.tenant, purchaser, world.app_(rejected), {"sv": "Nej"})
        db.session.commit()
        entries = svc.register_of(world.tenant)
        assert [(e.programme_areas, e.valid_to) for e in entries] == [
            (("sfi",), TODAY + timedelta(days=10))]
        assert entries[0].name["sv"] == "Lärande AB"
