"""Follow-up of authorised providers: the periodic re-check (scheduled on approval, listed when
due, moved on when recorded) and the sanctions ladder (remark < warning < revocation; a
revocation needs an earlier warning and takes the provider off the register), with its history,
by service and by page: purchasers write, providers read only their own, other tenants' ids are
not found."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverkan.partnership.services import authorisation as svc
from samverkan.partnership.services import settings as psvc
from samverkan.partnership.services.common import PartnershipPermissionError
from samverkan.platform.db import db
from tests.test_authorisation import refused
from tests.test_authorisation_pages import PageWorld, text

TODAY = date.today()
START = TODAY - timedelta(days=400)


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    world = PageWorld(app, factory, sign_in_as)
    world.criteria("K1")
    return world


def approved(world: PageWorld, org: str = "p1") -> int:
    application_id = world.application(by="purchaser", org=org)
    world.approve(application_id, valid_from=START, valid_to=TODAY + timedelta(days=365))
    return application_id


def sanction(world: PageWorld, application_id: int, level: str, on: date = TODAY,
             by: str = "purchaser") -> None:
    with world.scope():
        svc.add_sanction(world.tenant, world.p(by), world.app_(application_id), level, on,
                         {"sv": f"Brist ({level})"})
        db.session.commit()


# --- services --------------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert svc.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert svc.add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
    assert svc.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_approval_schedules_the_recheck_and_recording_one_moves_it_on(world):
    application_id = approved(world)
    other = approved(world, "p2")
    with world.scope():
        assert world.app_(application_id).next_recheck_on == svc.add_months(START, 12)
        due = svc.rechecks_due(world.tenant, TODAY)
        assert [a.id for a in due] == [application_id, other]
        assert svc.rechecks_due(world.tenant, START) == []
        svc.record_recheck(world.tenant, world.p("purchaser"), world.app_(application_id),
                           TODAY, "ok", "Allt i ordning")
        db.session.commit()
        assert world.app_(application_id).next_recheck_on == svc.add_months(TODAY, 12)
        assert [a.id for a in svc.rechecks_due(world.tenant, TODAY)] == [other]
        with refused(field="comment", code="required"):
            svc.record_recheck(world.tenant, world.p("purchaser"), world.app_(other), TODAY,
                               "remark", "")
        db.session.rollback()
        svc.record_recheck(world.tenant, world.p("purchaser"), world.app_(other), TODAY,
                           "remark", "Betygen rapporteras sent")
        db.session.commit()
        assert [s.level for s in svc.sanctions_of(world.app_(other))] == ["remark"]
        for key in ("viewer", "p1"):
            with refused(PartnershipPermissionError):
                svc.record_recheck(world.tenant, world.p(key), world.app_(application_id),
                                   TODAY, "ok")
    assert "partnership.authorisation_rechecked" in world.actions()


def test_the_recheck_interval_is_the_tenants_setting(world):
    with world.scope():
        assert svc.recheck_months(world.tenant) == svc.RECHECK_MONTHS == 12
        psvc.update_partnership_settings(world.tenant, world.p("admin"), {"recheck_months": 6})
        db.session.commit()
        assert svc.recheck_months(world.tenant) == 6
    application_id = approved(world)
    with world.scope():
        assert world.app_(application_id).next_recheck_on == svc.add_months(START, 6)
        svc.record_recheck(world.tenant, world.p("purchaser"), world.app_(application_id),
                           TODAY, "ok")
        db.session.commit()
        assert world.app_(application_id).next_recheck_on == svc.add_months(TODAY, 6)


def test_the_ladder_revocation_needs_an_earlier_warning_and_ends_the_authorisation(world):
    application_id = approved(world)
    sanction(world, application_id, "remark", TODAY - timedelta(days=60))
    with world.scope():
        with refused(field="level", code="no_warning"):
            svc.add_sanction(world.tenant, world.p("purchaser"), world.app_(application_id),
                             "revocation", TODAY, {"sv": "Upprepade brister"})
        db.session.rollback()
    sanction(world, application_id, "warning", TODAY - timedelta(days=30))
    with world.scope():
        with refused(field="level", code="no_warning"):
            svc.add_sanction(world.tenant, world.p("purchaser"), world.app_(application_id),
                             "revocation", TODAY - timedelta(days=40), {"sv": "Före varningen"})
        db.session.rollback()
        assert [e.name["sv"] for e in svc.register_of(world.tenant)] == ["Lärande AB"]
    sanction(world, application_id, "revocation")
    with world.scope():
        application = world.app_(application_id)
        assert (application.status, application.revoked_on) == ("revoked", TODAY)
        assert application.next_recheck_on is None
        assert [s.level for s in svc.sanctions_of(application)] == [
            "remark", "warning", "revocation"]
        assert svc.register_of(world.tenant) == []
        assert svc.rechecks_due(world.tenant, TODAY) == []
        with refused(field="status", code="not_approved"):
            svc.add_sanction(world.tenant, world.p("purchaser"), application, "remark", TODAY,
                             {"sv": "Efter återkallelsen"})
    assert {"partnership.sanction_added", "partnership.authorisation_revoked"} <= set(
        world.actions())


def test_sanctions_need_an_approved_authorisation_a_reason_a_date_and_the_right_role(world):
    draft = world.application()
    application_id = approved(world, "p2")
    with world.scope():
        with refused(field="status", code="not_approved"):
            svc.add_sanction(world.tenant, world.p("purchaser"), world.app_(draft), "remark",
                             TODAY, {"sv": "X"})
        application = world.app_(application_id)
        with refused(field="reason", code="required"):
            svc.add_sanction(world.tenant, world.p("purchaser"), application, "remark", TODAY,
                             {"sv": " "})
        with refused(field="decided_on", code="future"):
            svc.add_sanction(world.tenant, world.p("purchaser"), application, "remark",
                             TODAY + timedelta(days=1), {"sv": "X"})
        with refused(field="level", code="invalid"):
            svc.add_sanction(world.tenant, world.p("purchaser"), application, "fine", TODAY,
                             {"sv": "X"})
        for key in ("viewer", "p2"):
            with refused(PartnershipPermissionError):
                svc.add_sanction(world.tenant, world.p(key), application, "remark", TODAY,
                                 {"sv": "X"})


# --- pages -----------------------------------------------------------------------------------


def test_the_purchaser_decides_sanctions_by_page_with_confirmation(world):
    application_id = approved(world)
    base = world.url(f"/applications/{application_id}")
    client = world.client("purchaser")
    page = text(client.get(base))
    assert "Sanctions" in page and "No sanctions have been decided." in page
    assert "Record re-check" in page and "Decide a sanction" in page
    form_page = client.get(f"{base}/sanction")
    assert form_page.status_code == 200 and "requires an earlier warning" in text(form_page)
    assert 'name="confirm_revocation"' in text(form_page)
    form = {"level": "warning", "decided_on": TODAY.isoformat(), "reason-sv": "Sena betyg"}
    response = client.post(f"{base}/sanction", data=form)
    assert response.status_code == 400 and "Confirm the decision" in text(response)
    assert client.post(f"{base}/sanction", data={**form, "confirm": "y"}).status_code == 302
    revoke = {**form, "level": "revocation", "reason-sv": "Upprepat", "confirm": "y"}
    response = client.post(f"{base}/sanction", data=revoke)
    assert response.status_code == 400 and "Confirm the revocation" in text(response)
    with world.scope():
        assert world.app_(application_id).status == "approved"
    response = client.post(f"{base}/sanction", data={**revoke, "confirm_revocation": "y"})
    assert response.status_code == 302
    page = text(client.get(base))
    assert "Revoked" in page and "Sena betyg" in page and "Upprepat" in page
    assert "Lärande AB" not in text(world.app.test_client().get(f"/t/{world.slug}/register"))
    assert client.post(f"{base}/sanction", data={**form, "confirm": "y"}).status_code == 409


def test_a_revocation_without_a_warning_is_refused_in_the_form(world):
    application_id = approved(world)
    response = world.client("purchaser").post(
        world.url(f"/applications/{application_id}/sanction"),
        data={"level": "revocation", "decided_on": TODAY.isoformat(), "reason-sv": "X",
              "confirm": "y", "confirm_revocation": "y"})
    assert response.status_code == 400 and "requires an earlier warning" in text(response)
    with world.scope():
        assert world.app_(application_id).status == "approved"


def test_the_recheck_form_and_the_due_filter(world):
    due_id = approved(world)
    draft_id = world.application(by="p2", org="p2")
    client = world.client("purchaser")
    listing = text(client.get(world.url("?due=1")))
    assert f"/applications/{due_id}\"" in listing and f"/applications/{draft_id}\"" not in listing
    base = world.url(f"/applications/{due_id}")
    response = client.post(f"{base}/recheck", data={"checked_on": TODAY.isoformat(),
                                                     "outcome": "remark", "comment": ""})
    assert response.status_code == 400 and "Say what the remark is about" in text(response)
    assert client.post(f"{base}/recheck", data={"checked_on": TODAY.isoformat(),
                                                "outcome": "ok"}).status_code == 302
    with world.scope():
        assert world.app_(due_id).next_recheck_on == svc.add_months(TODAY, 12)
    listing = text(client.get(world.url("?due=1")))
    assert f"/applications/{due_id}\"" not in listing and "No applications match" in listing


def test_providers_and_viewers_read_only_their_own_sanctions(world):
    mine = approved(world, "p1")
    theirs = approved(world, "p2")
    sanction(world, mine, "warning")
    page = text(world.client("p1").get(world.url(f"/applications/{mine}")))
    assert "Brist (warning)" in page and "Decide a sanction" not in page
    assert "Record re-check" not in page
    assert world.client("p1").get(world.url(f"/applications/{theirs}")).status_code == 404
    for key in ("p1", "viewer"):
        client = world.client(key)
        assert client.get(world.url(f"/applications/{mine}/sanction")).status_code == 403
        assert client.post(world.url(f"/applications/{mine}/sanction"), data={
            "level": "remark", "decided_on": TODAY.isoformat(), "reason-sv": "X",
            "confirm": "y"}).status_code == 403
        assert client.post(world.url(f"/applications/{mine}/recheck"), data={
            "checked_on": TODAY.isoformat(), "outcome": "ok"}).status_code == 403
    assert "Brist (warning)" in text(world.client("viewer").get(world.url(f"/applications/{mine}")))
    with world.scope():
        assert len(world.app_(mine).sanctions) == 1


def test_another_tenants_ids_are_not_found_for_follow_up(app, factory, sign_in_as, world):
    other = PageWorld(app, factory, sign_in_as, slug="mora")
    other.criteria("M1")
    their_application = approved(other)
    client = world.client("purchaser")
    base = world.url(f"/applications/{their_application}")
    assert client.get(f"{base}/sanction").status_code == 404
    assert client.post(f"{base}/sanction", data={"level": "remark"}).status_code == 404
    assert client.post(f"{base}/recheck", data={"outcome": "ok"}).status_code == 404
    with other.scope():
        assert other.app_(their_application).sanctions == []
