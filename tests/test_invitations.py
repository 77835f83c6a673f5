"""Invitations: tenant admins invite people by e-mail; the invited person accepts by link."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, platform_scope, tenant_scope, utcnow
from samverkan.platform.mail import read_outbox
from samverkan.tenants.models import Invitation, Membership, User

PASSWORD = "correct horse battery"
INVITE_LINK = re.compile(r"https?://\S+?(/t/[^/\s]+/invitations/[^\s/]+)")


@pytest.fixture
def vasa(factory):
    return factory.tenant("vasa", locales=["fi", "sv"])


@pytest.fixture
def admin(factory, vasa):
    return factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")


@pytest.fixture
def admin_client(client, admin, sign_in_as):
    sign_in_as(client, "admin@example.org")
    return client


def outbox(app, to: str | None = None) -> list[dict]:
    with app.app_context():
        return [m for m in read_outbox() if to is None or m["to"] == to]


def link_in_mail(app, to: str) -> str:
    messages = outbox(app, to)
    assert messages, f"no mail to {to}"
    match = INVITE_LINK.search(messages[0]["body"])  # the newest first
    assert match, messages[0]["body"]
    return match.group(1)


def invitations_of(app, tenant) -> list[Invitation]:
    with app.app_context(), tenant_scope(tenant.id):
        rows = list(db.session.scalars(select(Invitation).order_by(Invitation.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def membership_of(app, tenant, email: str) -> Membership | None:
    with app.app_context(), tenant_scope(tenant.id):
        membership = db.session.scalar(
            select(Membership).join(User, User.id == Membership.user_id).where(User.email == email))
        if membership is not None:
            db.session.expunge(membership)
        return membership


def audit_actions(app, tenant) -> list[str]:
    with app.app_context(), tenant_scope(tenant.id):
        return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action.startswith("invitation.")]


def invite(client, email: str, roles=("viewer",), organisation=None, locale="sv", slug="vasa"):
    return client.post(f"/t/{slug}/invitations/new", data={
        "email": email, "roles": list(roles),
        "organisation_id": organisation.id if organisation else 0, "locale": locale,
    })


# --- permissions and isolation ----------------------------------------------------------------


def test_only_admins_of_the_tenant_manage_invitations(app, factory, vasa, sign_in_as):
    factory.user("viewer@example.org", tenant=vasa, roles=["viewer", "purchaser"], locale="en")
    falun = factory.tenant("falun", country="SE", locales=["sv"])
    factory.user("outsider@example.org", tenant=falun, roles=["admin"], locale="en")
    invitation, _ = factory.invitation(vasa, email="someone@example.org")
    urls = ["/t/vasa/invitations", "/t/vasa/invitations/new",
            f"/t/vasa/invitations/{invitation.id}/revoke"]

    anonymous = app.test_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/signin" in response.headers["Location"]

    viewer = app.test_client()
    sign_in_as(viewer, "viewer@example.org")
    for url in urls:
        assert viewer.get(url).status_code == 403
    assert viewer.post(f"/t/vasa/invitations/{invitation.id}/resend").status_code == 403
    assert viewer.post(f"/t/vasa/invitations/{invitation.id}/revoke").status_code == 403
    assert invite(viewer, "new@example.org").status_code == 403
    assert 'href="/t/vasa/invitations"' not in viewer.get("/t/vasa/").get_data(as_text=True)

    outsider = app.test_client()
    sign_in_as(outsider, "outsider@example.org")
    for url in urls:
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/t/vasa/invitations/{invitation.id}/resend").status_code == 404
    assert outsider.post(f"/t/vasa/invitations/{invitation.id}/revoke").status_code == 404
    assert invite(outsider, "new@example.org").status_code == 404

    [row] = invitations_of(app, vasa)
    assert row.revoked_at is None and row.token_hash == invitation.token_hash
    assert outbox(app) == []


def test_another_tenants_invitation_is_not_found(app, factory, vasa, admin_client):
    falun = factory.tenant("falun", country="SE", locales=["sv"])
    theirs, token = factory.invitation(falun, email="someone@example.org")
    assert admin_client.get(f"/t/vasa/invitations/{theirs.id}/revoke").status_code == 404
    assert admin_client.post(f"/t/vasa/invitations/{theirs.id}/revoke").status_code == 404
    assert admin_client.post(f"/t/vasa/invitations/{theirs.id}/resend").status_code == 404
    # Their link under our address is unknown here, and our list does not show it.
    assert app.test_client().get(f"/t/vasa/invitations/{token}").status_code == 404
    assert "someone@example.org" not in admin_client.get("/t/vasa/invitations").get_data(
        as_text=True)
    [row] = invitations_of(app, falun)
    assert row.revoked_at is None and row.token_hash == theirs.token_hash


def test_admin_sees_invitations_in_the_navigation(admin_client):
    page = admin_client.get("/t/vasa/").get_data(as_text=True)
    assert 'href="/t/vasa/invitations"' in page
    listing = admin_client.get("/t/vasa/invitations")
    assert listing.status_code == 200
    assert "No one has been invited yet." in listing.get_data(as_text=True)


# --- inviting ---------------------------------------------------------------------------------


def test_invite_sends_a_single_use_link_and_stores_only_its_hash(app, vasa, admin, admin_client):
    form = admin_client.get("/t/vasa/invitations/new")
    assert form.status_code == 200
    assert 'value="owner_representative"' in form.get_data(as_text=True)

    response = invite(admin_client, "New.Person@Example.org", roles=["viewer", "purchaser"],
                      locale="fi")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/t/vasa/invitations")

    [invitation] = invitations_of(app, vasa)
    assert invitation.email == "new.person@example.org"
    assert invitation.roles == ["purchaser", "viewer"]
    assert invitation.invited_by_id == admin.id and invitation.locale == "fi"
    expires = invitation.expires_at.replace(tzinfo=None)
    expected = (utcnow() + timedelta(days=app.config["SAMVERKAN_INVITATION_DAYS"])).replace(
        tzinfo=None)
    assert abs(expires - expected) < timedelta(minutes=1)

    [mail] = outbox(app, "new.person@example.org")
    path = link_in_mail(app, "new.person@example.org")
    token = path.rsplit("/", 1)[1]
    assert path.startswith("/t/vasa/invitations/")
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    with app.test_request_context(), force_locale("fi"):
        subject = gettext("Invitation to %(tenant)s in Samverkan", tenant="Kunta vasa")
    assert mail["subject"] == subject
    assert audit_actions(app, vasa) == ["invitation.created"]

    listing = admin_client.get("/t/vasa/invitations").get_data(as_text=True)
    assert "new.person@example.org" in listing and "Pending" in listing
    assert "Invitation sent to new.person@example.org." in listing


@pytest.mark.parametrize("data, message", [
    ({"email": "not an address", "roles": ["viewer"]}, "Enter a valid e-mail address."),
    ({"email": "x@example.org", "roles": []}, "Choose at least one role."),
    ({"email": "x@example.org", "roles": ["owner_representative"]},
     "Owner representatives and provider reporters act for an organisation: choose one."),
    ({"email": "x@example.org", "roles": ["provider_reporter"]},
     "Owner representatives and provider reporters act for an organisation: choose one."),
    ({"email": "x@example.org", "roles": ["superuser"]}, '<a href="#roles">'),
])
def test_invalid_invitations_are_refused(app, vasa, admin_client, data, message):
    response = admin_client.post("/t/vasa/invitations/new",
                                 data={"organisation_id": 0, "locale": "sv", **data})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page
    assert invitations_of(app, vasa) == [] and outbox(app) == []


def test_bound_roles_need_an_organisation_of_this_tenant(app, factory, vasa, admin_client):
    falun = factory.tenant("falun", country="SE", locales=["sv"])
    theirs = factory.organisation(falun)
    ours = factory.organisation(vasa, kind="municipality")
    refused = invite(admin_client, "rep@example.org", roles=["owner_representative"],
                     organisation=theirs)
    assert refused.status_code == 400
    assert invitations_of(app, vasa) == []
    accepted = invite(admin_client, "rep@example.org", roles=["owner_representative"],
                      organisation=ours)
    assert accepted.status_code == 302
    [invitation] = invitations_of(app, vasa)
    assert invitation.organisation_id == ours.id


def test_members_and_pending_invitees_are_not_invited_twice(app, factory, vasa, admin_client):
    factory.user("member@example.org", tenant=vasa, roles=["viewer"], locale="en")
    member = invite(admin_client, "MEMBER@example.org")
    assert member.status_code == 400
    assert "already a member" in member.get_data(as_text=True)
    assert invite(admin_client, "new@example.org").status_code == 302
    twice = invite(admin_client, "new@example.org")
    assert twice.status_code == 400
    assert "already pending" in twice.get_data(as_text=True)
    assert len(invitations_of(app, vasa)) == 1


def test_list_filters_searches_sorts_and_paginates(app, factory, vasa, admin_client):
    for number in range(30):
        factory.invitation(vasa, email=f"person{number:02d}@example.org")
    factory.invitation(vasa, email="late@example.org", days=-1)
    revoked, _ = factory.invitation(vasa, email="revoked@example.org")
    admin_client.post(f"/t/vasa/invitations/{revoked.id}/revoke")

    first = admin_client.get("/t/vasa/invitations?sort=email").get_data(as_text=True)
    assert "32 invitations" in first
    assert "late@example.org" in first and "person23@example.org" in first
    assert "person24@example.org" not in first
    assert 'rel="next"' in first
    second = admin_client.get("/t/vasa/invitations?sort=email&page=2").get_data(as_text=True)
    assert "person24@example.org" in second and "revoked@example.org" in second

    expired = admin_client.get("/t/vasa/invitations?status=expired").get_data(as_text=True)
    assert "late@example.org" in expired and "person01@example.org" not in expired
    revoked_page = admin_client.get("/t/vasa/invitations?status=revoked").get_data(as_text=True)
    assert "revoked@example.org" in revoked_page and "late@example.org" not in revoked_page
    search = admin_client.get("/t/vasa/invitations?q=PERSON1").get_data(as_text=True)
    assert "10 invitations" in search and "person10@example.org" in search
    assert "No invitations match the filter." in admin_client.get(
        "/t/vasa/invitations?q=nobody").get_data(as_text=True)
    assert admin_client.get("/t/vasa/invitations?status=accepted").status_code == 200


# --- resend and revoke ------------------------------------------------------------------------


def test_resend_replaces_the_link(app, factory, vasa, admin_client):
    invitation, old_token = factory.invitation(vasa, email="late@example.org", days=-1)
    response = admin_client.post(f"/t/vasa/invitations/{invitation.id}/resend")
    assert response.status_code == 302
    [row] = invitations_of(app, vasa)
    assert row.token_hash != invitation.token_hash
    assert row.expires_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
    assert audit_actions(app, vasa) == ["invitation.resent"]
    new_path = link_in_mail(app, "late@example.org")
    anonymous = app.test_client()
    assert anonymous.get(f"/t/vasa/invitations/{old_token}").status_code == 404
    assert anonymous.get(new_path).status_code == 200


def test_revoke_asks_for_confirmation_then_the_link_stops_working(app, factory, vasa,
                                                                  admin_client):
    invitation, token = factory.invitation(vasa, email="someone@example.org")
    confirm = admin_client.get(f"/t/vasa/invitations/{invitation.id}/revoke")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "someone@example.org" in page and 'method="post"' in page
    assert invitations_of(app, vasa)[0].revoked_at is None  # nothing changed yet

    assert admin_client.post(f"/t/vasa/invitations/{invitation.id}/revoke").status_code == 302
    assert invitations_of(app, vasa)[0].revoked_at is not None
    assert audit_actions(app, vasa) == ["invitation.revoked"]
    gone = app.test_client().get(f"/t/vasa/invitations/{token}?lang=en")
    assert gone.status_code == 410
    assert "withdrawn" in gone.get_data(as_text=True)
    # Neither can it be revoked or resent again.
    assert admin_client.post(f"/t/vasa/invitations/{invitation.id}/revoke").status_code == 302
    assert admin_client.post(f"/t/vasa/invitations/{invitation.id}/resend").status_code == 302
    assert audit_actions(app, vasa) == ["invitation.revoked"]
    assert outbox(app) == []


# --- accepting --------------------------------------------------------------------------------


def test_new_person_creates_an_account_and_is_signed_in(app, factory, vasa, admin_client):
    provider = factory.organisation(vasa, kind="provider")
    invite(admin_client, "new@example.org", roles=["provider_reporter"], organisation=provider,
           locale="fi")
    path = link_in_mail(app, "new@example.org")

    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<html lang="fi">' in text  # the invitation's language
    assert 'name="password"' in text and "new@example.org" in text

    short = invitee.post(path, data={"name": "Nea", "password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert membership_of(app, vasa, "new@example.org") is None

    done = invitee.post(path, data={"name": "Nea Nyberg", "password": PASSWORD,
                                    "confirm": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/t/vasa/")
    assert invitee.get("/t/vasa/").status_code == 200  # signed in
    membership = membership_of(app, vasa, "new@example.org")
    assert membership.roles == ["provider_reporter"]
    assert membership.organisation_id == provider.id
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.org"))
        assert user.name == "Nea Nyberg" and user.preferred_locale == "fi"
    assert audit_actions(app, vasa) == ["invitation.created", "invitation.accepted"]
    with app.app_context(), platform_scope("test reads the audit trail"):
        actions = {e.action for e in db.session.scalars(select(AuditEntry))}
    assert {"user.created", "membership.granted"} <= actions

    # Single use.
    again = app.test_client().get(path + "?lang=en")
    assert again.status_code == 410
    assert "already been accepted" in again.get_data(as_text=True)
    assert app.test_client().post(path, data={"name": "X", "password": PASSWORD,
                                              "confirm": PASSWORD}).status_code == 410


def test_existing_account_signs_in_then_accepts_with_one_click(app, factory, vasa, admin_client):
    falun = factory.tenant("falun", country="SE", locales=["sv"])
    factory.user("known@example.org", tenant=falun, roles=["purchaser"], locale="en")
    invite(admin_client, "known@example.org", roles=["viewer"])
    path = link_in_mail(app, "known@example.org")

    invitee = app.test_client()
    ask = invitee.get(path)
    assert ask.status_code == 200
    text = ask.get_data(as_text=True)
    assert "/signin?next=" in text and 'name="password"' not in text
    assert membership_of(app, vasa, "known@example.org") is None
    # Nothing is accepted by a visit without sign-in.
    assert invitee.post(path).status_code == 200
    assert membership_of(app, vasa, "known@example.org") is None

    signed_in = invitee.post(f"/signin?next={path}",
                             data={"email": "known@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == path
    confirm = invitee.get(path)
    assert confirm.status_code == 200
    assert "Accept the invitation" in confirm.get_data(as_text=True)
    accepted = invitee.post(path)
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/t/vasa/")
    assert membership_of(app, vasa, "known@example.org").roles == ["viewer"]
    assert membership_of(app, falun, "known@example.org").roles == ["purchaser"]
    assert invitee.get("/t/vasa/").status_code == 200

    twice = invitee.post(path)
    assert twice.status_code == 410
    assert audit_actions(app, vasa) == ["invitation.created", "invitation.accepted"]


def test_accepting_adds_roles_to_an_existing_membership(app, factory, vasa, sign_in_as):
    factory.user("member@example.org", tenant=vasa, roles=["viewer"], locale="en")
    _, token = factory.invitation(vasa, email="member@example.org", roles=["purchaser"])
    client = app.test_client()
    sign_in_as(client, "member@example.org")
    assert client.post(f"/t/vasa/invitations/{token}").status_code == 302
    assert membership_of(app, vasa, "member@example.org").roles == ["purchaser", "viewer"]


def test_someone_else_signed_in_cannot_accept(app, factory, vasa, sign_in_as):
    factory.user("invited@example.org", locale="en")
    factory.user("intruder@example.org", tenant=vasa, roles=["viewer"], locale="en")
    _, token = factory.invitation(vasa, email="invited@example.org", roles=["admin"])
    intruder = app.test_client()
    sign_in_as(intruder, "intruder@example.org")
    page = intruder.get(f"/t/vasa/invitations/{token}")
    assert page.status_code == 403
    assert "invited@example.org" in page.get_data(as_text=True)
    assert intruder.post(f"/t/vasa/invitations/{token}").status_code == 403
    assert membership_of(app, vasa, "intruder@example.org").roles == ["viewer"]
    assert membership_of(app, vasa, "invited@example.org") is None
    assert invitations_of(app, vasa)[0].accepted_at is None


def test_expired_and_unknown_links_give_a_clear_page(app, factory, vasa):
    _, token = factory.invitation(vasa, email="late@example.org", days=-1)
    client = app.test_client()
    expired = client.get(f"/t/vasa/invitations/{token}?lang=en")
    assert expired.status_code == 410
    assert "expired" in expired.get_data(as_text=True)
    assert client.post(f"/t/vasa/invitations/{token}", data={
        "name": "Late", "password": PASSWORD, "confirm": PASSWORD}).status_code == 410
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "late@example.org")) is None
    unknown = client.get("/t/vasa/invitations/not-a-real-token")
    assert unknown.status_code == 404
    assert "not valid" in unknown.get_data(as_text=True)
    assert client.get(f"/t/nowhere/invitations/{token}").status_code == 404


def test_link_of_one_tenant_does_not_work_in_another(app, factory, vasa, sign_in_as):
    falun = factory.tenant("falun", country="SE", locales=["sv"])
    factory.user("member.falun@example.org", tenant=falun, roles=["admin"], locale="en")
    _, token = factory.invitation(vasa, email="member.falun@example.org", roles=["admin"])
    client = app.test_client()
    sign_in_as(client, "member.falun@example.org")
    assert client.get(f"/t/falun/invitations/{token}").status_code == 404
    assert client.post(f"/t/falun/invitations/{token}").status_code == 404
    assert membership_of(app, falun, "member.falun@example.org").roles == ["admin"]


# --- robustness -------------------------------------------------------------------------------


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_forms_carry_a_csrf_token_and_posts_without_one_are_refused(self, app, factory, vasa,
                                                                        admin):
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/signin").get_data(as_text=True)).group(1)
        client.post("/signin", data={"email": "admin@example.org", "password": PASSWORD,
                                     "csrf_token": token})
        invitation, _ = factory.invitation(vasa, email="someone@example.org")
        assert client.post(f"/t/vasa/invitations/{invitation.id}/resend").status_code == 400
        assert client.post(f"/t/vasa/invitations/{invitation.id}/revoke").status_code == 400
        assert client.post("/t/vasa/invitations/new", data={
            "email": "new@example.org", "roles": ["viewer"], "organisation_id": 0,
            "locale": "sv"}).status_code == 400
        assert len(invitations_of(app, vasa)) == 1 and outbox(app) == []

        listing = client.get("/t/vasa/invitations").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', listing).group(1)
        assert client.post(f"/t/vasa/invitations/{invitation.id}/resend",
                           data={"csrf_token": csrf}).status_code == 302
        assert len(outbox(app, "someone@example.org")) == 1


class TestWithTheMailQueueDown:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "SAMVERKAN_JOBS_MODE": "rq",
                "SAMVERKAN_REDIS_URL": "redis://127.0.0.1:1/0"}

    def test_no_invitation_is_recorded_that_could_not_be_sent(self, app, vasa, admin_client):
        response = invite(admin_client, "new@example.org")
        assert response.status_code == 400
        assert "E-mail cannot be sent right now." in response.get_data(as_text=True)
        assert invitations_of(app, vasa) == []
