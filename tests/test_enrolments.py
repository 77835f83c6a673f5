"""Compensation model versions and enrolments, the services: numbering and checking versions
(every problem on its field), versions in force locked and future ones changed or deleted, no
new version re-pricing courses already started; enrolments only of authorised providers, by
their own reporter or the purchaser, with the checks of course type, quantity, category,
programme area, dates and pseudonymous references; grades; the all-or-nothing import of CSV
and XLSX files with row-numbered problems; payouts and the what-if comparison from the stored
rows; and the audit trail.

The world is Falun (tests.test_authorisation.World) with provider p1 authorised and p2 not.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment
from samverkan.partnership.services import compensation_admin as admin
from samverkan.partnership.services import enrolments as svc
from samverkan.partnership.services import payouts
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db
from tests.test_authorisation import refused
from tests.test_authorisation_pages import PageWorld

TODAY = date.today()


def version_data(valid_from: date = date(2025, 1, 1), **overrides) -> admin.VersionData:
    data = admin.VersionData(
        valid_from=valid_from, base_year=2025, during_course_share="0.65",
        on_grades_share="0.35", grade_deadline_days=30,
        components=[{"course_type": "vocational", "basis": "course_point", "amount": "60"},
                    {"course_type": "apprentice", "basis": "week", "amount": "1000"},
                    {"course_type": "sfi", "basis": "student", "amount": "0",
                     "result_prices": {"short": "24900", "long": "15000"}}],
        demand_weights={"health_social_care": "1.2"}, indexation={"2026": "2.5"},
        note={"sv": "Första versionen"})
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def enrolment_data(world, org: str = "p1", **overrides) -> svc.EnrolmentData:
    values = {"organisation_id": world.org[org], "student_ref": "S-1",
              "course_type": "vocational", "starts_on": date(2025, 1, 13),
              "ends_on": date(2025, 3, 21), "course_code": "VARVAR0", "course_points": "100"}
    values.update(overrides)
    return svc.EnrolmentData(**values)


class CompensationWorld(PageWorld):
    """Falun with version 1 of the model (from 2025-01-01) and p1 authorised."""

    def __init__(self, app, factory, sign_in, slug: str = "falun"):
        super().__init__(app, factory, sign_in, slug)
        self.criteria("K1")
        self.approve(self.application(by="p1", org="p1"))
        self.version1 = self.version(version_data())

    def version(self, data: admin.VersionData, by: str = "purchaser") -> int:
        with self.scope():
            version = admin.create_version(self.tenant, self.p(by), data)
            db.session.commit()
            return version.id

    def enrol(self, by: str = "p1", **overrides) -> int:
        with self.scope():
            enrolment = svc.create_enrolment(self.tenant, self.p(by),
                                             enrolment_data(self, **overrides))
            db.session.commit()
            return enrolment.id

    def enrolments(self) -> list[tuple]:
        with self.scope():
            return [(e.student_ref, e.course_type, e.completed, e.grades_reported_on)
                    for e in db.session.scalars(select(Enrolment).order_by(Enrolment.id))]


@pytest.fixture
def world(app, factory, sign_in_as) -> CompensationWorld:
    return CompensationWorld(app, factory, sign_in_as)


# --- versions --------------------------------------------------------------------------------


def test_versions_are_numbered_in_order_and_start_on_different_days(world):
    second = world.version(version_data(TODAY + timedelta(days=10)))
    with world.scope():
        assert [v.version for v in admin.versions_of(world.tenant)] == [2, 1]
        assert db.session.get(CompensationVersion, second).created_by_label.startswith("purchaser")
        with refused(PartnershipError, "valid_from", "taken"):
            admin.create_version(world.tenant, world.p("admin"),
                                 version_data(TODAY + timedelta(days=10)))
        for key in ("viewer", "p1"):
            with refused(PartnershipPermissionError):
                admin.create_version(world.tenant, world.p(key), version_data(date(2030, 1, 1)))


def test_every_problem_of_a_version_lands_on_its_field(world):
    bad = version_data(date(2030, 1, 1), on_grades_share="0.45", demand_weights={
        "health_social_care": "0", "nowhere": "1"}, components=[
        {"course_type": "vocational", "basis": "course_point", "amount": "-1"},
        {"course_type": "vocational", "basis": "hour", "amount": "x"}])
    with world.scope(), refused(PartnershipError) as holder:
        admin.create_version(world.tenant, world.p("purchaser"), bad)
    fields = set(holder.error.errors)
    assert {"components[1].basis", "components[1].amount", "demand_weights[nowhere]"} <= fields
    with world.scope(), refused(PartnershipError) as holder:
        admin.create_version(world.tenant, world.p("purchaser"), version_data(
            date(2030, 1, 1), on_grades_share="0.45", demand_weights={"health_social_care": "0"},
            components=[{"course_type": "vocational", "basis": "course_point", "amount": "-1"},
                        {"course_type": "vocational", "basis": "week", "amount": "1"}]))
    assert {"split", "components[0].amount", "components[1].course_type",
            "demand_weights[health_social_care]"} <= set(holder.error.errors)
    with world.scope():
        assert len(admin.versions_of(world.tenant)) == 1


def test_a_version_in_force_is_locked_and_a_future_one_can_change_or_go(world):
    future = world.version(version_data(TODAY + timedelta(days=30)))
    with world.scope():
        tenant, purchaser = world.tenant, world.p("purchaser")
        first = db.session.get(CompensationVersion, world.version1)
        assert admin.is_locked(first)
        with refused(PartnershipError, "version", "locked"):
            admin.update_version(tenant, purchaser, first, version_data())
        with refused(PartnershipError, "version", "locked"):
            admin.delete_version(tenant, purchaser, first)
        version = db.session.get(CompensationVersion, future)
        admin.update_version(tenant, purchaser, version, version_data(
            TODAY + timedelta(days=31), grade_deadline_days=45))
        db.session.commit()
        assert version.grade_deadline_days == 45 and not admin.is_locked(version)
        assert admin.can_delete(tenant, version)
        admin.delete_version(tenant, purchaser, version)
        db.session.commit()
        assert [v.version for v in admin.versions_of(tenant)] == [1]


def test_a_new_version_never_reprices_courses_already_started(world):
    world.enrol(starts_on=date(2025, 3, 3), ends_on=date(2025, 5, 30))
    with world.scope(), refused(PartnershipError, "valid_from", "reprices"):
        admin.create_version(world.tenant, world.p("purchaser"), version_data(date(2025, 2, 1)))
    world.version(version_data(date(2025, 7, 1)))  # after every start: allowed
    with world.scope():
        copy = admin.copy_version(world.tenant, world.p("purchaser"),
                                  db.session.get(CompensationVersion, world.version1),
                                  TODAY + timedelta(days=5))
        db.session.commit()
        assert copy.version == 3 and copy.components == db.session.get(
            CompensationVersion, world.version1).components


# --- enrolments ------------------------------------------------------------------------------


def test_enrolments_only_of_authorised_providers_by_their_reporter_or_the_purchaser(world):
    world.enrol(by="p1")
    world.enrol(by="purchaser", student_ref="S-2")
    with world.scope():
        tenant = world.tenant
        with refused(PartnershipPermissionError):
            svc.create_enrolment(tenant, world.p("p2"), enrolment_data(world, student_ref="S-3"))
        with refused(PartnershipPermissionError):
            svc.create_enrolment(tenant, world.p("viewer"), enrolment_data(world))
        with refused(PartnershipError, "organisation_id", "not_authorised"):
            svc.create_enrolment(tenant, world.p("purchaser"), enrolment_data(world, "p2"))
        assert [o.id for o in svc.providers_for(tenant, world.p("p1"))] == [world.org["p1"]]
        assert svc.providers_for(tenant, world.p("p2")) == []
    assert [row[0] for row in world.enrolments()] == ["S-1", "S-2"]


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"ends_on": date(2025, 1, 1)}, "ends_on", "before_start"),
    ({"course_type": "pilot"}, "course_type", "unknown"),
    ({"course_points": ""}, "course_points", "required"),
    ({"course_type": "apprentice", "course_points": None}, "weeks", "required"),
    ({"course_type": "sfi", "category": "medium"}, "category", "required"),
    ({"programme_area": "astrology"}, "programme_area", "invalid"),
    ({"student_ref": "19800101-1234"}, "student_ref", "identity"),
    ({"student_ref": ""}, "student_ref", "required"),
    ({"course_points": "-5"}, "course_points", "negative"),
])
def test_an_enrolment_is_checked(world, overrides, field, code):
    with world.scope(), refused(PartnershipError, field, code):
        svc.create_enrolment(world.tenant, world.p("p1"), enrolment_data(world, **overrides))


def test_the_same_enrolment_twice_is_refused_and_a_provider_sees_only_its_own(world):
    enrolment_id = world.enrol()
    with world.scope():
        tenant = world.tenant
        with refused(PartnershipError, "student_ref", "duplicate"):
            svc.create_enrolment(tenant, world.p("purchaser"), enrolment_data(world))
        assert svc.get_visible_enrolment(tenant, world.p("viewer"), enrolment_id)
        with refused(PartnershipError, "enrolment_id", "not_found"):
            svc.get_visible_enrolment(tenant, world.p("p2"), enrolment_id)
        assert db.session.scalars(svc.visible_query(tenant, world.p("p2"))).all() == []
        assert len(db.session.scalars(svc.visible_query(
            tenant, world.p("viewer"), course_type="vocational", completed=False,
            period_start=date(2025, 3, 1), period_end=date(2025, 3, 31))).all()) == 1
        assert db.session.scalars(svc.visible_query(
            tenant, world.p("viewer"), period_start=date(2025, 4, 1))).all() == []
        enrolment = db.session.get(Enrolment, enrolment_id)
        svc.update_enrolment(tenant, world.p("p1"), enrolment, enrolment_data(
            world, course_points="120", programme_area="health_social_care"))
        with refused(PartnershipPermissionError):
            svc.delete_enrolment(tenant, world.p("p2"), enrolment)
        db.session.commit()
        assert enrolment.course_points == Decimal("120.00")


def test_grades_are_reported_with_a_day_not_in_the_future(world):
    enrolment_id = world.enrol()
    with world.scope():
        tenant, enrolment = world.tenant, db.session.get(Enrolment, enrolment_id)
        with refused(PartnershipError, "grades_reported_on", "future"):
            svc.report_grades(tenant, world.p("p1"), enrolment, True, TODAY + timedelta(days=1))
        with refused(PartnershipError, "grades_reported_on", "required"):
            svc.report_grades(tenant, world.p("p1"), enrolment, True, None)
        with refused(PartnershipPermissionError):
            svc.report_grades(tenant, world.p("viewer"), enrolment, True, date(2025, 4, 1))
        svc.report_grades(tenant, world.p("p1"), enrolment, True, date(2025, 4, 1))
        db.session.commit()
    assert world.enrolments() == [("S-1", "vocational", True, date(2025, 4, 1))]


def test_payouts_and_what_if_from_the_stored_rows(world):
    world.enrol()
    with world.scope():
        found = payouts.computed_payouts(world.p("p1"), date(2025, 1, 1), date(2025, 1, 31))
        assert [(p.provider_id, p.total) for p in found] == [(world.org["p1"], Decimal("1300.00"))]
        assert payouts.computed_payouts(world.p("p2"), date(2025, 1, 1), date(2025, 1, 31)) == []
    second = world.version(version_data(date(2025, 7, 1), components=[
        {"course_type": "vocational", "basis": "course_point", "amount": "90"}]))
    with world.scope():
        tenant = world.tenant
        a = db.session.get(CompensationVersion, world.version1)
        b = db.session.get(CompensationVersion, second)
        rows = admin.compare_versions(tenant, world.p("viewer"), a, b, date(2025, 1, 1),
                                      date(2025, 3, 31))
        assert [(r.total_a, r.total_b, r.difference) for r in rows] == [
            (Decimal("3900.00"), Decimal("5850.00"), Decimal("1950.00"))]
        with refused(PartnershipPermissionError):
            admin.compare_versions(tenant, world.p("p1"), a, b, date(2025, 1, 1),
                                   date(2025, 3, 31))


def test_period_bounds():
    assert admin.period_bounds("month", year="2025", month="2") == (date(2025, 2, 1),
                                                                   date(2025, 2, 28))
    assert admin.period_bounds("quarter", year=2025, quarter=4) == (date(2025, 10, 1),
                                                                   date(2025, 12, 31))
    assert admin.period_bounds("year", year=2024) == (date(2024, 1, 1), date(2024, 12, 31))
    assert admin.last_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    with refused(PartnershipError, "to", "before_start"):
        admin.period_bounds("range", start="2025-02-01", end="2025-01-01")
    with refused(PartnershipError, "month", "invalid"):
        admin.period_bounds("month", year=2025, month=13)


# --- import ----------------------------------------------------------------------------------

HEADER = "student_ref;course_type;course_code;starts_on;ends_on;course_points;weeks;category;" \
         "programme_area;completed;grades_reported_on"


def _import(world, text: str | bytes, filename: str = "enrolments.csv", by: str = "p1"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    with world.scope():
        rows = svc.read_file(data, filename)
        result = svc.import_rows(world.tenant, world.p(by), rows, world.org["p1"])
        if result.errors:
            db.session.rollback()
        else:
            db.session.commit()
        return result


def test_an_import_writes_every_row_or_none_and_names_the_rows(world):
    bad = "\n".join([HEADER, "S-1;vocational;A;2025-01-13;2025-03-21;100;;;;0;",
                     "S-2;vocational;A;2025-03-21;2025-01-13;100;;;;0;",
                     "S-3;sfi;;2025-01-13;2025-03-21;;;medium;;0;",
                     "S-1;vocational;A;2025-01-13;2025-03-21;100;;;;0;"])
    result = _import(world, bad)
    assert [(e.row, e.field) for e in result.errors] == [(3, "ends_on"), (4, "category"),
                                                         (5, "student_ref")]
    assert world.enrolments() == []
    good = "\n".join([HEADER, "S-1;vocational;A;2025-01-13;2025-03-21;100;;;;0;",
                      "S-3;sfi;;2025-01-13;2025-03-21;;;short;sfi;1;2025-03-25"])
    result = _import(world, good)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    again = good.replace("S-1;vocational;A;2025-01-13;2025-03-21;100;;;;0;",
                         "S-1;vocational;A;2025-01-13;2025-03-21;100;;;;1;2025-03-28")
    result = _import(world, again)
    assert (result.created, result.updated) == (0, 2)
    assert ("S-1", "vocational", True, date(2025, 3, 28)) in world.enrolments()
    with world.scope():
        actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert actions.count("partnership.enrolments_imported") == 2
    assert actions.count("partnership.enrolment_updated") == 1  # the unchanged row is not


def test_an_xlsx_import_and_files_that_cannot_be_read(world):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    sheet.append(["S-9", "apprentice", "", date(2025, 2, 3), date(2025, 6, 13), None, 20, None,
                  "construction", 0, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(world, buffer.getvalue(), "enrolments.xlsx")
    assert result.errors == [] and result.created == 1
    assert world.enrolments() == [("S-9", "apprentice", False, None)]
    with world.scope():
        for data, name, code in ((b"x", "e.xlsx", "unreadable"), (b"", "e.csv", "empty"),
                                 (b"a;b\n1;2", "e.csv", "header"), (b"x", "e.pdf", "format")):
            with refused(PartnershipError, "file", code):
                svc.import_rows(world.tenant, world.p("p1"), svc.read_file(data, name), None)
        with refused(PartnershipPermissionError):
            svc.import_rows(world.tenant, world.p("p2"), [HEADER.split(";")], None)


def test_every_change_is_audited(world):
    enrolment_id = world.enrol()
    future = world.version(version_data(TODAY + timedelta(days=3)))
    with world.scope():
        tenant = world.tenant
        svc.report_grades(tenant, world.p("p1"), db.session.get(Enrolment, enrolment_id), False,
                          date(2025, 3, 25))
        svc.delete_enrolment(tenant, world.p("purchaser"), db.session.get(Enrolment,
                                                                           enrolment_id))
        admin.delete_version(tenant, world.p("admin"), db.session.get(CompensationVersion,
                                                                      future))
        db.session.commit()
        actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    for action in ("compensation_version_created", "enrolment_created", "grades_reported",
                   "enrolment_deleted", "compensation_version_deleted"):
        assert f"partnership.{action}" in actions
