"""Invitations: tenant admins invite people by e-mail; the invited person accepts by link."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_user
from sqlalchemy import select

from samverkan.platform.config import SUPPORTED_LOCALES
from samverkan.platform.db import db
from samverkan.platform.i18n import LANGUAGE_NAMES, current_locale, translated
from samverkan.platform.jobs import JobsUnavailable
from samverkan.platform.navigation import register_nav
from samverkan.tenants.forms.invitations import (
    AcceptInvitationForm,
    ConfirmForm,
    InvitationForm,
    NewAccountForm,
)
from samverkan.tenants.labels import organisation_kind_label, role_label
from samverkan.tenants.models import Invitation, Organisation, Role
from samverkan.tenants.permissions import can_manage_members, require
from samverkan.tenants.services.invitations import (
    STATUS_LABELS,
    InvitationData,
    InvitationError,
    InvitationStatus,
    accept_as,
    accept_with_new_account,
    create_invitation,
    existing_account,
    find_by_token,
    invitations_query,
    resend_invitation,
    revoke_invitation,
    status_of,
)
from samverkan.tenants.views import blueprint

register_nav("tenants.invitations", _l("Invitations"), can_manage_members, order=80)

PER_PAGE = 25
SORT_KEYS = ("email", "-email", "created", "-created", "expires", "-expires")
STATUS_BADGES = {
    InvitationStatus.PENDING: "badge-warning",
    InvitationStatus.ACCEPTED: "badge-ok",
    InvitationStatus.EXPIRED: "",
    InvitationStatus.REVOKED: "badge-error",
}
MAIL_UNAVAILABLE = _l("E-mail cannot be sent right now. Try again in a few minutes.")


def _status(form) -> int:
    return 400 if form.is_submitted() and (form.errors or form.form_errors) else 200


def _invitation_or_404(invitation_id: int) -> Invitation:
    # The session limits the lookup to the URL's tenant: another tenant's invitation is a 404.
    invitation = db.session.scalar(select(Invitation).where(Invitation.id == invitation_id))
    if invitation is None:
        abort(404)
    return invitation


def _attach(form, error: InvitationError) -> None:
    """Show a service error at its field, or above the form."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


# --- administration ----------------------------------------------------------------------------


@blueprint.get("/t/<slug>/invitations")
@require(can_manage_members)
def invitations():
    """The tenant's invitations: pending, accepted, expired and revoked."""
    status = request.args.get("status", "")
    status = status if status in InvitationStatus.ALL else ""
    search = request.args.get("q", "").strip()[:254]
    sort = request.args.get("sort", "-created")
    sort = sort if sort in SORT_KEYS else "-created"
    page = db.paginate(invitations_query(status, search, sort),
                       page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False, count=True)
    args = {k: v for k, v in {"status": status, "q": search, "sort": sort}.items() if v}
    return render_template(
        "tenants/invitations/list.html", page=page, status=status, search=search, sort=sort,
        args=args, statuses=InvitationStatus.ALL, status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES, status_of=status_of,
    )


def _fill_choices(form: InvitationForm) -> None:
    form.roles.choices = [(role.value, role_label(role.value)) for role in Role]
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.is_archived.is_(False))
    ).all()
    organisations = sorted(organisations, key=lambda o: translated(o.name).casefold())
    form.organisation_id.choices = [(0, _("No organisation"))] + [
        (o.id, f"{translated(o.name)} ({organisation_kind_label(o.kind)})") for o in organisations
    ]
    form.locale.choices = [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES]
    if not form.is_submitted():
        form.locale.data = g.tenant.default_locale


