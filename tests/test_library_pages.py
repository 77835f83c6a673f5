"""Pages of the shared indicator library: the association's coordinator publishes indicator
and agreement templates and their versions and reads the difference between versions; a
participating municipality adopts templates into an agreement from its indicators page, sees a
newer version with its difference and adopts it or keeps its own; other roles get 403, other
tenants 404.

The world is that of tests/test_library.py (``forbundet``, ``vasa`` invited to its project,
``malax`` not), everyone reading English.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from samverkan.partnership.models import AgreementTemplate, Indicator, IndicatorTemplate
from samverkan.partnership.services import library as lib
from samverkan.platform.db import db
from tests.test_library import COMPLETED, World, template_data

LIBRARY = "/t/forbundet/library"


class PageWorld(World):
    def __init__(self, app, factory, sign_in):
        super().__init__(app, factory, locale="en")
        self.sign_in = sign_in

    def client(self, role: str, slug: str = "forbundet"):
        client = self.app.test_client()
        self.sign_in(client, f"{role}.{slug}@example.org")
        return client

    def indicators_url(self, slug: str = "vasa", tail: str = "") -> str:
        return f"/t/{slug}/partnership/agreements/{self.agreements[slug]}/indicators{tail}"

    def templates(self) -> list[tuple[str, int]]:
        with self.scope("forbundet"):
            return [(t.code, t.version) for t in db.session.scalars(
                select(IndicatorTemplate).order_by(IndicatorTemplate.id))]

    def indicators(self, slug: str = "vasa") -> list[Indicator]:
        with self.scope(slug):
            rows = list(db.session.scalars(select(Indicator).order_by(Indicator.id)))
            for row in rows:
                db.session.expunge(row)
            return rows


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    return PageWorld(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def form(**values) -> dict:
    data = {"code": "started", "name-sv": "Påbörjade", "name-fi": "Aloittaneet",
            "definition-sv": "Antal", "unit": "count", "direction": "higher",
            "aggregation": "sum"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


# --- the association's side ------------------------------------------------------------------


def test_the_library_is_a_coordinator_s_section_of_an_association(world):
    coordinator = world.client("coordinator")
    home = text(coordinator.get("/t/forbundet/"))
    assert f'href="{LIBRARY}"' in home and "Indicator library" in home
    empty = coordinator.get(LIBRARY)
    assert empty.status_code == 200
    assert "The library has no indicator templates yet." in text(empty)
    for role in ("admin", "viewer"):
        client = world.client(role)
        assert f'href="{LIBRARY}"' not in text(client.get("/t/forbundet/"))
        for path in (LIBRARY, f"{LIBRARY}/indicators/new", f"{LIBRARY}/agreement-templates",
                     f"{LIBRARY}/agreement-templates/new"):
            assert client.get(path).status_code == 403, (role, path)
        assert client.post(f"{LIBRARY}/indicators/new", data=form()).status_code == 403
    # A coordinator of a municipality has no library; members of other tenants get a 404.
    assert world.client("coordinator", "vasa").get("/t/vasa/library").status_code == 403
    assert world.client("admin", "vasa").get(LIBRARY).status_code == 404
    assert world.templates() == []


def test_publish_a_template_and_a_new_version_and_read_the_difference(world):
    client = world.client("coordinator")
    new = client.get(f"{LIBRARY}/indicators/new")
    assert new.status_code == 200 and "Publish a new template" in text(new)
    bad = client.post(f"{LIBRARY}/indicators/new", data=form(code="bad code", unit="kilos"))
    assert bad.status_code == 400
    assert "Enter a code of at most 50 letters" in text(bad)
    assert world.templates() == []
    made = client.post(f"{LIBRARY}/indicators/new", data=form())
    assert made.status_code == 302
    assert made.headers["Location"].endswith(f"{LIBRARY}/indicators/started")
    # The new version's form is prefilled from the latest; unchanged, it is refused.
    prefilled = text(client.get(f"{LIBRARY}/indicators/started/new-version"))
    assert 'value="Påbörjade"' in prefilled and "Publish version 2 of started" in prefilled
    same = client.post(f"{LIBRARY}/indicators/started/new-version", data=form())
    assert same.status_code == 409
    assert "Nothing changed from version 1" in text(same)
    changed = client.post(f"{LIBRARY}/indicators/started/new-version", data=form(
        code="ignored", **{"name-fi": "Aloittaneet opiskelijat", "aggregation": "last",
                           "change_note-sv": "Nytt namn på finska"}))
    assert changed.status_code == 302
    assert world.templates() == [("started", 1), ("started", 2)]
    detail = text(client.get(f"{LIBRARY}/indicators/started"))
    assert "Version 2" in detail and "Nytt namn på finska" in detail
    assert "Changes from version 1 to version 2" in detail
    assert re.search(r"Name \(Suomi\)</th>\s*<td[^>]*><del>Aloittaneet</del></td>\s*"
                     r"<td[^>]*><ins>Aloittaneet opiskelijat</ins>", detail)
    assert "<del>Sum of the periods</del>" in detail
    assert "<ins>Value of the last period</ins>" in detail
    listing = text(client.get(LIBRARY))
    assert "started" in listing and "Value of the last period" in listing  # the latest version
    assert client.get(f"{LIBRARY}/indicators/nothing").status_code == 404
    assert client.get(f"{LIBRARY}/indicators/nothing/new-version").status_code == 404


def test_the_template_list_searches_sorts_and_pages(world):
    for n in range(23):
        world.publish(template_data(code=f"ind-{n:02d}", name={"sv": f"Indikator {n}"}))
    world.publish(template_data(code="completed", name=COMPLETED))
    client = world.client("coordinator")
    first = text(client.get(LIBRARY))
    assert "completed" in first and "ind-18" in first and "ind-19" not in first
    assert "Page 1 of 2" in first
    second = text(client.get(f"{LIBRARY}?page=2"))
    assert "ind-19" in second and "ind-22" in second and "completed" not in second
    found = text(client.get(f"{LIBRARY}?q=avklarade"))
    assert "completed" in found and "ind-01" not in found
    backwards = text(client.get(f"{LIBRARY}?sort=-code"))
    assert backwards.index("ind-22") < backwards.index("ind-21")
    assert "No indicator template matches the search." in text(client.get(f"{LIBRARY}?q=zzz"))


def test_publish_agreement_templates_by_checkbox(world):
    client = world.client("coordinator")
    assert "publish indicator templates first" in text(
        client.get(f"{LIBRARY}/agreement-templates/new"))
    started = world.publish()
    completed = world.publish(template_data(code="completed", name=COMPLETED))
    page = text(client.get(f"{LIBRARY}/agreement-templates/new"))
    assert f'value="{started}"' in page and f'value="{completed}"' in page
    none_chosen = client.post(f"{LIBRARY}/agreement-templates/new", data={
        "code": "BASE", "name-sv": "Grundpaket"})
    assert none_chosen.status_code == 400
    assert "Choose at least one indicator template." in text(none_chosen)
    made = client.post(f"{LIBRARY}/agreement-templates/new", data={
        "code": "BASE", "name-sv": "Grundpaket", "indicator_template_ids": [str(started)]})
    assert made.status_code == 302
    started_2 = world.publish(template_data(unit="percent"))
    detail = text(client.get(f"{LIBRARY}/agreement-templates/BASE"))
    assert "Grundpaket" in detail and "Version 2 is newer" in detail
    again = text(client.get(f"{LIBRARY}/agreement-templates/BASE/new-version"))
    assert f'value="{started}" checked' in again or re.search(
        rf'checked[^>]*value="{started}"', again)
    published = client.post(f"{LIBRARY}/agreement-templates/BASE/new-version", data={
        "name-sv": "Grundpaket", "indicator_template_ids": [str(started_2), str(completed)]})
    assert published.status_code == 302
    detail = text(client.get(f"{LIBRARY}/agreement-templates/BASE"))
    assert "started: version 1 replaced by version 2" in detail
    assert "Added: completed, version 1" in detail
    listing = text(client.get(f"{LIBRARY}/agreement-templates"))
    assert "BASE" in listing and "started, completed" in listing
    assert client.get(f"{LIBRARY}/agreement-templates/NONE").status_code == 404


# --- the adopting side -----------------------------------------------------------------------


def test_adopt_a_template_from_the_agreement_s_indicators(world):
    template_id = world.publish()
    admin = world.client("admin", "vasa")
    listing = text(admin.get(world.indicators_url()))
    assert "Add from library" in listing
    library = admin.get(world.indicators_url(tail="/library"))
    assert library.status_code == 200
    assert "started" in text(library) and "Kunta forbundet" in text(library)  # the library's
    confirm = admin.get(world.indicators_url(tail=f"/library/{template_id}/adopt"))
    assert confirm.status_code == 200 and "Adopt version 1" in text(confirm)
    adopted = admin.post(world.indicators_url(tail=f"/library/{template_id}/adopt"))
    assert adopted.status_code == 302
    [indicator] = world.indicators()
    assert (indicator.code, indicator.template_code, indicator.template_version) == (
        "started", "started", 1)
    listing = text(admin.get(world.indicators_url()))
    assert "Library: started, version 1" in listing
    assert "In the agreement (version 1)" in text(admin.get(world.indicators_url(tail="/library")))
    twice = admin.post(world.indicators_url(tail=f"/library/{template_id}/adopt"))
    assert twice.status_code == 409
    assert "already has an indicator with the code started" in text(twice)
    assert len(world.indicators()) == 1


def test_adopt_an_agreement_template_all_at_once(world):
    started = world.publish()
    completed = world.publish(template_data(code="completed", name=COMPLETED))
    with world.scope("forbundet"):
        base = lib.publish_agreement_template(
            world.tenant("forbundet"), world.p("coordinator"), lib.AgreementTemplateData(
                code="BASE", name={"sv": "Grundpaket"}, description={},
                indicator_template_ids=[started, completed])).id
        db.session.commit()
    admin = world.client("admin", "vasa")
    assert "Grundpaket" in text(admin.get(world.indicators_url(tail="/library")))
    confirm = text(admin.get(world.indicators_url(tail=f"/library/sets/{base}/adopt")))
    assert "2 indicators are added to the agreement, all of them or none." in confirm
    assert admin.post(world.indicators_url(tail=f"/library/sets/{base}/adopt")).status_code == 302
    assert sorted(i.code for i in world.indicators()) == ["completed", "started"]
    assert "All in the agreement" in text(admin.get(world.indicators_url(tail="/library")))
    again = admin.post(world.indicators_url(tail=f"/library/sets/{base}/adopt"))
    assert again.status_code == 409


def test_a_newer_version_is_shown_and_adopted_or_kept(world):
    indicator_id = world.adopt(world.publish())
    second = world.publish(template_data(name={"sv": "Påbörjade", "fi": "Aloittaneet"},
                                         direction="lower",
                                         change_note={"sv": "Lägre är bättre"}))
    admin = world.client("admin", "vasa")
    newer_url = world.indicators_url(tail=f"/{indicator_id}/newer-version")
    listing = text(admin.get(world.indicators_url()))
    assert "Version 2 is published" in listing and newer_url in listing
    page = text(admin.get(newer_url))
    assert "Adopt version 2" in page and "Keep version 1" in page
    assert "Lägre är bättre" in page
    assert re.search(r"Direction</th>\s*<td[^>]*><del>Higher is better</del></td>\s*"
                     r"<td[^>]*><ins>Lower is better</ins>", page)
    assert "Definition" not in page.split("<table", 1)[1].split("</table>", 1)[0]  # unchanged
    # Keep version 1: the offer disappears until a still newer version.
    kept = admin.post(newer_url, data={"keep-version": "2"})
    assert kept.status_code == 302
    assert "Version 2 is published" not in text(admin.get(world.indicators_url()))
    assert "no newer version is offered" in text(admin.get(newer_url))
    third = world.publish(template_data(unit="percent"))
    assert "Version 3 is published" in text(admin.get(world.indicators_url()))
    adopted = admin.post(newer_url, data={"upgrade-template_id": str(third)})
    assert adopted.status_code == 302
    [indicator] = world.indicators()
    assert (indicator.unit, indicator.template_version, indicator.code) == ("percent", 3,
                                                                             "started")
    assert second != third


def test_adopting_is_for_those_who_manage_agreements_of_a_participating_tenant(world):
    template_id = world.publish()
    viewer = world.client("viewer", "vasa")
    assert "Add from library" not in text(viewer.get(world.indicators_url()))
    assert viewer.get(world.indicators_url(tail="/library")).status_code == 403
    assert viewer.post(world.indicators_url(tail=f"/library/{template_id}/adopt")).status_code == 403
    # Malax takes part in nothing: no library, and the template is not found.
    malax = world.client("admin", "malax")
    empty = malax.get(world.indicators_url("malax", "/library"))
    assert empty.status_code == 200 and "No library is available" in text(empty)
    assert malax.get(world.indicators_url("malax", f"/library/{template_id}/adopt")
                     ).status_code == 404
    assert malax.post(world.indicators_url("malax", f"/library/{template_id}/adopt")
                      ).status_code == 404
    # Vasa's agreement in malax's URLs, and malax's in vasa's, are not found.
    assert malax.get(world.indicators_url("vasa", "/library")).status_code == 404
    assert malax.get(f"/t/malax/partnership/agreements/{world.agreements['vasa']}"
                     "/indicators/library").status_code == 404
    assert world.indicators("malax") == []
    with world.scope("forbundet"):
        assert db.session.scalars(select(AgreementTemplate)).all() == []


@pytest.mark.parametrize("locale", ["sv", "fi"])
def test_the_pages_render_in_swedish_and_finnish(world, locale):
    started = world.publish()
    indicator_id = world.adopt(started)
    world.publish(template_data(unit="percent"))
    with world.scope("forbundet"):
        base = lib.publish_agreement_template(
            world.tenant("forbundet"), world.p("coordinator"), lib.AgreementTemplateData(
                code="BASE", name={"sv": "Grundpaket"}, description={},
                indicator_template_ids=[started])).id
        db.session.commit()
    coordinator, admin = world.client("coordinator"), world.client("admin", "vasa")
    pages = [(coordinator, f"{LIBRARY}{tail}") for tail in (
        "", "/indicators/new", "/indicators/started", "/indicators/started/new-version",
        "/agreement-templates", "/agreement-templates/new", "/agreement-templates/BASE",
        "/agreement-templates/BASE/new-version")]
    pages += [(admin, world.indicators_url(tail=tail)) for tail in (
        "", "/library", f"/library/{started}/adopt", f"/library/sets/{base}/adopt",
        f"/{indicator_id}/newer-version")]
    for client, path in pages:
        response = client.get(f"{path}?lang={locale}")
        assert response.status_code == 200, path
        assert f'<html lang="{locale}">' in text(response), path
