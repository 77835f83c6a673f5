"""Pages of the authorisation of providers under ``/t/<slug>/partnership/authorisation``, and
the public register of authorised providers at ``/t/<slug>/register``.

Purchasers and admins keep the criteria catalogue, assess the submitted applications and
decide them. A provider reporter sees, creates, answers and submits its own organisation's
applications only; the broad roles read every application. The rules are those of
:mod:`samverkan.partnership.services.authorisation`; an application the principal may not see
is a 404, whoever owns it.

Attachments: whoever may answer a draft attaches files to its answers (the evidence each
criterion requires) and removes them, confirmed, while it is a draft; whoever sees the
application lists and downloads them, and the assessor sees them next to each answer. A
download is always an attachment with the stored content type (see
:func:`samverkan.platform.files.download`).

The register is readable without signing in: it shows the tenant's approved applications whose
validity includes today (provider, programme areas, valid to) and nothing else.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from samverkan.partnership.authorisation_forms import (
    ASSESSMENT_LABELS,
    PROGRAMME_AREA_LABELS,
    SANCTION_LEVEL_LABELS,
    STATUS_LABELS,
    AnswersForm,
    ApproveForm,
    AssessForm,
    AttachmentForm,
    CriterionForm,
    NewApplicationForm,
    RecheckForm,
    RejectForm,
    SanctionForm,
)
from samverkan.partnership.authorisation_models import (
    AuthorisationApplication,
    AuthorisationCriterion,
)
from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.purchasing_models import AnswerAttachment
from samverkan.partnership.services import authorisation as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.views import blueprint
from samverkan.partnership.views import show_service_error as _fail
from samverkan.platform.db import db
from samverkan.platform.files import (
    ACCEPT_ATTRIBUTE,
    ACCEPTED,
    download,
    max_bytes,
    megabytes,
    size_label,
)
from samverkan.platform.i18n import translated
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/authorisation"

register_audit_labels(
    actions={
        "partnership.criterion_created": _l("Authorisation criterion added"),
        "partnership.criterion_updated": _l("Authorisation criterion changed"),
        "partnership.criteria_reordered": _l("Authorisation criteria reordered"),
        "partnership.criterion_activated": _l("Authorisation criterion activated"),
        "partnership.criterion_deactivated": _l("Authorisation criterion deactivated"),
        "partnership.criterion_deleted": _l("Authorisation criterion deleted"),
        "partnership.application_created": _l("Application for authorisation created"),
        "partnership.application_answered": _l("Application for authorisation answered"),
        "partnership.application_submitted": _l("Application for authorisation submitted"),
        "partnership.answer_assessed": _l("Answer to a criterion assessed"),
        "partnership.application_approved": _l("Application for authorisation approved"),
        "partnership.application_rejected": _l("Application for authorisation rejected"),
        "partnership.authorisation_rechecked": _l("Authorisation re-checked"),
        "partnership.sanction_added": _l("Sanction decided"),
        "partnership.authorisation_revoked": _l("Authorisation revoked"),
        "partnership.answer_attachment_added": _l("File attached to an answer"),
        "partnership.answer_attachment_removed": _l("File removed from an answer"),
    },
    entity_types={"AuthorisationCriterion": _l("Authorisation criterion"),
                  "AuthorisationApplication": _l("Application for authorisation"),
                  "ApplicationAnswer": _l("Answer to a criterion"),
                  "AuthorisationSanction": _l("Sanction"),
                  "AnswerAttachment": _l("Attachment of an answer")},
    fields={key: label for key, label in {
        "programme_areas": _l("Programme areas"), "decision_reasons": _l("Reasons"),
        "assessment": _l("Assessment"), "assessment_comment": _l("Comment"),
        "evidence": _l("Required evidence"), "active": _l("Active"), "answers": _l("Answers"),
        "order": _l("Order"), "criterion": _l("Criterion"),
        "next_recheck_on": _l("Next re-check"), "checked_on": _l("Checked on"),
        "outcome": _l("Outcome"), "level": _l("Level"), "decided_on": _l("Decided on"),
        "reason": _l("Reason"), "revoked_on": _l("Revoked on"),
        "application_id": _l("Application"), "answer_id": _l("Answer"),
        "filename": _l("File name"), "content_type": _l("Format"), "size": _l("Size"),
        "sha256": _l("Checksum (SHA-256)")}.items() if key not in FIELD_LABELS},
)


def _manager_only() -> None:
    if not svc.can_manage_authorisation(current_principal()):
        abort(403)


def _criterion_or_404(criterion_id: int) -> AuthorisationCriterion:
    try:
        return svc.get_criterion(current_principal().tenant, criterion_id)
    except PartnershipError:
        abort(404)


def _application_or_404(application_id: int) -> AuthorisationApplication:
    principal = current_principal()
    try:
        return svc.get_visible_application(principal.tenant, principal, application_id)
    except PartnershipError:
        abort(404)


# --- applications ----------------------------------------------------------------------------


@blueprint.get(BASE)
@require(can_view_partnership)
def authorisation():
    """The applications the principal may see, with a status filter and a search."""
    principal = current_principal()
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else ""
    search = (request.args.get("q") or "").strip()[:100]
    due = request.args.get("due") == "1"
    applications = svc.applications_for(principal.tenant, principal, status=status, search=search)
    if due:
        due_ids = {a.id for a in svc.rechecks_due(principal.tenant)}
        applications = [a for a in applications if a.id in due_ids]
    return render_template(
        "partnership/authorisation/applications.html", applications=applications,
        status=status, search=search, due=due, status_labels=STATUS_LABELS,
        today=svc.today(),
        can_manage=svc.can_manage_authorisation(principal),
        can_apply=bool(svc.providers_for(principal.tenant, principal)))


@blueprint.route(f"{BASE}/applications/new", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_application_new():
    principal = current_principal()
    providers = svc.providers_for(principal.tenant, principal)
    if not providers:
        abort(403)
    form = NewApplicationForm(providers=[(o.id, translated(o.name)) for o in providers])
    if len(providers) == 1 and request.method == "GET":
        form.organisation_id.data = str(providers[0].id)
    if form.validate_on_submit():
        try:
            application = svc.create_application(principal.tenant, principal,
                                                 int(form.organisation_id.data or 0))
        except (PartnershipError, ValueError) as error:
            if isinstance(error, PartnershipError):
                _fail(form, error)
            else:
                form.organisation_id.errors = [_("Choose a provider.")]
        else:
            db.session.commit()
            flash(_("The application is created. Answer each criterion and submit it."),
                  "success")
            return redirect(url_for("partnership.authorisation_application",
                                    application_id=application.id))
    return render_template("partnership/authorisation/new.html", form=form), (
        400 if form.errors or form.form_errors else 200)


def _detail(application: AuthorisationApplication, *, answers_form=None, assess_form=None,
            recheck_form=None, status: int = 200, errors: dict | None = None,
            upload_errors: dict | None = None):
    principal = current_principal()
    may_apply = svc.can_apply_for(application.organisation_id)(principal)
    is_draft = application.status == "draft"
    can_manage = svc.can_manage_authorisation(principal)
    if recheck_form is None:
        recheck_form = RecheckForm(formdata=None, data={"checked_on": svc.today()})
    return render_template(
        "partnership/authorisation/application.html", application=application,
        sanctions=svc.sanctions_of(application), level_labels=SANCTION_LEVEL_LABELS,
        can_follow_up=can_manage and application.status == "approved",
        recheck_form=recheck_form, today=svc.today(),
        answers=svc.answers_in_order(application), status_labels=STATUS_LABELS,
        assessment_labels=ASSESSMENT_LABELS, area_labels=PROGRAMME_AREA_LABELS,
        can_answer=may_apply and is_draft,
        can_assess=svc.can_manage_authorisation(principal) and application.status == "submitted",
        answers_form=answers_form or AnswersForm(formdata=None),
        assess_form=assess_form or AssessForm(formdata=None), answer_errors=errors or {},
        attachments=svc.attachments_of(principal.tenant, application),
        upload_errors=upload_errors or {}, size_label=size_label, accepted=ACCEPTED,
        accept=ACCEPT_ATTRIBUTE, max_mb=megabytes(max_bytes()),
        posted=request.form if request.method == "POST" else None), status


@blueprint.route(f"{BASE}/applications/<int:application_id>", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_application(application_id: int):
    """The application with its answers; a draft's applicant saves or submits the answers."""
    principal = current_principal()
    application = _application_or_404(application_id)
    if request.method == "GET":
        return _detail(application)
    if not svc.can_apply_for(application.organisation_id)(principal):
        abort(403)
    form = AnswersForm()
    if not form.validate_on_submit():
        return _detail(application, answers_form=form, status=400)
    answers = {a.criterion_id: request.form.get(f"answer_{a.criterion_id}", "")
               for a in application.answers}
    try:
        svc.save_answers(principal.tenant, principal, application, answers)
        if form.action.data == "submit":
            svc.submit_application(principal.tenant, principal, application)
    except PartnershipError as error:
        _fail(form, error)
        application = _application_or_404(application_id)
        if form.action.data == "submit" and error.code == "missing":
            # keep what was saved: save again without submitting
            try:
                svc.save_answers(principal.tenant, principal, application, answers)
                db.session.commit()
            except PartnershipError:
                db.session.rollback()
        return _detail(application, answers_form=form, status=400 if error.code != "not_draft"
                       else 409, errors=error.errors)
    db.session.commit()
    if form.action.data == "submit":
        flash(_("The application is submitted."), "success")
    else:
        flash(_("The answers are saved."), "success")
    return redirect(url_for("partnership.authorisation_application", application_id=application.id))