@blueprint.route("/t/<slug>/invitations/new", methods=["GET", "POST"])
@require(can_manage_members)
def invite():
    """Invite a person by e-mail with one or more roles."""
    form = InvitationForm()
    _fill_choices(form)
    if form.validate_on_submit():
        data = InvitationData(email=form.email.data, roles=list(form.roles.data or []),
                              organisation_id=form.organisation_id.data or None,
                              locale=form.locale.data)
        try:
            invitation = create_invitation(g.tenant, data, actor=current_user)
        except InvitationError as error:
            db.session.rollback()
            _attach(form, error)
        except JobsUnavailable:
            db.session.rollback()
            form.form_errors.append(MAIL_UNAVAILABLE)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("tenants.invitations"))
    return render_template("tenants/invitations/new.html", form=form), _status(form)


@blueprint.post("/t/<slug>/invitations/<int:invitation_id>/resend")
@require(can_manage_members)
def resend(invitation_id: int):
    """Send a new link with a new expiry; the previous link stops working."""
    invitation = _invitation_or_404(invitation_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        resend_invitation(g.tenant, invitation, actor=current_user)
    except InvitationError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    except JobsUnavailable:
        db.session.rollback()
        flash(str(MAIL_UNAVAILABLE), "error")
    else:
        db.session.commit()
        flash(_("A new invitation link was sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("tenants.invitations"))


@blueprint.route("/t/<slug>/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@require(can_manage_members)
def revoke(invitation_id: int):
    """Confirm, then withdraw an invitation."""
    invitation = _invitation_or_404(invitation_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            revoke_invitation(g.tenant, invitation, actor=current_user)
        except InvitationError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("The invitation to %(email)s was revoked.", email=invitation.email), "success")
        return redirect(url_for("tenants.invitations"))
    return render_template("tenants/invitations/revoke.html", form=form, invitation=invitation,
                           status=status_of(invitation))


# --- accepting ---------------------------------------------------------------------------------


def _use_invitation_language(invitation: Invitation) -> None:
    """Someone who has chosen no language sees the page in the invitation's language."""
    if current_user.is_authenticated or session.get("lang") in SUPPORTED_LOCALES:
        return
    if invitation.locale in SUPPORTED_LOCALES:
        session["lang"] = invitation.locale
        refresh()


def _unavailable(reason: str, invitation: Invitation | None = None):
    status = 404 if reason == "invalid" else 410
    if reason == "invalid":
        # A made-up token must not confirm that the tenant exists: the page names no tenant.
        g.tenant = None
    return render_template("tenants/invitations/unavailable.html", reason=reason,
                           invitation=invitation), status


@blueprint.route("/t/<slug>/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The link in an invitation e-mail: create an account or accept as the signed-in person."""
    invitation = find_by_token(token)
    if invitation is None:
        return _unavailable("invalid")
    _use_invitation_language(invitation)
    status = status_of(invitation)
    if status != InvitationStatus.PENDING:
        return _unavailable(status, invitation)
    if existing_account(invitation) is None:
        return _accept_with_new_account(invitation)
    if not current_user.is_authenticated:
        return render_template("tenants/invitations/sign_in_first.html", invitation=invitation,
                               sign_in_url=url_for("tenants.sign_in", next=request.path))
    if current_user.email != invitation.email:
        return render_template("tenants/invitations/wrong_account.html", invitation=invitation), 403
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            accept_as(g.tenant, invitation, current_user._get_current_object())
        except InvitationError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Welcome to %(tenant)s.", tenant=translated(g.tenant.name)), "success")
            return redirect(url_for("tenants.tenant_home"))
    return render_template("tenants/invitations/accept.html", form=form,
                           invitation=invitation), _status(form)


def _accept_with_new_account(invitation: Invitation):
    form = NewAccountForm()
    if form.validate_on_submit():
        try:
            user = accept_with_new_account(g.tenant, invitation, name=form.name.data,
                                           password=form.password.data, locale=current_locale())
        except InvitationError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your account has been created. Welcome to %(tenant)s.",
                    tenant=translated(g.tenant.name)), "success")
            return redirect(url_for("tenants.tenant_home"))
    return render_template("tenants/invitations/accept_new.html", form=form,
                           invitation=invitation), _status(form)
