"""Attachments of an application's answers: whoever may answer a draft attaches the evidence a
criterion requires (checked like every uploaded file) and removes it after a confirmation;
whoever sees the application downloads it, and the assessor sees it next to each answer. A
submitted application's attachments are fixed (409). Other providers' and other tenants'
attachments are 404; viewers are refused (403). Every change is audited."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import AnswerAttachment
from samverkan.partnership.services import authorisation as svc
from samverkan.platform.db import db
from tests.test_authorisation import refused
from tests.test_authorisation_pages import PageWorld, text

PDF = b"%PDF-1.4\n% evidence\n"


class AttachmentWorld(PageWorld):
    def answer_id(self, application_id: int, code: str = "K1") -> int:
        with self.scope():
            return next(a.id for a in self.app_(application_id).answers
                        if a.criterion.code == code)

    def upload(self, key: str, application_id: int, answer_id: int, data: bytes = PDF,
               name: str = "intyg.pdf"):
        return self.client(key).post(
            self.url(f"/applications/{application_id}/attachments"),
            data={"answer_id": str(answer_id), "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data")

    def attachments(self) -> list[AnswerAttachment]:
        with self.scope():
            rows = list(db.session.scalars(select(AnswerAttachment).order_by(AnswerAttachment.id)))
            for row in rows:
                db.session.expunge(row)
            return rows

    def stored(self, attachment: AnswerAttachment) -> Path:
        return Path(self.app.config["SAMVERKAN_DOCUMENT_PATH"]) / str(
            attachment.tenant_id) / attachment.storage_key


@pytest.fixture
def world(app, factory, sign_in_as) -> AttachmentWorld:
    world = AttachmentWorld(app, factory, sign_in_as)
    world.criteria("K1", "K2")
    return world


def test_a_reporter_attaches_evidence_to_its_draft_and_downloads_it(world):
    application_id = world.application()
    answer_id = world.answer_id(application_id)
    page = text(world.client("p1").get(world.url(f"/applications/{application_id}")))
    assert 'id="attachments-heading"' in page and "Required evidence: Intyg" in page
    assert 'label for="file-' in page and 'enctype="multipart/form-data"' in page
    response = world.upload("p1", application_id, answer_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#attachments-{answer_id}")
    [attachment] = world.attachments()
    assert (attachment.answer_id, attachment.filename, attachment.content_type,
            attachment.size) == (answer_id, "intyg.pdf", "application/pdf", len(PDF))
    assert world.stored(attachment).read_bytes() == PDF
    page = text(world.client("p1").get(world.url(f"/applications/{application_id}")))
    assert "The file intyg.pdf is attached to K1." in page and "intyg.pdf" in page
    download_url = world.url(f"/applications/{application_id}/attachments/{attachment.id}")
    for key in ("p1", "purchaser", "viewer", "admin"):
        response = world.client(key).get(download_url)
        assert response.status_code == 200, key
        assert response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "partnership.answer_attachment_added" in world.actions()


def test_uploads_are_checked_and_refused_for_the_wrong_people(world):
    application_id = world.application()
    answer_id = world.answer_id(application_id)
    response = world.upload("p1", application_id, answer_id, b"MZ\x90\x00", "intyg.pdf")
    assert response.status_code == 400 and "The content of the file is not PDF" in text(response)
    response = world.upload("p1", application_id, answer_id, b"MZ\x90\x00", "setup.exe")
    assert response.status_code == 400 and "This type of file is not accepted" in text(response)
    response = world.client("p1").post(
        world.url(f"/applications/{application_id}/attachments"),
        data={"answer_id": str(answer_id)}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a file to upload." in text(response)
    assert world.upload("viewer", application_id, answer_id).status_code == 403
    assert world.upload("p2", application_id, answer_id).status_code == 404
    assert world.upload("p1", application_id, 987654).status_code == 400
    assert world.attachments() == []
    assert world.upload("purchaser", application_id, answer_id).status_code == 302
    assert len(world.attachments()) == 1


def test_removing_asks_first_and_deletes_the_file_once_committed(world):
    application_id = world.application()
    answer_id = world.answer_id(application_id)
    world.upload("p1", application_id, answer_id)
    [attachment] = world.attachments()
    delete_url = world.url(f"/applications/{application_id}/attachments/{attachment.id}/delete")
    assert world.client("viewer").get(delete_url).status_code == 403
    assert world.client("p2").get(delete_url).status_code == 404
    confirm = world.client("p1").get(delete_url)
    assert confirm.status_code == 200 and "Remove the file intyg.pdf?" in text(confirm)
    assert "Remove file" in text(confirm) and world.stored(attachment).exists()
    response = world.client("p1").post(delete_url)
    assert response.status_code == 302
    assert world.attachments() == [] and not world.stored(attachment).exists()
    assert "partnership.answer_attachment_removed" in world.actions()


def test_a_submitted_applications_attachments_are_fixed_and_shown_to_the_assessor(world):
    application_id = world.application()
    answer_id = world.answer_id(application_id)
    world.upload("p1", application_id, answer_id)
    [attachment] = world.attachments()
    world.answer_all(application_id)
    assert world.upload("p1", application_id, answer_id).status_code == 409
    delete_url = world.url(f"/applications/{application_id}/attachments/{attachment.id}/delete")
    assert world.client("p1").post(delete_url).status_code == 409
    assert world.stored(attachment).exists() and len(world.attachments()) == 1
    page = text(world.client("purchaser").get(world.url(f"/applications/{application_id}")))
    assert "Save assessment" in page and "intyg.pdf" in page
    assert f"/attachments/{attachment.id}/delete" not in page
    with world.scope(), refused(code="not_draft"):
        svc.remove_attachment(world.tenant, world.p("p1"), world.app_(application_id),
                              db.session.get(AnswerAttachment, attachment.id))


def test_a_deactivated_criterion_drops_its_attachments_from_a_draft(world):
    application_id = world.application()
    answer_id = world.answer_id(application_id, "K2")
    world.upload("p1", application_id, answer_id)
    [attachment] = world.attachments()
    with world.scope():
        criterion = next(c for c in svc.criteria_of(world.tenant) if c.code == "K2")
        svc.set_criterion_active(world.tenant, world.p("purchaser"), criterion, False)
        svc.save_answers(world.tenant, world.p("p1"), world.app_(application_id), {})
        db.session.commit()
    assert world.attachments() == [] and not world.stored(attachment).exists()


def test_other_providers_and_tenants_attachments_are_not_found(app, factory, sign_in_as, world):
    own = world.application()
    world.upload("p1", own, world.answer_id(own))
    [mine] = world.attachments()
    other = world.application("p2", "p2")
    world.upload("p2", other, world.answer_id(other))
    theirs = next(a for a in world.attachments() if a.id != mine.id)
    p1 = world.client("p1")
    assert p1.get(world.url(f"/applications/{other}/attachments/{theirs.id}")).status_code == 404
    assert p1.get(world.url(f"/applications/{own}/attachments/{theirs.id}")).status_code == 404
    elsewhere = AttachmentWorld(app, factory, sign_in_as, slug="borlange")
    elsewhere.criteria("K1")
    foreign = elsewhere.application()
    elsewhere.upload("p1", foreign, elsewhere.answer_id(foreign))
    [foreign_attachment] = [a for a in elsewhere.attachments()
                            if a.tenant_id != mine.tenant_id] or elsewhere.attachments()
    purchaser = world.client("purchaser")
    assert purchaser.get(world.url(
        f"/applications/{own}/attachments/{foreign_attachment.id}")).status_code == 404
    assert purchaser.get(world.url(
        f"/applications/{own}/attachments/{foreign_attachment.id}/delete")).status_code == 404
    assert purchaser.get(elsewhere.url(
        f"/applications/{foreign}/attachments/{foreign_attachment.id}")).status_code in (403, 404)
