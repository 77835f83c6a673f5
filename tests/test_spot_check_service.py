"""The spot-check service: the population of student records and of invoice lines, the draw
stored with its seed and references and reproduced by a redraw (and by the documented recipe),
sizes by count and percentage, validation, the assessment of items, corrective actions after a
finding, closing once everything is assessed, visibility per role and the audit trail."""

from __future__ import annotations

import hashlib
import math
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import Enrolment, Invoice, InvoiceLine
from samverkan.partnership.services import follow_up
from samverkan.partnership.services import spot_check_service as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.services.spot_checks import draw
from samverkan.partnership.spot_check_models import SpotCheck
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db
from tests.test_authorisation import World

START, END = date(2025, 1, 1), date(2025, 6, 30)


class SpotWorld(World):
    """Falun (see World) where p1 has 20 enrolments in the spring of 2025 (and one in the
    autumn) and two invoices with 6 lines; p2 has 3 enrolments."""

    def __init__(self, app, factory, slug: str = "falun"):
        super().__init__(app, factory, slug)
        with self.scope():
            tenant_id = self._tenant.id
            rows = [Enrolment(tenant_id=tenant_id, organisation_id=self.org["p1"],
                              student_ref=f"S-{n:02d}", course_type="vocational",
                              course_code="VARVAR0", course_name="Vård",
                              starts_on=date(2025, 1, 13), ends_on=date(2025, 3, 21))
                    for n in range(1, 21)]
            rows.append(Enrolment(tenant_id=tenant_id, organisation_id=self.org["p1"],
                                  student_ref="S-99", course_type="vocational",
                                  course_code="VARVAR0", starts_on=date(2025, 9, 1),
                                  ends_on=date(2025, 11, 1)))
            rows += [Enrolment(tenant_id=tenant_id, organisation_id=self.org["p2"],
                               student_ref=f"T-{n}", course_type="sfi", course_code="SFI",
                               starts_on=date(2025, 2, 1), ends_on=date(2025, 5, 1))
                     for n in range(1, 4)]
            for number, month in (("F-1", 1), ("F-2", 2)):
                invoice = Invoice(tenant_id=tenant_id, organisation_id=self.org["p1"],
                                  number=number, period_start=date(2025, month, 1),
                                  period_end=date(2025, month, 28),
                                  received_on=date(2025, month + 1, 5))
                invoice.lines = [InvoiceLine(tenant_id=tenant_id, position=n,
                                             student_ref=f"S-{n:02d}", course_type="vocational",
                                             part="during_course", amount=Decimal("1300.00"))
                                 for n in range(1, 4)]
                rows.append(invoice)
            db.session.add_all(rows)
            db.session.commit()

    def spot_check(self, by: str = "purchaser", org: str = "p1", kind: str = "enrolments",
                   **size) -> int:
        size = size or {"count": 5}
        with self.scope():
            spot_check = svc.draw_spot_check(self.p(by), self.org[org], kind, START, END, **size)
            db.session.commit()
            return spot_check.id

    def get(self, spot_check_id: int) -> SpotCheck:
        return db.session.get(SpotCheck, spot_check_id)


@pytest.fixture
def world(app, factory) -> SpotWorld:
    return SpotWorld(app, factory)


def test_the_population_of_student_records_and_invoice_lines(world):
    with world.scope():
        enrolments = svc.population(world.p("purchaser"), world.org["p1"], "enrolments",
                                    START, END)
        assert [e.ref for e in enrolments] == [f"S-{n:02d}/VARVAR0" for n in range(1, 21)]
        assert "Vård" in enrolments[0].summary
        lines = svc.population(world.p("purchaser"), world.org["p1"], "invoice_lines",
                               date(2025, 2, 1), date(2025, 2, 10))
        assert [e.ref for e in lines] == ["F-2/1", "F-2/2", "F-2/3"]


def test_a_draw_is_stored_with_its_seed_and_references_and_redraws_the_same(world):
    spot_check_id = world.spot_check(percent=Decimal("10"))
    with world.scope():
        spot_check = world.get(spot_check_id)
        assert spot_check.population_size == 20 and len(spot_check.population_refs) == 20
        assert len(spot_check.seed) == 16 and spot_check.sample_percent == Decimal("10.00")
        assert [item.rank for item in spot_check.items] == [1, 2]
        refs = spot_check.population_refs

        def key(ref):  # the recipe of the module docstring, by hand
            return hashlib.sha256(f"{spot_check.seed}:{ref}".encode()).hexdigest(), ref

        assert [i.ref for i in spot_check.items] == sorted(refs, key=key)[:math.ceil(20 / 10)]
        comparison = svc.redraw(world.p("viewer"), spot_check)
        assert comparison.same and comparison.population_now == 20
        assert not comparison.added_since and not comparison.removed_since
        assert all(item.status == "pending" for item in spot_check.items)
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "partnership.spot_check_drawn"))
        assert entry.after["seed"] == spot_check.seed and len(entry.after["sample"]) == 2


def test_an_entered_seed_reproduces_a_draw_and_changes_show_in_the_redraw(world):
    with world.scope():
        first = svc.draw_spot_check(world.p("purchaser"), world.org["p1"], "invoice_lines",
                                    START, END, count=3, seed="falun-2025")
        again = svc.draw_spot_check(world.p("admin"), world.org["p1"], "invoice_lines",
                                    START, END, count=3, seed="falun-2025")
        assert [i.ref for i in first.items] == [i.ref for i in again.items]
        assert [i.ref for i in first.items] == list(draw(first.population_refs, "falun-2025",
                                                         count=3))
        db.session.delete(db.session.scalar(select(InvoiceLine).where(InvoiceLine.position == 1)))
        db.session.flush()
        comparison = svc.redraw(world.p("purchaser"), first)
        assert comparison.same and comparison.population_now == 5
        assert len(comparison.removed_since) == 1