@blueprint.post(f"{BASE}/applications/<int:application_id>/assess")
@require(can_view_partnership)
def authorisation_assess(application_id: int):
    principal = current_principal()
    application = _application_or_404(application_id)
    _manager_only()
    form = AssessForm()
    if not form.validate_on_submit():
        return _detail(application, assess_form=form, status=400)
    try:
        answer = svc.get_answer(application, form.answer_id.data)
        svc.assess_answer(principal.tenant, principal, answer, form.assessment.data,
                          form.comment.data or "")
    except PartnershipError as error:
        _fail(form, error)
        application = _application_or_404(application_id)
        return _detail(application, assess_form=form,
                       status=409 if error.code == "not_submitted" else 400)
    db.session.commit()
    flash(_("The assessment of %(code)s is saved.", code=answer.criterion.code), "success")
    return redirect(url_for("partnership.authorisation_application",
                            application_id=application.id) + f"#answer-{answer.id}")


@blueprint.route(f"{BASE}/applications/<int:application_id>/decide", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_decide(application_id: int):
    """Approve (programme areas, validity) or reject (reasons), each confirmed."""
    principal = current_principal()
    application = _application_or_404(application_id)
    _manager_only()
    approve_form = ApproveForm(prefix="approve")
    reject_form = RejectForm(prefix="reject")
    decision = request.form.get("decision", "")
    code = 200
    if request.method == "POST":
        form = approve_form if decision == "approve" else reject_form
        code = 400
        if form.validate_on_submit():
            try:
                if decision == "approve":
                    svc.approve_application(
                        principal.tenant, principal, application,
                        list(approve_form.programme_areas.data or []),
                        approve_form.valid_from.data, approve_form.valid_to.data)
                else:
                    svc.reject_application(principal.tenant, principal, application,
                                           reject_form.decision_reasons.cleaned())
            except PartnershipError as error:
                _fail(form, error)
                application = _application_or_404(application_id)
                code = 409 if error.code == "not_submitted" else 400
            else:
                db.session.commit()
                flash(_("The application is approved.") if decision == "approve"
                      else _("The application is rejected."), "success")
                return redirect(url_for("partnership.authorisation_application",
                                        application_id=application.id))
    return render_template(
        "partnership/authorisation/decide.html", application=application,
        approve_form=approve_form, reject_form=reject_form, status_labels=STATUS_LABELS,
        answers=svc.answers_in_order(application), assessment_labels=ASSESSMENT_LABELS,
        all_met=all(a.assessment == "met" for a in application.answers),
        decidable=application.status == "submitted"), code


# --- attachments of the answers -------------------------------------------------------------


def _attachment_or_404(application: AuthorisationApplication,
                       attachment_id: int) -> AnswerAttachment:
    try:
        return svc.get_attachment(current_principal().tenant, application, attachment_id)
    except PartnershipError:
        abort(404)


def _to_attachments(application: AuthorisationApplication, answer_id: int | None = None):
    anchor = f"#attachments-{answer_id}" if answer_id else "#attachments"
    return redirect(url_for("partnership.authorisation_application",
                            application_id=application.id) + anchor)


@blueprint.post(f"{BASE}/applications/<int:application_id>/attachments")
@require(can_view_partnership)
def authorisation_attachment_upload(application_id: int):
    """Attach a file to one answer of a draft (by whoever may answer it)."""
    principal = current_principal()
    application = _application_or_404(application_id)
    if not svc.can_apply_for(application.organisation_id)(principal):
        abort(403)
    try:
        form = AttachmentForm()  # reads the request body: a body over the limit fails here
    except RequestEntityTooLarge:
        answer_id = request.args.get("answer_id", type=int)
        message = _("The file is too large: at most %(size)s MB.", size=megabytes(max_bytes()))
        return _detail(application, status=413, upload_errors={answer_id: [message]})
    try:
        answer = svc.get_answer(application, form.answer_id.data)
    except PartnershipError:
        abort(400)
    if not form.validate_on_submit():
        return _detail(application, status=400,
                       upload_errors={answer.id: [*form.file.errors, *form.form_errors]
                                      or [_("Choose a file to upload.")]})
    try:
        attachment = svc.add_attachment(principal.tenant, principal, answer, form.file.data)
    except PartnershipError as error:
        _fail(form, error)
        application = _application_or_404(application_id)
        return _detail(application, status=409 if error.code == "not_draft" else 400,
                       upload_errors={answer.id: [error.message]})
    db.session.commit()
    flash(_("The file %(name)s is attached to %(code)s.", name=attachment.filename,
            code=answer.criterion.code), "success")
    return _to_attachments(application, answer.id)


@blueprint.get(f"{BASE}/applications/<int:application_id>/attachments/<int:attachment_id>")
@require(can_view_partnership)
def authorisation_attachment_download(application_id: int, attachment_id: int):
    """The file of an attachment, for whoever sees the application."""
    principal = current_principal()
    application = _application_or_404(application_id)
    attachment = _attachment_or_404(application, attachment_id)
    try:
        path = svc.open_attachment(principal.tenant, attachment)
    except PartnershipError:
        abort(404)
    return download(path, attachment.content_type, attachment.filename)


@blueprint.route(f"{BASE}/applications/<int:application_id>/attachments/<int:attachment_id>"
                 "/delete", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_attachment_delete(application_id: int, attachment_id: int):
    """Remove an attachment of a draft's answer, confirmed."""
    principal = current_principal()
    application = _application_or_404(application_id)
    attachment = _attachment_or_404(application, attachment_id)
    if not svc.can_apply_for(application.organisation_id)(principal):
        abort(403)
    answer = svc.get_answer(application, attachment.answer_id)
    form = ConfirmForm()
    error, status = None, 200
    if application.status != "draft":
        error, status = _("Only a draft application can be changed or submitted."), 409
    elif form.validate_on_submit():
        name = attachment.filename
        try:
            svc.remove_attachment(principal.tenant, principal, application, attachment)
        except PartnershipError as refused:
            db.session.rollback()
            if isinstance(refused, PartnershipPermissionError):
                abort(403)
            error, status = refused.message, 409
        else:
            db.session.commit()
            flash(_("The file %(name)s is removed.", name=name), "success")
            return _to_attachments(application, answer.id)
    elif request.method == "POST":
        status = 400
    return render_template(
        "partnership/authorisation/attachment_delete.html", application=application,
        answer=answer, attachment=attachment, form=form, error=error,
        size_label=size_label), status


# --- re-checks and sanctions ----------------------------------------------------------------


@blueprint.post(f"{BASE}/applications/<int:application_id>/recheck")
@require(can_view_partnership)
def authorisation_recheck(application_id: int):
    """Record a re-check of an approved authorisation; the next one is scheduled."""
    principal = current_principal()
    application = _application_or_404(application_id)
    _manager_only()
    form = RecheckForm()
    if form.validate_on_submit():
        try:
            svc.record_recheck(principal.tenant, principal, application, form.checked_on.data,
                               form.outcome.data, form.comment.data or "")
        except PartnershipError as error:
            _fail(form, error)
            application = _application_or_404(application_id)
            return _detail(application, recheck_form=form,
                           status=409 if error.code == "not_approved" else 400)
        db.session.commit()
        flash(_("The re-check is recorded. The next one is due on %(date)s.",
                date=application.next_recheck_on.isoformat()), "success")
        return redirect(url_for("partnership.authorisation_application",
                                application_id=application.id) + "#recheck")
    return _detail(application, recheck_form=form, status=400)


@blueprint.route(f"{BASE}/applications/<int:application_id>/sanction", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_sanction(application_id: int):
    """Decide a sanction (remark, warning or revocation), confirmed; a revocation twice."""
    principal = current_principal()
    application = _application_or_404(application_id)
    _manager_only()
    form = SanctionForm(data={"decided_on": svc.today()} if request.method == "GET" else None)
    code = 200
    if request.method == "POST":
        code = 400
        valid = form.validate_on_submit()
        if form.level.data == "revocation" and not form.confirm_revocation.data:
            form.confirm_revocation.errors = [*form.confirm_revocation.errors,
                                              _("Confirm the revocation.")]
            valid = False
        if valid:
            try:
                svc.add_sanction(principal.tenant, principal, application, form.level.data,
                                 form.decided_on.data, form.reason.cleaned())
            except PartnershipError as error:
                _fail(form, error)
                application = _application_or_404(application_id)
                code = 409 if error.code == "not_approved" else 400
            else:
                db.session.commit()
                flash(_("The authorisation is revoked.") if form.level.data == "revocation"
                      else _("The sanction is recorded."), "success")
                return redirect(url_for("partnership.authorisation_application",
                                        application_id=application.id) + "#sanctions")
    return render_template(
        "partnership/authorisation/sanction.html", application=application, form=form,
        sanctions=svc.sanctions_of(application), level_labels=SANCTION_LEVEL_LABELS,
        status_labels=STATUS_LABELS, possible=application.status == "approved"), code


# --- the criteria catalogue ------------------------------------------------------------------


@blueprint.route(f"{BASE}/criteria", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_criteria():
    """The catalogue, with the form of a new criterion."""
    principal = current_principal()
    _manager_only()
    form = CriterionForm(prefix="new")
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                criterion = svc.create_criterion(principal.tenant, principal, form.code.data,
                                                 form.text.cleaned(), form.evidence.cleaned())
            except PartnershipError as error:
                _fail(form, error)
            else:
                db.session.commit()
                flash(_("The criterion %(code)s is added.", code=criterion.code), "success")
                return redirect(url_for("partnership.authorisation_criteria"))
    criteria = svc.criteria_of(principal.tenant)
    return render_template("partnership/authorisation/criteria.html", criteria=criteria,
                           form=form, locales=principal.tenant.content_locales), code


@blueprint.route(f"{BASE}/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_criterion_edit(criterion_id: int):
    principal = current_principal()
    criterion = _criterion_or_404(criterion_id)
    _manager_only()
    form = CriterionForm(data={"code": criterion.code, "text": criterion.text,
                               "evidence": criterion.evidence})
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                svc.update_criterion(principal.tenant, principal, criterion, form.code.data,
                                     form.text.cleaned(), form.evidence.cleaned())
            except PartnershipError as error:
                _fail(form, error)
                criterion = _criterion_or_404(criterion_id)
            else:
                db.session.commit()
                flash(_("The criterion %(code)s is saved.", code=criterion.code), "success")
                return redirect(url_for("partnership.authorisation_criteria"))
    return render_template("partnership/authorisation/criterion_edit.html", criterion=criterion,
                           form=form, locales=principal.tenant.content_locales), code


@blueprint.post(f"{BASE}/criteria/<int:criterion_id>/move")
@require(can_view_partnership)
def authorisation_criterion_move(criterion_id: int):
    principal = current_principal()
    criterion = _criterion_or_404(criterion_id)
    _manager_only()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    step = -1 if request.form.get("step") == "up" else 1
    svc.move_criterion(principal.tenant, principal, criterion, step)
    db.session.commit()
    return redirect(url_for("partnership.authorisation_criteria") + f"#criterion-{criterion.id}")


@blueprint.post(f"{BASE}/criteria/<int:criterion_id>/activate")
@require(can_view_partnership)
def authorisation_criterion_activate(criterion_id: int):
    principal = current_principal()
    criterion = _criterion_or_404(criterion_id)
    _manager_only()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    svc.set_criterion_active(principal.tenant, principal, criterion, True)
    db.session.commit()
    flash(_("The criterion %(code)s is active again.", code=criterion.code), "success")
    return redirect(url_for("partnership.authorisation_criteria"))


@blueprint.route(f"{BASE}/criteria/<int:criterion_id>/remove", methods=["GET", "POST"])
@require(can_view_partnership)
def authorisation_criterion_remove(criterion_id: int):
    """Delete an unused criterion, or deactivate one that applications answer (confirmed)."""
    principal = current_principal()
    criterion = _criterion_or_404(criterion_id)
    _manager_only()
    form = ConfirmForm()
    in_use = svc.criterion_in_use(principal.tenant, criterion)
    status = 200
    if form.validate_on_submit():
        code = criterion.code
        outcome = svc.remove_criterion(principal.tenant, principal, criterion)
        db.session.commit()
        flash(_("The criterion %(code)s is deleted.", code=code) if outcome == "deleted"
              else _("The criterion %(code)s is deactivated: applications answer it, so it is "
                     "kept.", code=code), "success")
        return redirect(url_for("partnership.authorisation_criteria"))
    if request.method == "POST":
        status = 400
    return render_template("partnership/authorisation/criterion_remove.html",
                           criterion=criterion, form=form, in_use=in_use), status


# --- the public register ---------------------------------------------------------------------


@blueprint.get("/t/<slug>/register")
def authorisation_register():
    """Authorised providers of the tenant, readable without signing in."""
    tenant = g.tenant
    entries = svc.register_of(tenant)
    return render_template("partnership/authorisation/register.html", tenant=tenant,
                           entries=entries, area_labels=PROGRAMME_AREA_LABELS)
