"""The shared indicator library: an association's coordinator publishes versioned indicator
and agreement templates; a tenant that takes part in (or is invited to) one of its projects
adopts them into an agreement, sees a newer version with its differences and adopts it or
keeps its own; a tenant with no participation sees no library.

The world: the association ``forbundet`` (a coordinator, an admin and a viewer), the
municipality ``vasa`` (invited to forbundet's project; an admin and a viewer, a draft agreement)
and the municipality ``malax`` (not invited; an admin and a draft agreement).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from samverkan.partnership import services as psvc
from samverkan.partnership.models import Agreement, Indicator, IndicatorTemplate
from samverkan.partnership.services import library as lib
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import projects as prj
from samverkan.tenants.services import sharing

STARTED = {"sv": "Påbörjade studier", "fi": "Aloittaneet"}
COMPLETED = {"sv": "Avklarade studier", "fi": "Suorittaneet"}


@contextmanager
def refused(error_class=PartnershipError, field: str | None = None, code: str | None = None):
    with pytest.raises(error_class) as caught:
        yield
    error = caught.value
    assert field is None or error.field == field, (error.field, error.code)
    assert code is None or error.code == code, (error.field, error.code)
    with force_locale("en"):
        assert str(error.message)


def template_data(code="started", name=STARTED, **overrides) -> lib.IndicatorTemplateData:
    values = {"code": code, "name": dict(name), "definition": {"sv": "Antal som påbörjat"},
              "unit": "count", "direction": "higher", "aggregation": "sum"}
    values.update(overrides)
    return lib.IndicatorTemplateData(**values)


class World:
    def __init__(self, app, factory, locale: str | None = None):
        self.app = app
        self.factory = factory
        self.tenants = {"forbundet": factory.tenant("forbundet", kind="association")}
        for slug in ("vasa", "malax"):
            self.tenants[slug] = factory.tenant(slug, kind="municipality")
        factory.user("coordinator.forbundet@example.org", tenant=self.tenants["forbundet"],
                     roles=["coordinator"], locale=locale)
        factory.user("coordinator.vasa@example.org", tenant=self.tenants["vasa"],
                     roles=["coordinator"], locale=locale)
        for slug in self.tenants:
            factory.user(f"admin.{slug}@example.org", tenant=self.tenants[slug], roles=["admin"],
                         locale=locale)
            factory.user(f"viewer.{slug}@example.org", tenant=self.tenants[slug],
                         roles=["viewer"], locale=locale)
        self.agreements = {}
        for slug in ("vasa", "malax"):
            with self.scope(slug):
                agreement = psvc.create_agreement(self.tenant(slug), self.p("admin", slug),
                                                  psvc.AgreementData(
                    code="SP-1", title={"sv": "Avtal", "fi": "Sopimus"},
                    valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)))
                db.session.commit()
                self.agreements[slug] = agreement.id
        with self.scope("forbundet"):
            project = prj.create_project(self.tenant("forbundet"), self.p("coordinator"),
                                         prj.ProjectData(
                code="SP-2024", name={"sv": "Projekt", "fi": "Hanke"},
                starts_on=date(2024, 1, 1), status="running"))
            part.invite(self.tenant("forbundet"), self.p("coordinator"), project,
                        self.tenant("vasa"))
            db.session.commit()

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

    def agreement(self, slug: str = "vasa") -> Agreement:
        return db.session.get(Agreement, self.agreements[slug])

    def publish(self, data=None) -> int:
        with self.scope("forbundet"):
            template = lib.publish_indicator_template(self.tenant("forbundet"),
                                                      self.p("coordinator"), data or template_data())
            db.session.commit()
            return template.id

    def adopt(self, template_id: int, slug: str = "vasa") -> int:
        with self.scope(slug):
            indicator = lib.adopt_indicator_template(self.tenant(slug), self.p("admin", slug),
                                                     self.agreement(slug), template_id)
            db.session.commit()
            return indicator.id

    def indicator(self, indicator_id: int) -> Indicator:
        return db.session.get(Indicator, indicator_id)

    def actions(self, slug: str) -> list[str]:
        with self.scope(slug):
            return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


# --- publishing ------------------------------------------------------------------------------


def test_a_coordinator_publishes_versions_and_an_unchanged_one_is_refused(world):
    first = world.publish()
    second = world.publish(template_data(name={**STARTED, "fi": "Aloittaneet opiskelijat"},
                                         change_note={"sv": "Nytt finskt namn"}))
    with world.scope("forbundet"):
        tenant, coordinator = world.tenant("forbundet"), world.p("coordinator")
        with refused(lib.LibraryError, "template", "unchanged"):
            lib.publish_indicator_template(tenant, coordinator, template_data(
                name={**STARTED, "fi": "Aloittaneet opiskelijat"}))
        db.session.rollback()
        versions = lib.template_versions(tenant, "started")
        assert [(v.id, v.version) for v in versions] == [(first, 1), (second, 2)]
        assert versions[1].change_note == {"sv": "Nytt finskt namn"}
        assert versions[1].published_by_label == "coordinator.forbundet@example.org"
        lib.publish_indicator_template(tenant, coordinator, template_data(
            code="completed", name=COMPLETED, unit="percent", aggregation="average"))
        db.session.commit()
        latest = lib.indicator_templates(tenant)
        assert [(t.code, t.version) for t in latest] == [("completed", 1), ("started", 2)]
    assert world.actions("forbundet").count("partnership.indicator_template_published") == 3


def test_publishing_validates_every_field_with_a_message(world):
    with world.scope("forbundet"):
        tenant, coordinator = world.tenant("forbundet"), world.p("coordinator")
        cases = [
            (template_data(code="bad code!"), "code", "invalid"),
            (template_data(name={}), "name", "required"),
            (template_data(name={"en": "Started"}), "name", "required"),
            (template_data(unit="kilos"), "unit", "invalid"),
            (template_data(direction="up"), "direction", "invalid"),
            (template_data(aggregation="max"), "aggregation", "invalid"),
        ]
        for data, field, code in cases:
            with refused(lib.LibraryError, field, code):
                lib.publish_indicator_template(tenant, coordinator, data)
        assert db.session.scalars(select(IndicatorTemplate)).all() == []


def test_only_a_coordinator_of_an_association_publishes(world):
    with world.scope("forbundet"):
        tenant = world.tenant("forbundet")
        for role in ("admin", "viewer"):
            with refused(PartnershipPermissionError, "permission", "forbidden"):
                lib.publish_indicator_template(tenant, world.p(role), template_data())
    # A coordinator, but of a municipality.
    with world.scope("vasa"), refused(lib.LibraryError, "permission", "forbidden"):
        lib.publish_indicator_template(world.tenant("vasa"), world.p("coordinator", "vasa"),
                                       template_data())
    with world.scope("forbundet"):
        assert db.session.scalars(select(IndicatorTemplate)).all() == []


def test_agreement_templates_are_versioned_sets_of_the_library_s_own_templates(world):
    started = world.publish()
    completed = world.publish(template_data(code="completed", name=COMPLETED))
    started_2 = world.publish(template_data(unit="percent"))
    with world.scope("forbundet"):
        tenant, coordinator = world.tenant("forbundet"), world.p("coordinator")

        def data(ids, **overrides):
            return lib.AgreementTemplateData(**{
                "code": "BASE", "name": {"sv": "Grundpaket"}, "description": {},
                "indicator_template_ids": ids, **overrides})

        with refused(lib.LibraryError, "indicator_template_ids", "required"):
            lib.publish_agreement_template(tenant, coordinator, data([]))
        with refused(lib.LibraryError, "indicator_template_ids", "duplicate"):
            lib.publish_agreement_template(tenant, coordinator, data([started, started_2]))
        with refused(lib.LibraryError, "indicator_template_ids", "invalid"):
            lib.publish_agreement_template(tenant, coordinator, data([987654]))
        with refused(PartnershipPermissionError, "permission"):
            lib.publish_agreement_template(tenant, world.p("admin"), data([started]))
        first = lib.publish_agreement_template(tenant, coordinator, data([started, completed]))
        with refused(lib.LibraryError, "template", "unchanged"):
            lib.publish_agreement_template(tenant, coordinator, data([started, completed]))
        second = lib.publish_agreement_template(tenant, coordinator,
                                                data([started_2, completed]))
        db.session.commit()
        assert (first.version, second.version) == (1, 2)
        assert [i.indicator_template_id for i in second.items] == [started_2, completed]
        assert [t.version for t in lib.agreement_templates(tenant)] == [2]
        assert [t.id for t in lib.agreement_template_versions(tenant, "BASE")] == [first.id,
                                                                                  second.id]
    assert "partnership.agreement_template_published" in world.actions("forbundet")


def test_another_tenant_s_template_cannot_go_into_an_agreement_template(world, factory):
    other = factory.tenant("other", kind="association")
    factory.user("coordinator.other@example.org", tenant=other, roles=["coordinator"])
    started = world.publish()
    with world.app.app_context(), tenant_scope(other.id):
        tenant = db.session.get(Tenant, other.id)
        user = db.session.scalar(select(User).where(User.email == "coordinator.other@example.org"))
        with refused(lib.LibraryError, "indicator_template_ids", "invalid"):
            lib.publish_agreement_template(tenant, principal_for_user(tenant, user),
                                           lib.AgreementTemplateData(
                code="X", name={"sv": "X"}, description={}, indicator_template_ids=[started]))


# --- differences -----------------------------------------------------------------------------


def test_differences_are_field_by_field_and_per_locale(world):
    first = world.publish()
    second = world.publish(template_data(
        name={"sv": "Påbörjade studier", "fi": "Aloittaneet opiskelijat"}, definition={},
        direction="lower"))
    with world.scope("forbundet"):
        old, new = db.session.get(IndicatorTemplate, first), db.session.get(IndicatorTemplate,
                                                                            second)
        found = lib.template_differences(old, new)
        assert found == [
            lib.Difference("name", "fi", "Aloittaneet", "Aloittaneet opiskelijat"),
            lib.Difference("definition", "sv", "Antal som påbörjat", None),
            lib.Difference("direction", None, "higher", "lower"),
        ]
        assert lib.template_differences(old, old) == []


# --- adopting --------------------------------------------------------------------------------


def test_a_participant_adopts_a_template_into_its_agreement(world):
    template_id = world.publish()
    indicator_id = world.adopt(template_id)
    with world.scope("vasa"):
        indicator = world.indicator(indicator_id)
        assert (indicator.code, indicator.name, indicator.unit, indicator.aggregation) == (
            "started", STARTED, "count", "sum")
        assert indicator.definition == {"sv": "Antal som påbörjat"}
        assert (indicator.template_tenant_id, indicator.template_code,
                indicator.template_version) == (world.id("forbundet"), "started", 1)
        with refused(lib.LibraryError, "code", "duplicate"):
            lib.adopt_indicator_template(world.tenant("vasa"), world.p("admin", "vasa"),
                                         world.agreement(), template_id)
        with refused(PartnershipPermissionError):
            lib.adopt_indicator_template(world.tenant("vasa"), world.p("viewer", "vasa"),
                                         world.agreement(), template_id)
    actions = world.actions("vasa")
    assert "partnership.indicator_added" in actions
    assert "partnership.indicator_adopted" in actions


def test_a_tenant_with_no_participation_sees_no_library(world):
    template_id = world.publish()
    with world.scope("malax"):
        assert sharing.latest_indicator_templates(world.id("malax")) == []
        with refused(lib.LibraryError, "template_id", "invalid"):
            lib.adopt_indicator_template(world.tenant("malax"), world.p("admin", "malax"),
                                         world.agreement("malax"), template_id)
        assert world.agreement("malax").indicators == []


def test_adopting_into_a_signed_agreement_is_refused(world, factory):
    template_id = world.publish()
    # Two purchasing municipalities: the admin signs for both.
    organisations = [factory.organisation(world.tenants["vasa"], kind="municipality")
                     for _ in range(2)]
    with world.scope("vasa"):
        tenant, admin, agreement = world.tenant("vasa"), world.p("admin", "vasa"), world.agreement()
        for organisation in organisations:
            psvc.add_party(tenant, admin, agreement, organisation.id, "purchaser")
        psvc.transition_agreement(tenant, admin, agreement, "negotiation")
        psvc.sign(tenant, admin, agreement)
        psvc.sign(tenant, admin, agreement)
        db.session.commit()
        assert world.agreement().current_version.is_signed
        with refused(PartnershipError, "status", "signed"):
            lib.adopt_indicator_template(tenant, admin, world.agreement(), template_id)


def test_an_agreement_template_is_adopted_all_or_nothing(world):
    started = world.publish()
    completed = world.publish(template_data(code="completed", name=COMPLETED))
    with world.scope("forbundet"):
        base = lib.publish_agreement_template(
            world.tenant("forbundet"), world.p("coordinator"), lib.AgreementTemplateData(
                code="BASE", name={"sv": "Grundpaket"}, description={},
                indicator_template_ids=[started, completed])).id
        db.session.commit()
    with world.scope("vasa"):
        tenant, admin = world.tenant("vasa"), world.p("admin", "vasa")
        # An own indicator with a code of the template: nothing is added.
        psvc.add_indicator(tenant, admin, world.agreement(), psvc.IndicatorData(
            code="completed", name={"sv": "Egen"}, unit="count"))
        db.session.commit()
        with refused(lib.LibraryError, "code", "duplicate"):
            lib.adopt_agreement_template(tenant, admin, world.agreement(), base)
        db.session.rollback()
        assert [i.code for i in world.agreement().indicators] == ["completed"]
        psvc.remove_indicator(tenant, admin, world.agreement().indicators[0])
        db.session.commit()
    world.adopt(started)
    with world.scope("vasa"):
        tenant, admin = world.tenant("vasa"), world.p("admin", "vasa")
        added = lib.adopt_agreement_template(tenant, admin, world.agreement(), base)
        db.session.commit()
        assert [i.code for i in added] == ["completed"]
        assert sorted(i.code for i in world.agreement().indicators) == ["completed", "started"]
        with refused(lib.LibraryError, "template_id", "nothing_to_adopt"):
            lib.adopt_agreement_template(tenant, admin, world.agreement(), base)
    with world.scope("malax"), refused(lib.LibraryError, "template_id", "invalid"):
        lib.adopt_agreement_template(world.tenant("malax"), world.p("admin", "malax"),
                                     world.agreement("malax"), base)
    assert "partnership.agreement_template_adopted" in world.actions("vasa")


# --- newer versions --------------------------------------------------------------------------


def test_a_newer_version_is_offered_then_adopted_keeping_code_and_targets(world):
    first = world.publish()
    indicator_id = world.adopt(first)
    with world.scope("vasa"):
        tenant, admin = world.tenant("vasa"), world.p("admin", "vasa")
        period = psvc.generate_periods(tenant, admin, 2025, 2025, frequency="year")[0]
        psvc.set_target(tenant, admin, world.indicator(indicator_id), period.id, "40")
        db.session.commit()
        assert lib.newer_version(tenant, world.indicator(indicator_id)) is None
    second = world.publish(template_data(name={**STARTED, "sv": "Påbörjade"},
                                         aggregation="last"))
    with world.scope("vasa"):
        tenant, admin = world.tenant("vasa"), world.p("admin", "vasa")
        offered = lib.newer_version(tenant, world.indicator(indicator_id))
        assert (offered.template_id, offered.version) == (second, 2)
        differences = lib.template_differences(world.indicator(indicator_id), offered)
        assert [(d.field, d.locale) for d in differences] == [("name", "sv"),
                                                              ("aggregation", None)]
        with refused(PartnershipPermissionError):
            lib.upgrade_indicator(tenant, world.p("viewer", "vasa"),
                                  world.indicator(indicator_id), second)
        with refused(lib.LibraryError, "template_id", "not_newer"):
            lib.upgrade_indicator(tenant, admin, world.indicator(indicator_id), first)
        lib.upgrade_indicator(tenant, admin, world.indicator(indicator_id), second)
        db.session.commit()
        indicator = world.indicator(indicator_id)
        assert (indicator.code, indicator.name["sv"], indicator.aggregation,
                indicator.template_version) == ("started", "Påbörjade", "last", 2)
        assert [str(t.value) for t in indicator.targets] == ["40.0000"]
        assert lib.newer_version(tenant, indicator) is None
    assert "partnership.indicator_upgraded" in world.actions("vasa")


def test_keeping_a_version_stops_the_offer_until_a_still_newer_one(world):
    indicator_id = world.adopt(world.publish())
    second = world.publish(template_data(unit="percent"))
    with world.scope("vasa"):
        tenant, admin = world.tenant("vasa"), world.p("admin", "vasa")
        with refused(PartnershipPermissionError):
            lib.keep_version(tenant, world.p("viewer", "vasa"), world.indicator(indicator_id), 2)
        with refused(lib.LibraryError, "version", "invalid"):
            lib.keep_version(tenant, admin, world.indicator(indicator_id), 1)
        with refused(lib.LibraryError, "version", "invalid"):
            lib.keep_version(tenant, admin, world.indicator(indicator_id), 7)
        lib.keep_version(tenant, admin, world.indicator(indicator_id), 2)
        db.session.commit()
        indicator = world.indicator(indicator_id)
        assert (indicator.template_version, indicator.template_kept_version) == (1, 2)
        assert indicator.unit == "count"
        assert lib.newer_version(tenant, indicator) is None
    third = world.publish(template_data(unit="percent", direction="lower"))
    with world.scope("vasa"):
        offered = lib.newer_version(world.tenant("vasa"), world.indicator(indicator_id))
        assert (offered.template_id, offered.version) == (third, 3)
        assert second != third
    assert "partnership.indicator_version_kept" in world.actions("vasa")


def test_an_own_indicator_has_no_newer_version_and_cannot_be_kept(world):
    world.publish()
    with world.scope("vasa"):
        tenant, admin = world.tenant("vasa"), world.p("admin", "vasa")
        own = psvc.add_indicator(tenant, admin, world.agreement(), psvc.IndicatorData(
            code="started", name={"sv": "Egen"}, unit="count"))
        assert lib.newer_version(tenant, own) is None
        with refused(lib.LibraryError, "indicator_id", "not_adopted"):
            lib.keep_version(tenant, admin, own, 1)