@pytest.mark.parametrize(("size", "field"), [
    ({}, "sample_count"), ({"count": 2, "percent": 5}, "sample_count"),
    ({"count": 0}, "sample_count"), ({"count": "x"}, "sample_count"),
    ({"percent": "0"}, "sample_percent"), ({"percent": "101"}, "sample_percent"),
    ({"percent": "2.555"}, "sample_percent"), ({"count": 2, "seed": " x"}, "seed"),
])
def test_the_size_and_seed_are_checked(world, size, field):
    with world.scope(), pytest.raises(PartnershipError) as error:
        svc.draw_spot_check(world.p("purchaser"), world.org["p1"], "enrolments", START, END,
                            **size)
    assert error.value.field == field


def test_the_provider_period_and_population_are_checked(world):
    with world.scope():
        purchaser = world.p("purchaser")
        for args, field in (((world.org["employer"], "enrolments", START, END), "organisation_id"),
                            ((world.org["p1"], "people", START, END), "population_kind"),
                            ((world.org["p1"], "enrolments", END, START), "period_end"),
                            ((world.org["p2"], "invoice_lines", START, END), "population_kind")):
            with pytest.raises(PartnershipError) as error:
                svc.draw_spot_check(purchaser, *args, count=1)
            assert error.value.field == field
        assert db.session.scalar(select(SpotCheck.id)) is None


def test_only_purchasers_and_admins_draw_assess_and_close(world):
    spot_check_id = world.spot_check()
    with world.scope():
        for key in ("viewer", "p1"):
            with pytest.raises(PartnershipPermissionError):
                svc.draw_spot_check(world.p(key), world.org["p1"], "enrolments", START, END,
                                    count=1)
            item = world.get(spot_check_id).items[0]
            with pytest.raises(PartnershipPermissionError):
                svc.assess_item(world.p(key), item, "no_remark")
            with pytest.raises(PartnershipPermissionError):
                svc.close_spot_check(world.p(key), world.get(spot_check_id))


def test_visibility_broad_roles_all_a_provider_its_own(world):
    own = world.spot_check(org="p1")
    other = world.spot_check(org="p2", count=1)
    with world.scope():
        assert {s.id for s in svc.spot_checks_for(world.p("viewer"))} == {own, other}
        assert [s.id for s in svc.spot_checks_for(world.p("p1"))] == [own]
        assert [s.id for s in svc.spot_checks_for(world.p("p2"))] == [other]
        assert svc.get_visible_spot_check(world.p("p1"), own).id == own
        with pytest.raises(PartnershipError):
            svc.get_visible_spot_check(world.p("p1"), other)
        assert [s.id for s in svc.spot_checks_for(world.p("viewer"), status="closed")] == []
        assert [s.id for s in svc.spot_checks_for(
            world.p("admin"), organisation_id=world.org["p2"])] == [other]


def test_assessing_findings_actions_and_closing(world):
    spot_check_id = world.spot_check(count=3)
    with world.scope():
        purchaser = world.p("purchaser")
        spot_check = world.get(spot_check_id)
        first, second, third = spot_check.items
        with pytest.raises(PartnershipError) as error:
            svc.assess_item(purchaser, first, "finding", "  ")
        assert error.value.field == "finding"
        svc.assess_item(purchaser, first, "finding", "Närvaro saknas")
        svc.assess_item(purchaser, second, "no_remark")
        with pytest.raises(PartnershipError) as error:
            svc.add_action(purchaser, second, "Rätta", "Rektor", "provider", date.today())
        assert error.value.code == "no_finding"
        action = svc.add_action(purchaser, first, "Rätta närvaron", "Rektor", "provider",
                                date.today() + timedelta(days=30))
        assert (action.source_kind, action.source_id) == ("spot_check", first.id)
        assert action.organisation_id == world.org["p1"]
        with pytest.raises(PartnershipError) as error:
            svc.assess_item(purchaser, first, "no_remark")
        assert error.value.code == "has_actions"
        with pytest.raises(PartnershipError) as error:
            svc.close_spot_check(purchaser, spot_check)
        assert error.value.code == "pending"
        svc.assess_item(purchaser, third, "no_remark")
        svc.close_spot_check(purchaser, spot_check)
        assert spot_check.status == "closed" and spot_check.closed_on == date.today()
        with pytest.raises(PartnershipError) as error:
            svc.assess_item(purchaser, third, "finding", "Sent")
        assert error.value.code == "closed"
        assert svc.actions_by_item(world.p("p1"), spot_check)[first.id] == [action]
        assert svc.actions_by_item(world.p("p2"), spot_check) == {}
        # the provider closes its own action after the spot check is closed
        follow_up.close(world.p("p1"), action, "Närvaron rättad")
        assert action.status == "closed"
        db.session.commit()
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions.count("partnership.spot_check_assessed") == 3
        assert {"partnership.action_created", "partnership.spot_check_closed",
                "partnership.action_closed"} <= set(actions)


def test_another_tenants_spot_check_is_not_found(world, app, factory):
    spot_check_id = world.spot_check()
    other = World(app, factory, slug="borlange")
    with other.scope():
        with pytest.raises(PartnershipError) as error:
            svc.get_visible_spot_check(other.p("admin"), spot_check_id)
        assert error.value.code == "not_found"
        assert svc.spot_checks_for(other.p("admin")) == []
