"""Members of the tenant, for its administrators: list, roles and organisation, removal."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.navigation import register_nav
from samverkan.tenants.forms.admin import ConfirmForm, MemberForm
from samverkan.tenants.labels import ROLE_LABELS, organisation_kind_label
from samverkan.tenants.models import Membership, Organisation, Role
from samverkan.tenants.permissions import can_manage_members, current_principal, require
from samverkan.tenants.services.accounts import AccountError
from samverkan.tenants.services.memberships import (
    MEMBER_SORTS,
    MembershipError,
    is_last_admin,
    members_statement,
    remove_membership,
    update_membership,
)
from samverkan.tenants.views import blueprint

register_nav("tenants.members", _l("Members"), can_manage_members, order=70)

PER_PAGE = 25


def _membership_or_404(membership_id: int) -> Membership:
    # Scoped to the URL's tenant: another tenant's membership is not found.
    membership = db.session.scalar(select(Membership).where(Membership.id == membership_id))
    if membership is None:
        abort(404)
    return membership


def _organisation_choices(current_id: int | None) -> list[tuple[int, str]]:
    organisations = db.session.scalars(select(Organisation)).all()
    choices = [
        (o.id, f"{translated(o.name)} ({organisation_kind_label(o.kind)})")
        for o in organisations
        if not o.is_archived or o.id == current_id
    ]
    return sorted(choices, key=lambda choice: choice[1].lower())


@blueprint.get("/t/<slug>/members")
@require(can_manage_members)
def members():
    search = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role", "")
    role = role if role in ROLE_LABELS else ""
    sort = request.args.get("sort", "name")
    sort = sort if sort in MEMBER_SORTS else "name"
    page = db.paginate(members_statement(search=search, role=role, sort=sort),
                       per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    args = {"q": search, "role": role, "sort": sort}
    return render_template("tenants/admin/members.html", page=page, args=args, search=search,
                           role=role, sort=sort, roles=ROLE_LABELS,
                           me=current_principal().membership)


@blueprint.route("/t/<slug>/members/<int:membership_id>", methods=["GET", "POST"])
@require(can_manage_members)
def member(membership_id: int):
    principal = current_principal()
    membership = _membership_or_404(membership_id)
    form = MemberForm(
        data={"roles": list(membership.roles),
              "organisation": str(membership.organisation_id or "")} if request.method == "GET"
        else None,
        organisations=_organisation_choices(membership.organisation_id),
    )
    if form.validate_on_submit():
        is_me = membership.id == principal.membership.id
        try:
            update_membership(
                principal.tenant, membership, list(form.roles.data or []),
                int(form.organisation.data) if form.organisation.data else None,
                actor=principal.user,
            )
        except (MembershipError, AccountError) as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            if is_me and Role.ADMIN not in membership.roles:
                flash(_("Your roles are saved. You are no longer an administrator of this tenant."),
                      "success")
                return redirect(url_for("tenants.tenant_home"))
            flash(_("The roles of %(name)s are saved.", name=membership.user.display_name),
                  "success")
            return redirect(url_for("tenants.members"))
    status = 400 if request.method == "POST" else 200
    return render_template("tenants/admin/member.html", membership=membership, form=form,
                           is_me=membership.id == principal.membership.id,
                           last_admin=is_last_admin(membership)), status


@blueprint.route("/t/<slug>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@require(can_manage_members)
def remove_member(membership_id: int):
    principal = current_principal()
    membership = _membership_or_404(membership_id)
    is_me = membership.id == principal.membership.id
    form = ConfirmForm()
    error = None
    if is_last_admin(membership):
        error = _("%(name)s is the tenant's only administrator and cannot be removed. Make another "
                  "member an administrator first.", name=membership.user.display_name)
    elif form.validate_on_submit():
        name = membership.user.display_name
        try:
            remove_membership(principal.tenant, membership, actor=principal.user)
        except MembershipError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            if is_me:
                flash(_("You have left %(tenant)s.", tenant=translated(principal.tenant.name)),
                      "success")
                return redirect(url_for("tenants.tenant_picker", all=1))
            flash(_("%(name)s is no longer a member of this tenant.", name=name), "success")
            return redirect(url_for("tenants.members"))
    status = 409 if error and request.method == "POST" else (400 if request.method == "POST" else 200)
    return render_template("tenants/admin/member_remove.html", membership=membership, form=form,
                           is_me=is_me, error=error), status
