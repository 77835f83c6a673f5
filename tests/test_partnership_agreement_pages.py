"""Pages of partnership agreements: the list, creating and editing, parties and commitments,
the lifecycle with its confirmations, signing by every party, amendments, the versions and
their side-by-side difference, each allowed and refused by role and tenant."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from samverkan.partnership import services as psvc
from samverkan.partnership.models import Agreement, AgreementParty, Commitment
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.audit_labels import ACTION_LABELS
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

SLUG = "sam"
BASE = f"/t/{SLUG}/partnership/agreements"


class World:
    """A municipality tenant with a purchaser organisation (Vasa), a provider (Yrkesakademin)
    and another provider (Optima); members in English: admin, purchaser (both for the
    tenant itself), reporter (Yrkesakademin), other (Optima's reporter) and viewer. Two
    draft agreements: SP-1 between Vasa and Yrkesakademin with a late commitment of the
    provider, and OT-1 between Vasa and Optima."""

    def __init__(self, app, factory, slug: str = SLUG):
        self.app = app
        self._tenant = factory.tenant(slug)
        self.slug = slug
        names = {"vasa": {"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
                 "provider": {"sv": "Yrkesakademin", "fi": "Yrkesakademin"},
                 "optima": {"sv": "Optima", "fi": "Optima"},
                 "korsholm": {"sv": "Korsholm", "fi": "Mustasaari"}}
        kinds = {"vasa": "municipality", "korsholm": "municipality"}
        self.orgs = {key: factory.organisation(self._tenant, kind=kinds.get(key, "provider"),
                                               name=name).id for key, name in names.items()}
        members = {"admin": (["admin"], None), "purchaser": (["purchaser"], None),
                   "reporter": (["provider_reporter"], "provider"),
                   "other": (["provider_reporter"], "optima"), "viewer": (["viewer"], None)}
        self.emails = {}
        for key, (roles, org) in members.items():
            self.emails[key] = f"{key}.{slug}@example.org"
            factory.user(self.emails[key], tenant=self._tenant, roles=roles, locale="en",
                         organisation=SimpleNamespace(id=self.orgs[org]) if org else None)
        with self.scope():
            who = self.p("purchaser")
            sp = psvc.create_agreement(self.tenant, who, psvc.AgreementData(
                code="SP-1", title={"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"},
                summary={"sv": "Yrkesutbildning i regionen"},
                valid_from=date(2025, 1, 1), valid_to=date(2027, 12, 31)))
            psvc.add_party(self.tenant, who, sp, self.orgs["vasa"], "purchaser")
            party = psvc.add_party(self.tenant, who, sp, self.orgs["provider"], "provider")
            commitment = psvc.add_commitment(self.tenant, who, sp, psvc.CommitmentData(
                party_id=party.id, text={"sv": "Studievägledning", "fi": "Opinto-ohjaus"},
                due_date=date(2020, 6, 30)))
            other = psvc.create_agreement(self.tenant, who, psvc.AgreementData(
                code="OT-1", title={"sv": "Vuxenutbildning", "fi": "Aikuiskoulutus"},
                valid_from=date(2024, 1, 1), kind="authorisation"))
            psvc.add_party(self.tenant, who, other, self.orgs["vasa"], "purchaser")
            psvc.add_party(self.tenant, who, other, self.orgs["optima"], "provider")
            db.session.commit()
            self.sp, self.other_id = sp.id, other.id
            self.provider_party, self.commitment = party.id, commitment.id

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

    def agreement(self, agreement_id: int | None = None) -> Agreement:
        return db.session.get(Agreement, agreement_id or self.sp)

    def state(self, agreement_id: int | None = None) -> dict:
        with self.scope():
            a = self.agreement(agreement_id)
            version = a.current_version
            return {"status": a.status, "title": dict(a.title), "code": a.code,
                    "version": a.version_number, "version_status": version.status,
                    "signatures": len(version.signatures), "parties": len(a.parties),
                    "commitments": [(c.id, c.status, dict(c.text)) for c in a.commitments],
                    "valid_to": a.valid_to}

    def negotiate(self, agreement_id: int | None = None) -> None:
        with self.scope():
            psvc.transition_agreement(self.tenant, self.p("purchaser"), self.agreement(agreement_id),
                                      "negotiation")
            db.session.commit()

    def sign_all(self) -> None:
        """SP-1 into negotiation (when a draft) and signed by both parties."""
        if self.state()["status"] == "draft":
            self.negotiate()
        with self.scope():
            for key in ("purchaser", "reporter"):
                psvc.sign(self.tenant, self.p(key), self.agreement())
            db.session.commit()


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def login(app, world, sign_in_as):
    """``login(key)``: a new client signed in as that member of ``world``, in English."""

    def login(key: str, of: World | None = None):
        of = of or world
        client = app.test_client()
        sign_in_as(client, of.emails[key])
        client.get(f"/t/{of.slug}/partnership/agreements?lang=en")
        return client

    return login


def text_of(response) -> str:
    return response.get_data(as_text=True)


def csrf_of(client, path: str) -> str:
    """The CSRF token of a page (the test app checks it like production)."""
    page = text_of(client.get(path))
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    return match.group(1) if match else ""


def post(client, path: str, data: dict | None = None, *, form_page: str | None = None):
    token = csrf_of(client, form_page or f"{BASE}")
    return client.post(path, data={"csrf_token": token, **(data or {})})


def agreement_form(**overrides) -> dict:
    data = {"code": "SP-2", "title-sv": "Nytt avtal", "title-fi": "Uusi sopimus",
            "summary-sv": "", "summary-fi": "Tiivistelmä", "kind": "strategic_partnership",
            "valid_from": "2026-01-01", "valid_to": "2028-12-31"}
    data.update(overrides)
    return data


def count_agreements(world) -> int:
    with world.scope():
        return db.session.scalar(select(func.count(Agreement.id)))


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_every_agreement_to_the_purchaser(world, login):
    page = text_of(login("purchaser").get(BASE))
    assert "SP-1" in page and "OT-1" in page
    assert "<caption>" in page and 'scope="col"' in page
    assert "Draft" in page and "Strategic partnership" in page and "Authorisation" in page
    assert f'href="{BASE}/new"' in page


def test_a_provider_reporter_lists_only_its_own_agreements(world, login):
    page = text_of(login("reporter").get(BASE))
    assert "SP-1" in page and "OT-1" not in page
    assert f'href="{BASE}/new"' not in page
    page = text_of(login("other").get(BASE))
    assert "OT-1" in page and "SP-1" not in page
    # The party filter offers only organisations of agreements the reporter sees.
    assert "Yrkesakademin" not in page


def test_the_list_filters_searches_sorts_and_shows_an_empty_state(world, login):
    client = login("viewer")
    assert f'href="{BASE}/new"' not in text_of(client.get(BASE))
    page = text_of(client.get(f"{BASE}?kind=authorisation"))
    assert "OT-1" in page and "SP-1" not in page
    page = text_of(client.get(f"{BASE}?party={world.orgs['provider']}"))
    assert "SP-1" in page and "OT-1" not in page
    page = text_of(client.get(f"{BASE}?q=kumppanuus"))  # the Finnish title
    assert "SP-1" in page and "OT-1" not in page
    page = text_of(client.get(f"{BASE}?q=ot-"))
    assert "OT-1" in page and "SP-1" not in page
    page = text_of(client.get(f"{BASE}?sort=-code"))
    assert page.index(">SP-1<") < page.index(">OT-1<")
    page = text_of(client.get(f"{BASE}?sort=code"))
    assert page.index(">OT-1<") < page.index(">SP-1<")
    page = text_of(client.get(f"{BASE}?status=active"))
    assert "No agreements match the filter." in page and "SP-1" not in page
    assert client.get(f"{BASE}?status=nope&kind=x&party=abc&sort=drop&page=x").status_code == 200


def test_the_list_pages(world, login):
    with world.scope():
        for n in range(30):
            psvc.create_agreement(world.tenant, world.p("purchaser"), psvc.AgreementData(
                code=f"X-{n:02d}", title={"fi": f"Sopimus {n}"}, valid_from=date(2025, 1, 1)))
        db.session.commit()
    client = login("purchaser")
    first = text_of(client.get(BASE))
    assert "Page 1 of 2" in first and "X-22" in first and "X-23" not in first
    second = text_of(client.get(f"{BASE}?page=2"))
    assert "X-23" in second and "X-29" in second and "OT-1" not in second


# --- creating and editing ------------------------------------------------------------------------


def test_a_purchaser_creates_a_draft_agreement(world, login):
    client = login("purchaser")
    form = text_of(client.get(f"{BASE}/new"))
    assert 'lang="sv"' in form and 'lang="fi"' in form
    response = post(client, f"{BASE}/new", agreement_form(), form_page=f"{BASE}/new")
    assert response.status_code == 302
    with world.scope():
        made = db.session.scalar(select(Agreement).where(Agreement.code == "SP-2"))
        assert made.status == "draft" and made.title == {"sv": "Nytt avtal", "fi": "Uusi sopimus"}
        assert made.summary == {"fi": "Tiivistelmä"} and made.valid_to == date(2028, 12, 31)
        assert made.kind == "strategic_partnership" and made.version_number == 1
        made_id = made.id
    assert response.headers["Location"].endswith(f"{BASE}/{made_id}")


@pytest.mark.parametrize("overrides, message", [
    ({"code": ""}, "This field is required."),
    ({"code": "has space"}, "Enter a code of at most 50 letters"),
    ({"code": "SP-1"}, "Another agreement has this code."),
    ({"title-sv": "", "title-fi": ""}, "Enter the text in at least one language."),
    ({"valid_from": "31.12.2025"}, "Enter a date."),
    ({"valid_to": "2025-01-01"}, "The agreement cannot end before it starts."),
])
def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(world, login, overrides,
                                                                      message):
    client = login("purchaser")
    before = count_agreements(world)
    response = post(client, f"{BASE}/new", agreement_form(**overrides), form_page=f"{BASE}/new")
    assert response.status_code == 400
    page = text_of(response)
    assert "Please correct the following" in page and message in page
    assert count_agreements(world) == before


@pytest.mark.parametrize("key", ["reporter", "viewer"])
def test_only_managers_create_and_edit(world, login, key):
    client = login(key)
    assert client.get(f"{BASE}/new").status_code == 403
    assert client.get(f"{BASE}/{world.sp}/edit").status_code == 403
    response = post(client, f"{BASE}/{world.sp}/edit", agreement_form(code="SP-1"))
    assert response.status_code == 403
    assert world.state()["title"]["sv"] == "Strategiskt partnerskap"


def test_the_purchaser_edits_an_open_version(world, login):
    client = login("admin")
    edit = f"{BASE}/{world.sp}/edit"
    assert 'value="SP-1"' in text_of(client.get(edit))
    response = post(client, edit, agreement_form(code="SP-1", **{"title-sv": "Ändrat avtal"}),
                    form_page=edit)
    assert response.status_code == 302
    assert world.state()["title"]["sv"] == "Ändrat avtal"


def test_a_signed_version_cannot_be_edited(world, login):
    world.sign_all()
    client = login("purchaser")
    edit = f"{BASE}/{world.sp}/edit"
    page = text_of(client.get(edit))
    assert "This version is signed and cannot change." in page
    assert "Open an amendment" in page and 'name="code"' not in page
    response = post(client, edit, agreement_form(code="SP-1", **{"title-sv": "Smygändring"}))
    assert response.status_code == 409
    assert "This version is signed and cannot change." in text_of(response)
    assert world.state()["title"]["sv"] == "Strategiskt partnerskap"
    # Nor its parties or commitments.
    assert "This version is signed" in text_of(client.get(f"{BASE}/{world.sp}/parties/new"))
    response = post(client, f"{BASE}/{world.sp}/commitments/{world.commitment}/delete")
    assert response.status_code == 409
    assert len(world.state()["commitments"]) == 1


# --- the agreement page --------------------------------------------------------------------------


def test_the_agreement_page_shows_content_parties_commitments_and_actions(world, login):
    page = text_of(login("purchaser").get(f"{BASE}/{world.sp}"))
    assert "Strategiskt partnerskap" in page and "Strateginen kumppanuus" in page
    assert "Yrkesutbildning i regionen" in page
    assert "Vaasan kaupunki" in page and "Yrkesakademin" in page and "Purchaser" in page
    assert "Opinto-ohjaus" in page or "Studievägledning" in page
    assert "Late" in page  # due in 2020, not done
    assert "Version 1: Draft" in page
    assert "Open for negotiation and signing" in page
    assert f"{BASE}/{world.sp}/edit" in page and f"{BASE}/{world.sp}/parties/new" in page
    assert 'aria-current="page"' in page


def test_a_viewer_reads_the_agreement_without_actions(world, login):
    page = text_of(login("viewer").get(f"{BASE}/{world.sp}"))
    assert "Strategiskt partnerskap" in page or "Strateginen kumppanuus" in page
    assert "/edit" not in page and "/transition" not in page and "Update status" not in page
    assert "/parties/new" not in page and "/commitments/new" not in page


def test_the_provider_reporter_sees_its_agreement_and_updates_its_commitment(world, login):
    client = login("reporter")
    detail = f"{BASE}/{world.sp}"
    page = text_of(client.get(detail))
    assert "Update status" in page and "/edit" not in page
    response = post(client, f"{detail}/commitments/{world.commitment}/status", {"status": "done"},
                    form_page=detail)
    assert response.status_code == 302
    assert world.state()["commitments"][0][1] == "done"
    assert "Late" not in text_of(client.get(detail))


def test_a_viewer_cannot_update_a_commitment(world, login):
    client = login("viewer")
    response = post(client, f"{BASE}/{world.sp}/commitments/{world.commitment}/status",
                    {"status": "done"})
    assert response.status_code == 403
    assert world.state()["commitments"][0][1] == "planned"


def test_a_bad_commitment_status_is_refused(world, login):
    client = login("purchaser")
    detail = f"{BASE}/{world.sp}"
    response = post(client, f"{detail}/commitments/{world.commitment}/status", {"status": "late"},
                    form_page=detail)
    assert response.status_code == 302
    assert "Choose a status." in text_of(client.get(detail))
    assert world.state()["commitments"][0][1] == "planned"


# --- another provider's reporter and another tenant ----------------------------------------------


def other_paths(world) -> list[tuple[str, str]]:
    one = f"{BASE}/{world.sp}"
    with world.scope():
        version = world.agreement().current_version.id
    return [
        ("get", one), ("get", f"{one}/edit"), ("get", f"{one}/transition?to=terminated"),
        ("post", f"{one}/transition"), ("post", f"{one}/sign"), ("get", f"{one}/amend"),
        ("get", f"{one}/parties/new"), ("get", f"{one}/parties/{world.provider_party}/remove"),
        ("get", f"{one}/commitments/new"), ("get", f"{one}/commitments/{world.commitment}/edit"),
        ("post", f"{one}/commitments/{world.commitment}/status"),
        ("get", f"{one}/commitments/{world.commitment}/delete"), ("get", f"{one}/versions"),
        ("get", f"{one}/versions/{version}"), ("get", f"{one}/versions/{version}/diff"),
    ]


def test_another_providers_reporter_gets_404_everywhere(world, login):
    client = login("other")
    for method, path in other_paths(world):
        response = post(client, path, {"to": "negotiation", "status": "done"}) \
            if method == "post" else client.get(path)
        assert response.status_code == 404, (method, path)
    assert world.state()["status"] == "draft"


def test_a_member_of_another_tenant_gets_404(world, app, factory, login):
    elsewhere = World(app, factory, slug="annan")
    client = login("admin", of=elsewhere)
    for method, path in other_paths(world):
        path = path.replace(f"/t/{SLUG}/", "/t/annan/")
        response = post(client, path, {"to": "negotiation"}, form_page="/t/annan/partnership/agreements") \
            if method == "post" else client.get(path)
        assert response.status_code == 404, (method, path)
    assert world.state()["status"] == "draft"


# --- parties -------------------------------------------------------------------------------------


def test_the_purchaser_adds_and_removes_a_party(world, login):
    client = login("purchaser")
    add = f"{BASE}/{world.sp}/parties/new"
    page = text_of(client.get(add))
    assert "Korsholm" in page or "Mustasaari" in page
    assert f'value="{world.orgs["provider"]}"' not in page  # already a party
    response = post(client, add, {"organisation_id": str(world.orgs["korsholm"]), "role": "owner"},
                    form_page=add)
    assert response.status_code == 302
    assert world.state()["parties"] == 3
    with world.scope():
        party = db.session.scalar(select(AgreementParty).where(
            AgreementParty.organisation_id == world.orgs["korsholm"]))
        party_id = party.id
    remove = f"{BASE}/{world.sp}/parties/{party_id}/remove"
    page = text_of(client.get(remove))
    assert "Remove the party" in page
    assert world.state()["parties"] == 3  # the confirmation page changes nothing
    assert post(client, remove, form_page=remove).status_code == 302
    assert world.state()["parties"] == 2


def test_adding_a_party_needs_an_organisation_and_a_role(world, login):
    client = login("purchaser")
    add = f"{BASE}/{world.sp}/parties/new"
    response = post(client, add, {"organisation_id": "", "role": "owner"}, form_page=add)
    assert response.status_code == 400 and "This field is required." in text_of(response)
    response = post(client, add, {"organisation_id": str(world.orgs["korsholm"]), "role": "boss"},
                    form_page=add)
    assert response.status_code == 400 and "Choose the party" in text_of(response)
    response = post(client, add, {"organisation_id": str(world.orgs["provider"]),
                                  "role": "provider"}, form_page=add)
    assert response.status_code == 400
    assert "already a party to the agreement" in text_of(response)
    assert world.state()["parties"] == 2


def test_a_party_with_commitments_is_not_removed(world, login):
    client = login("purchaser")
    remove = f"{BASE}/{world.sp}/parties/{world.provider_party}/remove"
    response = post(client, remove, form_page=remove)
    assert response.status_code == 409
    assert "commitments before the party." in text_of(response)
    assert world.state()["parties"] == 2


def test_reporters_and_viewers_do_not_change_parties(world, login):
    for key in ("reporter", "viewer"):
        client = login(key)
        assert client.get(f"{BASE}/{world.sp}/parties/new").status_code == 403
        remove = f"{BASE}/{world.sp}/parties/{world.provider_party}/remove"
        assert client.get(remove).status_code == 403
        assert post(client, remove).status_code == 403
    assert world.state()["parties"] == 2


# --- commitments ---------------------------------------------------------------------------------


def test_the_purchaser_adds_edits_and_removes_a_commitment(world, login):
    client = login("purchaser")
    new = f"{BASE}/{world.sp}/commitments/new"
    response = post(client, new, {"party_id": str(world.provider_party), "text-fi": "Rekrytointi",
                                  "due_date": "2026-06-30"}, form_page=new)
    assert response.status_code == 302
    commitments = world.state()["commitments"]
    assert len(commitments) == 2
    made = next(c for c in commitments if c[2] == {"fi": "Rekrytointi"})
    edit = f"{BASE}/{world.sp}/commitments/{made[0]}/edit"
    assert "Rekrytointi" in text_of(client.get(edit))
    response = post(client, edit, {"party_id": str(world.provider_party),
                                   "text-fi": "Rekrytointi ja ohjaus", "due_date": ""},
                    form_page=edit)
    assert response.status_code == 302
    with world.scope():
        changed = db.session.get(Commitment, made[0])
        assert changed.text == {"fi": "Rekrytointi ja ohjaus"} and changed.due_date is None
    delete = f"{BASE}/{world.sp}/commitments/{made[0]}/delete"
    assert "Remove the commitment" in text_of(client.get(delete))
    assert len(world.state()["commitments"]) == 2
    assert post(client, delete, form_page=delete).status_code == 302
    assert len(world.state()["commitments"]) == 1


def test_a_commitment_needs_a_party_a_text_and_a_real_date(world, login):
    client = login("purchaser")
    new = f"{BASE}/{world.sp}/commitments/new"
    response = post(client, new, {"party_id": "", "text-fi": ""}, form_page=new)
    assert response.status_code == 400
    page = text_of(response)
    assert "This field is required." in page and "Enter the text in at least one language." in page
    response = post(client, new, {"party_id": str(world.provider_party), "text-fi": "X",
                                  "due_date": "tomorrow"}, form_page=new)
    assert response.status_code == 400 and "Enter a date." in text_of(response)
    assert len(world.state()["commitments"]) == 1


def test_reporters_do_not_edit_commitments(world, login):
    client = login("reporter")
    one = f"{BASE}/{world.sp}/commitments"
    assert client.get(f"{one}/new").status_code == 403
    assert client.get(f"{one}/{world.commitment}/edit").status_code == 403
    assert post(client, f"{one}/{world.commitment}/delete").status_code == 403
    assert len(world.state()["commitments"]) == 1


# --- the lifecycle and signing -------------------------------------------------------------------


def test_signing_by_every_party_signs_the_agreement(world, login):
    purchaser = login("purchaser")
    detail = f"{BASE}/{world.sp}"
    response = post(purchaser, f"{detail}/transition", {"to": "negotiation"}, form_page=detail)
    assert response.status_code == 302
    assert world.state()["status"] == "negotiation"
    page = text_of(purchaser.get(detail))
    assert "Sign version 1" in page and "Not signed yet" in page

    assert post(purchaser, f"{detail}/sign", form_page=detail).status_code == 302
    state = world.state()
    assert state["signatures"] == 1 and state["status"] == "negotiation"
    page = text_of(purchaser.get(detail))
    assert "Waiting for the signature of: Yrkesakademin" in page
    assert "Sign version 1" not in page  # nothing left for the purchaser to sign

    reporter = login("reporter")
    assert "Sign version 1" in text_of(reporter.get(detail))
    assert post(reporter, f"{detail}/sign", form_page=detail).status_code == 302
    state = world.state()
    assert state["status"] == "signed" and state["version_status"] == "signed"
    page = text_of(reporter.get(detail))
    assert "Every party signed this version" in page


def test_a_viewer_and_another_party_cannot_sign(world, login):
    world.negotiate()
    client = login("viewer")
    assert "Sign version" not in text_of(client.get(f"{BASE}/{world.sp}"))
    response = post(client, f"{BASE}/{world.sp}/sign", {"party_id": str(world.provider_party)})
    assert response.status_code == 403
    assert world.state()["signatures"] == 0


def test_signing_a_draft_is_refused_with_a_message(world, login):
    client = login("reporter")
    response = post(client, f"{BASE}/{world.sp}/sign")
    assert response.status_code == 409
    assert "Only an agreement in negotiation can be signed." in text_of(response)
    assert world.state()["signatures"] == 0


def test_a_signatory_of_several_parties_chooses_one(world, login):
    with world.scope():
        psvc.add_party(world.tenant, world.p("purchaser"), world.agreement(), world.orgs["korsholm"],
                       "purchaser")
        db.session.commit()
    world.negotiate()
    client = login("purchaser")
    detail = f"{BASE}/{world.sp}"
    page = text_of(client.get(detail))
    assert 'type="radio"' in page and "<legend>Sign for</legend>" in page
    response = post(client, f"{detail}/sign", form_page=detail)
    assert response.status_code == 400
    assert "Choose the party you sign for." in text_of(response)
    assert world.state()["signatures"] == 0
    with world.scope():
        korsholm = world.agreement().party_of(world.orgs["korsholm"]).id
    assert post(client, f"{detail}/sign", {"party_id": str(korsholm)},
                form_page=detail).status_code == 302
    with world.scope():
        signatures = world.agreement().current_version.signatures
        assert [s.party_id for s in signatures] == [korsholm]


def test_negotiation_needs_two_parties(world, login):
    client = login("purchaser")
    with world.scope():
        lonely = psvc.create_agreement(world.tenant, world.p("purchaser"), psvc.AgreementData(
            code="L-1", title={"fi": "Yksin"}, valid_from=date(2025, 1, 1)))
        db.session.commit()
        lonely_id = lonely.id
    response = post(client, f"{BASE}/{lonely_id}/transition", {"to": "negotiation"})
    assert response.status_code == 409
    assert "at least two parties" in text_of(response)
    assert world.state(lonely_id)["status"] == "draft"


def test_terminating_needs_a_confirmation_and_a_reason(world, login):
    world.sign_all()
    client = login("purchaser")
    detail = f"{BASE}/{world.sp}"
    transition = f"{detail}/transition"
    assert f"{transition}?to=terminated" in text_of(client.get(detail))
    page = text_of(client.get(f"{transition}?to=terminated"))
    assert "Terminating ends the agreement" in page and 'name="confirmed"' in page
    # A terminate posted straight from elsewhere first asks for confirmation.
    response = post(client, transition, {"to": "terminated"}, form_page=detail)
    assert response.status_code == 200 and "Terminating ends the agreement" in text_of(response)
    assert world.state()["status"] == "signed"
    response = post(client, transition, {"to": "terminated", "confirmed": "1", "note": ""},
                    form_page=detail)
    assert response.status_code == 400
    assert "Give the reason for terminating the agreement." in text_of(response)
    assert world.state()["status"] == "signed"
    response = post(client, transition, {"to": "terminated", "confirmed": "1",
                                         "note": "Funding ended"}, form_page=detail)
    assert response.status_code == 302
    assert world.state()["status"] == "terminated"
    page = text_of(client.get(detail))
    assert "Terminated" in page and "Funding ended" in page and "/edit" not in page


def test_taking_back_to_draft_is_confirmed_and_withdraws_signatures(world, login):
    world.negotiate()
    with world.scope():
        psvc.sign(world.tenant, world.p("reporter"), world.agreement())
        db.session.commit()
    client = login("admin")
    transition = f"{BASE}/{world.sp}/transition"
    page = text_of(client.get(f"{transition}?to=draft"))
    assert "withdraws the signatures" in page
    assert post(client, transition, {"to": "draft", "confirmed": "1"},
                form_page=f"{transition}?to=draft").status_code == 302
    state = world.state()
    assert state["status"] == "draft" and state["signatures"] == 0


def test_an_impossible_transition_is_explained(world, login):
    client = login("purchaser")
    response = client.get(f"{BASE}/{world.sp}/transition?to=active")
    assert response.status_code == 409
    assert "This change of status is not possible." in text_of(response)
    response = post(client, f"{BASE}/{world.sp}/transition", {"to": "active"})
    assert response.status_code == 409
    assert world.state()["status"] == "draft"


@pytest.mark.parametrize("key", ["reporter", "viewer"])
def test_reporters_and_viewers_make_no_transition(world, login, key):
    client = login(key)
    response = post(client, f"{BASE}/{world.sp}/transition", {"to": "negotiation"})
    assert response.status_code == 403
    assert client.get(f"{BASE}/{world.sp}/transition?to=negotiation").status_code == 403
    assert world.state()["status"] == "draft"


# --- amendments, versions and the difference -----------------------------------------------------


def test_an_amendment_opens_the_next_version_and_the_diff_shows_the_change(world, login):
    world.sign_all()
    client = login("purchaser")
    detail = f"{BASE}/{world.sp}"
    assert f"{detail}/amend" in text_of(client.get(detail))
    amend = f"{detail}/amend"
    assert "opens version 2" in text_of(client.get(amend))
    response = post(client, amend, {"reason": "New employment indicator"}, form_page=amend)
    assert response.status_code == 302
    state = world.state()
    assert state["version"] == 2 and state["version_status"] == "negotiation"
    assert state["status"] == "signed"  # the agreement stays in force meanwhile

    edit = f"{detail}/edit"
    response = post(client, edit, agreement_form(code="SP-1", **{
        "title-sv": "Strategiskt partnerskap 2.0", "title-fi": "Strateginen kumppanuus",
        "summary-sv": "Yrkesutbildning i regionen", "summary-fi": "",
        "valid_from": "2025-01-01", "valid_to": "2028-12-31"}), form_page=edit)
    assert response.status_code == 302
    new = f"{detail}/commitments/new"
    response = post(client, new, {"party_id": str(world.provider_party),
                                  "text-fi": "Työllistymisen seuranta"}, form_page=new)
    assert response.status_code == 302

    with world.scope():
        versions = {v.number: v.id for v in world.agreement().versions}
    listing = text_of(client.get(f"{detail}/versions"))
    assert "Version 1" in listing and "Version 2" in listing
    assert "New employment indicator" in listing and "Compare with version 1" in listing

    diff = text_of(client.get(f"{detail}/versions/{versions[2]}/diff"))
    assert "<caption>" in diff and 'scope="row"' in diff
    assert "<del>Strategiskt partnerskap</del>" in diff
    assert "<ins>Strategiskt partnerskap 2.0</ins>" in diff
    assert "Changed" in diff and "Unchanged" in diff
    assert "<del>Dec 31, 2027</del>" in diff and "<ins>Dec 31, 2028</ins>" in diff
    assert "Commitment: Työllistymisen seuranta" in diff and "Added" in diff
    # The diff shows this version's open content; the frozen version 1 is untouched.
    assert world.state()["version_status"] == "negotiation"

    frozen = text_of(client.get(f"{detail}/versions/{versions[1]}"))
    assert "Strategiskt partnerskap" in frozen and "Strategiskt partnerskap 2.0" not in frozen
    first = text_of(client.get(f"{detail}/versions/{versions[1]}/diff"))
    assert "nothing to compare it with" in first


def test_an_amendment_needs_a_reason_and_a_signed_version(world, login):
    client = login("purchaser")
    amend = f"{BASE}/{world.sp}/amend"
    page = text_of(client.get(amend))
    assert "Only a signed or active agreement" in page
    assert post(client, amend, {"reason": "x"}).status_code == 409
    world.sign_all()
    response = post(client, amend, {"reason": ""}, form_page=amend)
    assert response.status_code == 400 and "This field is required." in text_of(response)
    assert world.state()["version"] == 1


@pytest.mark.parametrize("key", ["reporter", "viewer"])
def test_reporters_and_viewers_open_no_amendment(world, login, key):
    world.sign_all()
    client = login(key)
    assert client.get(f"{BASE}/{world.sp}/amend").status_code == 403
    assert post(client, f"{BASE}/{world.sp}/amend", {"reason": "x"}).status_code == 403
    assert world.state()["version"] == 1


def test_the_reporter_reads_versions_of_its_agreement(world, login):
    world.sign_all()
    client = login("reporter")
    with world.scope():
        version = world.agreement().current_version.id
    page = text_of(client.get(f"{BASE}/{world.sp}/versions"))
    assert "Signed" in page and "reporter" in page  # the signer's label
    assert client.get(f"{BASE}/{world.sp}/versions/{version}").status_code == 200
    assert client.get(f"{BASE}/{world.sp}/versions/{version + 1000}").status_code == 404


# --- the audit trail -----------------------------------------------------------------------------


def test_every_partnership_audit_action_has_a_readable_label(app):
    domain = Path(__file__).resolve().parents[1] / "partnership"
    actions = set()
    for source in domain.rglob("*.py"):
        text = source.read_text()
        # Services name actions only; elsewhere an action is what record() is called with.
        pattern = r'"(partnership\.[a-z_]+)"' if source.parent.name == "services" \
            else r'record\(\s*"(partnership\.[a-z_]+)"'
        actions |= set(re.findall(pattern, text))
    assert {"partnership.report_accepted", "partnership.agreement_created"} <= actions
    assert actions
    assert sorted(a for a in actions if a not in ACTION_LABELS) == []


def test_the_tenant_audit_trail_names_agreement_actions(world, login):
    page = text_of(login("admin").get(f"/t/{SLUG}/audit?lang=en"))
    assert "Agreement added" in page and "Party added to the agreement" in page
    with world.scope():
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "partnership.agreement_created")) == 2


# --- valid, accessible markup --------------------------------------------------------------------


class _Ids(HTMLParser):
    """Ids of a page, and the ids its labels and aria-describedby refer to."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"])
        if tag == "label" and values.get("for"):
            self.refs.append(values["for"])
        self.refs.extend((values.get("aria-describedby") or "").split())


