"""Compensation pages: the versions (read by every broad role and providers, kept by purchasers
and admins: a new version prefilled from the latest, errors on their fields, a version in force
not editable, deleting a future one after confirming), the enrolments (a provider sees and
changes only its own, filters and sorting, adding, grades, deleting after confirming, the
import with its template and row-numbered problems), the calculator (a payout per provider, a
provider only its own, the explained lines in the reader's language, CSV export, a pricing
problem shown instead of an error page), the what-if comparison (broad roles only) and another
tenant's objects as 404."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment
from samverkan.platform.db import db, tenant_scope
from tests.test_enrolments import CompensationWorld, version_data

TODAY = date.today()
JANUARY = {"period": "month", "year": "2025", "month": "1", "lang": "sv"}


@pytest.fixture
def world(app, factory, sign_in_as) -> CompensationWorld:
    return CompensationWorld(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def url(world, path: str = "") -> str:
    return f"/t/{world.slug}/partnership/compensation{path}"


def version_form(valid_from: date, **overrides) -> dict:
    form = {"valid_from": valid_from.isoformat(), "base_year": "2025",
            "during_course_share": "65", "on_grades_share": "35", "grade_deadline_days": "30",
            "components-0-course_type": "vocational", "components-0-basis": "course_point",
            "components-0-amount": "60", "components-0-result_prices": "",
            "components-1-course_type": "sfi", "components-1-basis": "student",
            "components-1-amount": "0", "components-1-result_prices": "short=24900; long=15000",
            "weight_health_social_care": "1,2", "indexation-0-year": "2026",
            "indexation-0-percent": "2,5", "note-sv": "Ny version"}
    form.update(overrides)
    return form


def test_versions_are_read_by_broad_roles_and_providers_and_kept_by_purchasers(world):
    for key in ("viewer", "p1", "admin"):
        page = world.client(key).get(url(world))
        assert page.status_code == 200 and "Version 1" in text(page), key
        detail = world.client(key).get(url(world, f"/versions/{world.version1}"))
        assert detail.status_code == 200 and "Health and social care" in text(detail)
    assert "New version" not in text(world.client("viewer").get(url(world)))
    for key in ("viewer", "p1"):
        assert world.client(key).get(url(world, "/versions/new")).status_code == 403
        assert world.client(key).post(url(world, "/versions/new"),
                                      data=version_form(TODAY + timedelta(days=9))).status_code == 403
    client = world.client("purchaser")
    new = client.get(url(world, "/versions/new"))
    assert new.status_code == 200 and 'value="vocational"' in text(new)
    assert "Prefilled from version 1" in text(new)
    bad = client.post(url(world, "/versions/new"), data=version_form(
        TODAY + timedelta(days=9), on_grades_share="45", **{"components-0-amount": "-1"}))
    assert bad.status_code == 400
    assert "add up to 1" in text(bad) and "A price cannot be negative" in text(bad)
    assert "Amount, row 1: A price cannot be negative" in text(bad)  # in the error summary
    response = client.post(url(world, "/versions/new"), data=version_form(
        TODAY + timedelta(days=9)))
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    assert "Version 2" in text(detail) and "Ny version" in text(detail)
    with world.scope():
        version = db.session.scalar(select(CompensationVersion).where(
            CompensationVersion.version == 2))
        assert version.demand_weights == {"health_social_care": "1.2"}
        assert version.indexation == {"2026": "2.5"}
        assert version.components[1]["result_prices"] == {"short": "24900.00",
                                                          "long": "15000.00"}
        assert str(version.during_course_share) == "0.6500"


def test_only_a_future_version_is_edited_and_deleted_after_confirming(world):
    future = world.version(version_data(TODAY + timedelta(days=20)))
    client = world.client("admin")
    locked = client.get(url(world, f"/versions/{world.version1}/edit"))
    assert locked.status_code == 302 and "versions/new?from=" in locked.headers["Location"]
    assert "Edit version" not in text(client.get(url(world, f"/versions/{world.version1}")))
    form = client.get(url(world, f"/versions/{future}/edit"))
    assert form.status_code == 200
    response = client.post(url(world, f"/versions/{future}/edit"), data=version_form(
        TODAY + timedelta(days=21), grade_deadline_days="60"))
    assert response.status_code == 302
    confirm = client.get(url(world, f"/versions/{future}/delete"))
    assert confirm.status_code == 200 and "Delete version" in text(confirm)
    assert client.post(url(world, f"/versions/{world.version1}/delete")).status_code == 409
    assert client.post(url(world, f"/versions/{future}/delete")).status_code == 302
    with world.scope():
        assert db.session.get(CompensationVersion, future) is None
    copy = client.post(url(world, f"/versions/{world.version1}/copy"),
                       data={"valid_from": (TODAY + timedelta(days=3)).isoformat()})
    assert copy.status_code == 302
    assert world.client("viewer").get(url(world, f"/versions/{world.version1}/copy")
                                      ).status_code == 403


def test_a_provider_sees_and_changes_only_its_own_enrolments(world):
    own = world.enrol(student_ref="S-OWN")
    with world.scope():  # p2's enrolment written directly (p2 is not authorised)
        other = Enrolment(tenant_id=world._tenant.id, organisation_id=world.org["p2"],
                          student_ref="S-OTHER", course_type="vocational",
                          starts_on=date(2025, 1, 13), ends_on=date(2025, 3, 21),
                          course_points=100)
        db.session.add(other)
        db.session.commit()
        other = other.id
    p1 = world.client("p1")
    page = text(p1.get(url(world, "/enrolments")))
    assert "S-OWN" in page and "S-OTHER" not in page
    for path in ("edit", "grades", "delete"):
        assert p1.get(url(world, f"/enrolments/{other}/{path}")).status_code == 404
    viewer = world.client("viewer")
    page = text(viewer.get(url(world, "/enrolments")))
    assert "S-OWN" in page and "S-OTHER" in page
    assert viewer.get(url(world, f"/enrolments/{own}/edit")).status_code == 403
    assert viewer.get(url(world, "/enrolments/new")).status_code == 403
    filtered = text(viewer.get(url(world, f"/enrolments?provider={world.org['p2']}")))
    assert "S-OTHER" in filtered and "S-OWN" not in filtered
    assert "S-OWN" not in text(viewer.get(url(world, "/enrolments?completed=yes")))
    assert viewer.get(url(world, "/enrolments?sort=-student_ref&page=3")).status_code == 200


def test_adding_grading_and_deleting_an_enrolment(world):
    client = world.client("p1")
    form = client.get(url(world, "/enrolments/new"))
    assert form.status_code == 200 and "pseudonymous" in text(form)
    data = {"organisation_id": str(world.org["p1"]), "student_ref": "S-5",
            "course_type": "vocational", "starts_on": "2025-01-13", "ends_on": "2025-03-21",
            "course_points": ""}
    response = client.post(url(world, "/enrolments/new"), data=data)
    assert response.status_code == 400 and "enter the course points" in text(response)
    assert client.post(url(world, "/enrolments/new"), data={
        **data, "course_points": "100"}).status_code == 302
    with world.scope():
        enrolment_id = db.session.scalar(select(Enrolment.id))
    grades = client.post(url(world, f"/enrolments/{enrolment_id}/grades"), data={
        "completed": "y", "grades_reported_on": "2025-04-01"})
    assert grades.status_code == 302
    edit = client.post(url(world, f"/enrolments/{enrolment_id}/edit"), data={
        **data, "course_points": "90", "ends_on": "2025-01-01"})
    assert edit.status_code == 400 and "cannot end before it starts" in text(edit)
    assert "Delete enrolment" in text(client.get(url(world, f"/enrolments/{enrolment_id}/delete")))
    assert client.post(url(world, f"/enrolments/{enrolment_id}/delete")).status_code == 302
    assert world.enrolments() == []


def test_the_import_page_its_template_and_its_problems(world):
    client = world.client("p1")
    page = client.get(url(world, "/enrolments/import"))
    assert page.status_code == 200 and "CSV template" in text(page)
    template = client.get(url(world, "/enrolments/template?format=csv"))
    assert template.mimetype == "text/csv" and "student_ref" in text(template)
    xlsx = client.get(url(world, "/enrolments/template?format=xlsx"))
    assert xlsx.data[:2] == b"PK"
    bad = "student_ref;course_type;starts_on;ends_on;course_points\nS-1;pilot;2025-01-13;" \
          "2025-03-21;10\n"
    response = client.post(url(world, "/enrolments/import"), data={
        "organisation_id": str(world.org["p1"]),
        "file": (io.BytesIO(bad.encode()), "enrolments.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Nothing was imported" in text(response) and "pilot" in text(response)
    response = client.post(url(world, "/enrolments/import"), data={
        "organisation_id": str(world.org["p1"]),
        "file": (io.BytesIO(template.data), "enrolments.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302, text(response)
    assert len(world.enrolments()) == 3
    assert world.client("p2").get(url(world, "/enrolments/import")).status_code == 403


def test_the_calculator_explains_each_line_and_shows_a_provider_only_its_own(world):
    world.enrol(programme_area="health_social_care")
    purchaser = world.client("purchaser")
    page = purchaser.get(url(world, "/calculator"), query_string=JANUARY)
    assert page.status_code == 200 and "Lärande AB" in text(page)
    assert "1\xa0560,00" in text(page)  # 100 x 60 x 1.2 x 0.65 / 3, Swedish money format
    detail = purchaser.get(url(world, f"/calculator/{world.org['p1']}"),
                           query_string={**JANUARY, "lang": "en"})
    assert detail.status_code == 200
    assert "Paid during the course: 1 of 3 months of the share 65%" in text(detail)
    assert "Health and social care" in text(detail)
    export = purchaser.get(url(world, "/calculator"), query_string={**JANUARY, "format": "csv"})
    assert export.mimetype == "text/csv" and "S-1" in text(export)
    p2 = world.client("p2")
    assert "Lärande AB" not in text(p2.get(url(world, "/calculator"), query_string=JANUARY))
    assert p2.get(url(world, f"/calculator/{world.org['p1']}")).status_code == 404
    quarter = purchaser.get(url(world, "/calculator"), query_string={
        "period": "quarter", "year": "2025", "quarter": "1", "lang": "sv"})
    assert "4\xa0680,00" in text(quarter)
    wrong = purchaser.get(url(world, "/calculator"), query_string={
        "period": "range", "from": "2025-02-01", "to": "2025-01-01", "lang": "en"})
    assert wrong.status_code == 200 and "cannot end before it starts" in text(wrong)


def test_a_pricing_problem_is_shown_not_an_error_page(world):
    with world.scope():
        db.session.add(Enrolment(tenant_id=world._tenant.id, organisation_id=world.org["p1"],
                                 student_ref="S-OLD", course_type="vocational",
                                 starts_on=date(2024, 12, 2), ends_on=date(2025, 2, 28),
                                 course_points=50))
        db.session.commit()
    page = world.client("purchaser").get(url(world, "/calculator"),
                                         query_string={**JANUARY, "lang": "en"})
    assert page.status_code == 200
    assert "No version of the compensation model is valid" in text(page) and "S-OLD" in text(page)


def test_what_if_is_for_the_broad_roles(world):
    world.enrol()
    second = world.version(version_data(TODAY + timedelta(days=2), components=[
        {"course_type": "vocational", "basis": "course_point", "amount": "90"}]))
    page = world.client("viewer").get(url(world, "/what-if"), query_string={
        **JANUARY, "a": str(world.version1), "b": str(second)})
    assert page.status_code == 200
    assert "1\xa0300,00" in text(page) and "1\xa0950,00" in text(page) and "650,00" in text(page)
    assert world.client("p1").get(url(world, "/what-if")).status_code == 403


def test_another_tenants_objects_are_not_found(world, factory):
    other = factory.tenant("annan", country="SE")
    rows = factory.purchasing_rows(other)
    client = world.client("admin")
    assert client.get(url(world, f"/versions/{rows['version']}")).status_code == 404
    assert client.get(url(world, f"/enrolments/{rows['enrolment']}/edit")).status_code == 404
    assert client.get(url(world, f"/calculator/{rows['provider']}")).status_code == 404
    with factory.app.app_context(), tenant_scope(other.id):
        assert db.session.get(Enrolment, rows["enrolment"]) is not None


def test_every_page_answers_every_role_without_a_server_error(world):
    enrolment = world.enrol(programme_area="sfi", course_type="sfi", category="short",
                            course_points=None)
    future = world.version(version_data(TODAY + timedelta(days=4)))
    paths = ["", f"/versions/{world.version1}", f"/versions/{future}", "/versions/new",
             f"/versions/{future}/edit", f"/versions/{future}/copy", f"/versions/{future}/delete",
             "/enrolments", "/enrolments/new", f"/enrolments/{enrolment}/edit",
             f"/enrolments/{enrolment}/grades", f"/enrolments/{enrolment}/delete",
             "/enrolments/import", "/enrolments/template", "/calculator",
             f"/calculator/{world.org['p1']}", "/what-if"]
    expected = {
        "purchaser": dict.fromkeys(paths, 200),
        "viewer": {**dict.fromkeys(paths, 200), **dict.fromkeys(
            ["/versions/new", f"/versions/{future}/edit", f"/versions/{future}/copy",
             f"/versions/{future}/delete", "/enrolments/new", f"/enrolments/{enrolment}/edit",
             f"/enrolments/{enrolment}/grades", f"/enrolments/{enrolment}/delete",
             "/enrolments/import"], 403)},
    }
    for key in ("admin", "purchaser", "viewer", "p1", "p2"):
        client = world.client(key)
        for path in paths:
            for locale in ("sv", "fi"):
                response = client.get(url(world, path), query_string={"lang": locale})
                assert response.status_code in (200, 403, 404), (key, path, response.status_code)
                if key in expected:
                    assert response.status_code == expected[key][path], (key, path)