def assert_valid_ids(page: str) -> None:
    parser = _Ids()
    parser.feed(page)
    duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    assert duplicates == []
    assert sorted(set(parser.refs) - set(parser.ids)) == []


def test_every_agreement_page_has_unique_ids_and_labelled_fields(world, login):
    world.sign_all()
    client = login("purchaser")
    detail = f"{BASE}/{world.sp}"
    post(client, f"{detail}/amend", {"reason": "Change"}, form_page=f"{detail}/amend")
    with world.scope():
        versions = [v.id for v in world.agreement().versions]
    pages = [BASE, f"{BASE}/new", detail, f"{detail}/edit", f"{detail}/transition?to=terminated",
             f"{detail}/amend", f"{detail}/parties/new",
             f"{detail}/parties/{world.provider_party}/remove", f"{detail}/commitments/new",
             f"{detail}/commitments/{world.commitment}/edit",
             f"{detail}/commitments/{world.commitment}/delete", f"{detail}/versions",
             *(f"{detail}/versions/{v}" for v in versions),
             *(f"{detail}/versions/{v}/diff" for v in versions)]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_valid_ids(text_of(response))
    # Errors tie to their fields.
    response = post(client, f"{BASE}/new", agreement_form(code="", valid_to="x"),
                    form_page=f"{BASE}/new")
    assert_valid_ids(text_of(response))
    assert 'aria-invalid="true"' in text_of(response)
    # The reporter's page, with the signing and status forms.
    assert_valid_ids(text_of(login("reporter").get(detail)))


def test_a_reporter_cannot_update_another_partys_commitment(world, login):
    with world.scope():
        agreement = world.agreement()
        purchaser_party = agreement.party_of(world.orgs["vasa"])
        made = psvc.add_commitment(world.tenant, world.p("purchaser"), agreement, psvc.CommitmentData(
            party_id=purchaser_party.id, text={"fi": "Rahoitus"}))
        db.session.commit()
        commitment_id = made.id
    client = login("reporter")
    detail = f"{BASE}/{world.sp}"
    assert f"commitments/{commitment_id}/status" not in text_of(client.get(detail))
    response = post(client, f"{detail}/commitments/{commitment_id}/status", {"status": "done"},
                    form_page=detail)
    assert response.status_code == 403
    with world.scope():
        assert db.session.get(Commitment, commitment_id).status == "planned"
