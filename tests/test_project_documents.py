"""Documents of an association project: coordinators upload them on the project's page (type by
extension and content, size limit), every member of the association downloads them, and
coordinators remove them after a confirmation (the file goes with the row). The members of an
organisation that actively takes part in the project (not its provider reporters) list and
download them from their participation page; nobody else reaches them.

The world: the association ``forbundet`` (a coordinator and a viewer) runs the project
``SP-2024`` and a second project ``OTHER``; the municipalities ``vasa`` (admin, viewer,
provider reporter) and ``malax`` (admin).
"""

from __future__ import annotations

import io
import re
import shutil
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.config import PLATFORM_PATH
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user
from samverkan.tenants.project_models import Project, ProjectDocument
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import project_documents as docs
from samverkan.tenants.services import projects as prj
from samverkan.tenants.services.participation import ConsentData
from samverkan.tenants.services.projects import ProjectError

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


class World:
    def __init__(self, app, factory, sign_in):
        self.app, self.sign_in = app, sign_in
        self.tenants = {"forbundet": factory.tenant("forbundet", kind="association",
                                                    name={"sv": "Förbundet", "fi": "Liitto"})}
        for slug in ("vasa", "malax"):
            self.tenants[slug] = factory.tenant(slug, name={"sv": f"Namn {slug}",
                                                            "fi": f"Nimi {slug}"})
        self.emails = {}
        for key, slug, roles in (("coordinator", "forbundet", ["coordinator"]),
                                 ("member", "forbundet", ["viewer"]),
                                 ("admin", "vasa", ["admin"]), ("viewer", "vasa", ["viewer"]),
                                 ("malax", "malax", ["admin"])):
            self.emails[key] = f"{key}.{slug}@example.org"
            factory.user(self.emails[key], tenant=self.tenants[slug], roles=roles, locale="en")
        provider = factory.organisation(self.tenants["vasa"], kind="provider")
        self.emails["reporter"] = "reporter.vasa@example.org"
        factory.user(self.emails["reporter"], tenant=self.tenants["vasa"],
                     roles=["provider_reporter"], organisation=provider, locale="en")
        self.project_id = self._project("SP-2024")
        self.other_project_id = self._project("OTHER")

    def _project(self, code: str) -> int:
        with self.scope("forbundet"):
            project = prj.create_project(self.tenant("forbundet"), self.p("coordinator"),
                                         prj.ProjectData(code=code, name={"sv": code, "fi": code},
                                                         starts_on=date(2024, 1, 1),
                                                         status="running"))
            db.session.commit()
            return project.id

    @contextmanager
    def scope(self, slug: str = "forbundet"):
        with self.app.app_context(), tenant_scope(self.tenants[slug].id):
            yield

    def tenant(self, slug: str) -> Tenant:
        return db.session.get(Tenant, self.tenants[slug].id)

    def p(self, key: str, slug: str = "forbundet"):
        user = db.session.scalar(select(User).where(User.email == self.emails[key]))
        return principal_for_user(self.tenant(slug), user)

    def client(self, key: str):
        client = self.app.test_client()
        self.sign_in(client, self.emails[key])
        return client

    def url(self, suffix: str = "", project_id: int | None = None) -> str:
        return f"/t/forbundet/projects/{project_id or self.project_id}/documents{suffix}"

    def upload(self, client, data: bytes = PDF, filename: str = "plan.pdf", doc_type="plan",
               title="Projektplan", project_id: int | None = None):
        return client.post(self.url("/new", project_id), content_type="multipart/form-data",
                           data={"document-file": (io.BytesIO(data), filename),
                                 "document-doc_type": doc_type, "document-title": title})

    def add(self, project_id: int | None = None, data: bytes = PDF) -> int:
        """A document added by the coordinator through the service."""
        from werkzeug.datastructures import FileStorage

        with self.scope():
            project = db.session.get(Project, project_id or self.project_id)
            document = docs.add_document(self.tenant("forbundet"), self.p("coordinator"), project,
                                         FileStorage(io.BytesIO(data), filename="minutes.pdf"),
                                         "minutes", "Protokoll")
            db.session.commit()
            return document.id

    def documents(self) -> list[ProjectDocument]:
        with self.scope():
            rows = db.session.scalars(select(ProjectDocument).order_by(ProjectDocument.id)).all()
            for row in rows:
                db.session.expunge(row)
            return rows

    def actions(self) -> list[str]:
        with self.scope():
            return list(db.session.scalars(select(AuditEntry.action).where(
                AuditEntry.action.like("project.document%")).order_by(AuditEntry.id)))

    def join(self, slug: str = "vasa", key: str = "admin") -> int:
        with self.scope():
            project = db.session.get(Project, self.project_id)
            row = part.invite(self.tenant("forbundet"), self.p("coordinator"), project,
                              self.tenant(slug))
            db.session.commit()
            participant_id = row.id
        with self.scope(slug):
            part.accept(self.tenant(slug), self.p(key, slug), participant_id, ConsentData([]))
            db.session.commit()
        return participant_id


@pytest.fixture
def world(app, factory, sign_in_as) -> World:
    return World(app, factory, sign_in_as)


@pytest.fixture
def storage(app) -> Path:
    """The document folder of this test's app, emptied of earlier tests' files."""
    path = Path(app.config["SAMVERKAN_DOCUMENT_PATH"])
    shutil.rmtree(path, ignore_errors=True)
    return path


def text(response) -> str:
    return response.get_data(as_text=True)


def stored_files(storage: Path, tenant_id: int) -> list[Path]:
    folder = storage / str(tenant_id)
    return sorted(folder.iterdir()) if folder.exists() else []


def assert_download(response, data: bytes = PDF, filename: str = "plan.pdf") -> None:
    assert response.status_code == 200
    assert response.data == data
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert filename in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


# --- the coordinator's pages -----------------------------------------------------------------


def test_a_coordinator_uploads_and_members_of_the_association_download(world, storage):
    coordinator = world.client("coordinator")
    page = text(coordinator.get(f"/t/forbundet/projects/{world.project_id}"))
    assert 'id="documents"' in page and "No documents yet." in page
    assert 'enctype="multipart/form-data"' in page and "At most 20 MB" in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    response = world.upload(coordinator)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{world.project_id}#documents")
    [document] = world.documents()
    assert (document.project_id, document.doc_type, document.title, document.filename,
            document.content_type, document.size) == (
        world.project_id, "plan", "Projektplan", "plan.pdf", "application/pdf", len(PDF))
    assert document.uploaded_by_label == "coordinator.forbundet@example.org"
    # Stored under a random name in the association's folder, outside the static folder.
    [path] = stored_files(storage, document.tenant_id)
    assert path.name == document.storage_key and "plan" not in path.name
    assert path.read_bytes() == PDF
    assert not path.resolve().is_relative_to(PLATFORM_PATH / "static")
    assert world.actions() == ["project.document_added"]

    page = text(coordinator.get(f"/t/forbundet/projects/{world.project_id}"))
    assert "The document Projektplan is uploaded." in page
    for expected in ("Projektplan", "Project plan", "plan.pdf", f"{len(PDF)} bytes",
                     "coordinator.forbundet@example.org",
                     world.url(f"/{document.id}"), world.url(f"/{document.id}/delete")):
        assert expected in page, expected
    assert_download(coordinator.get(world.url(f"/{document.id}")))
    # Another member of the association reads and downloads, but changes nothing.
    member = world.client("member")
    page = text(member.get(f"/t/forbundet/projects/{world.project_id}"))
    assert "plan.pdf" in page and "/delete" not in page and "Upload a document" not in page
    assert_download(member.get(world.url(f"/{document.id}")))


def test_the_upload_page_works_on_its_own(world):
    coordinator = world.client("coordinator")
    page = text(coordinator.get(world.url("/new")))
    assert "<h1" in page and "Upload a document" in page and 'name="document-file"' in page
    response = world.upload(coordinator, title="", doc_type="")
    assert response.status_code == 400
    assert "Please correct the following" in text(response)
    assert world.documents() == []


@pytest.mark.parametrize("data, filename, message", [
    (EXECUTABLE, "plan.pdf", "The content of the file is not PDF, as its name says."),
    (EXECUTABLE, "setup.exe", "This type of file is not accepted. Accepted: PDF, DOCX"),
    (b"", "empty.pdf", "The file is empty."),
])
def test_refused_files_leave_neither_row_nor_file(world, storage, data, filename, message):
    response = world.upload(world.client("coordinator"), data=data, filename=filename)
    assert response.status_code == 400
    assert message in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert world.documents() == []
    assert stored_files(storage, world.tenants["forbundet"].id) == []
    assert world.actions() == []


class TestSizeLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "SAMVERKAN_DOCUMENT_MAX_BYTES": 1024, "MAX_CONTENT_LENGTH": 4096}

    def test_too_large_files_are_refused_with_the_limit(self, world, storage):
        coordinator = world.client("coordinator")
        page = text(coordinator.get(f"/t/forbundet/projects/{world.project_id}"))
        assert "At most 0" in page  # the hint names the limit (1 kB shown as 0 MB)
        large = world.upload(coordinator, data=PDF + b"x" * 2000)
        assert large.status_code == 400 and "The file is too large: at most" in text(large)
        huge = world.upload(coordinator, data=PDF + b"x" * 10000)
        assert huge.status_code == 413 and "The file is too large" in text(huge)
        assert world.documents() == []
        assert stored_files(storage, world.tenants["forbundet"].id) == []


def test_a_removal_is_confirmed_and_deletes_the_file(world, storage):
    document_id = world.add()
    [path] = stored_files(storage, world.tenants["forbundet"].id)
    coordinator = world.client("coordinator")
    confirm = coordinator.get(world.url(f"/{document_id}/delete"))
    assert confirm.status_code == 200
    assert "Remove the document Protokoll?" in text(confirm) and "minutes.pdf" in text(confirm)
    assert world.documents() and path.exists()  # asking changes nothing
    response = coordinator.post(world.url(f"/{document_id}/delete"))
    assert response.status_code == 302
    assert world.documents() == []
    assert not path.exists()
    assert world.actions() == ["project.document_added", "project.document_removed"]
    assert "The document Protokoll is removed." in text(
        coordinator.get(f"/t/forbundet/projects/{world.project_id}"))
    assert coordinator.get(world.url(f"/{document_id}")).status_code == 404
    assert coordinator.get(world.url(f"/{document_id}/delete")).status_code == 404


def test_files_follow_the_transaction(world, storage):
    """A file written in a transaction that rolls back is deleted; a removal that rolls back
    keeps the file."""
    from werkzeug.datastructures import FileStorage

    with world.scope():
        project = db.session.get(Project, world.project_id)
        docs.add_document(world.tenant("forbundet"), world.p("coordinator"), project,
                          FileStorage(io.BytesIO(PDF), filename="plan.pdf"), "plan")
        assert len(stored_files(storage, world.tenants["forbundet"].id)) == 1
        db.session.rollback()
    assert stored_files(storage, world.tenants["forbundet"].id) == []
    document_id = world.add()
    with world.scope():
        project = db.session.get(Project, world.project_id)
        document = docs.get_document(world.tenant("forbundet"), project, document_id)
        docs.remove_document(world.tenant("forbundet"), world.p("coordinator"), project, document)
        db.session.rollback()
    assert len(stored_files(storage, world.tenants["forbundet"].id)) == 1
    assert len(world.documents()) == 1


def test_only_coordinators_upload_and_remove(world):
    document_id = world.add()
    member = world.client("member")
    assert member.get(world.url("/new")).status_code == 403
    assert world.upload(member).status_code == 403
    assert member.get(world.url(f"/{document_id}/delete")).status_code == 403
    assert member.post(world.url(f"/{document_id}/delete")).status_code == 403
    assert len(world.documents()) == 1
    with world.scope(), pytest.raises(ProjectError):
        project = db.session.get(Project, world.project_id)
        docs.remove_document(world.tenant("forbundet"), world.p("member"), project,
                             docs.get_document(world.tenant("forbundet"), project, document_id))


def test_another_projects_document_is_not_found_under_this_project(world):
    other = world.add(world.other_project_id)
    coordinator = world.client("coordinator")
    for suffix in (f"/{other}", f"/{other}/delete"):
        assert coordinator.get(world.url(suffix)).status_code == 404
    assert coordinator.post(world.url(f"/{other}/delete")).status_code == 404
    assert len(world.documents()) == 1


# --- participants ----------------------------------------------------------------------------


def participation_url(participant_id: int, document_id: int, slug: str = "vasa") -> str:
    return f"/t/{slug}/participation/{participant_id}/documents/{document_id}"


def test_members_of_an_active_participant_list_and_download(world):
    document_id = world.add()
    participant_id = world.join()
    for key in ("admin", "viewer"):
        client = world.client(key)
        page = text(client.get(f"/t/vasa/participation/{participant_id}"))
        assert "Project documents" in page and "Protokoll" in page and "Minutes" in page
        assert participation_url(participant_id, document_id) in page
        assert "coordinator.forbundet@example.org" not in page  # the uploader stays inside
        assert_download(client.get(participation_url(participant_id, document_id)),
                        filename="minutes.pdf")
    # A provider's reporter takes no part in the joint project.
    reporter = world.client("reporter")
    assert reporter.get(participation_url(participant_id, document_id)).status_code == 403
    page = reporter.get(f"/t/vasa/participation/{participant_id}")
    assert "Protokoll" not in text(page)


def test_an_active_participant_without_documents_sees_an_empty_state(world):
    participant_id = world.join()
    page = text(world.client("admin").get(f"/t/vasa/participation/{participant_id}"))
    assert "The project has no documents yet." in page


def test_nobody_else_reaches_a_projects_documents(world):
    document_id = world.add()
    other_document_id = world.add(world.other_project_id)
    participant_id = world.join()
    admin = world.client("admin")
    # Another project's document, through this participation.
    assert admin.get(participation_url(participant_id, other_document_id)).status_code == 404
    # A tenant that does not take part, with Vasa's participation id.
    malax = world.client("malax")
    assert malax.get(participation_url(participant_id, document_id, "malax")).status_code == 404
    assert malax.get(participation_url(participant_id, document_id, "vasa")).status_code in (403, 404)
    # The association's pages are not a participant's.
    assert admin.get(world.url(f"/{document_id}")).status_code in (403, 404)


def test_an_invited_tenant_does_not_see_the_documents_yet(world):
    document_id = world.add()
    with world.scope():
        project = db.session.get(Project, world.project_id)
        row = part.invite(world.tenant("forbundet"), world.p("coordinator"), project,
                          world.tenant("malax"))
        db.session.commit()
        participant_id = row.id
    malax = world.client("malax")
    page = text(malax.get(f"/t/malax/participation/{participant_id}"))
    assert "Project documents" not in page and "Protokoll" not in page
    assert malax.get(participation_url(participant_id, document_id, "malax")).status_code == 404


def test_after_leaving_the_documents_are_gone(world):
    document_id = world.add()
    participant_id = world.join()
    admin = world.client("admin")
    assert admin.get(participation_url(participant_id, document_id)).status_code == 200
    with world.scope("vasa"):
        part.leave(world.tenant("vasa"), world.p("admin", "vasa"), participant_id)
        db.session.commit()
    assert admin.get(participation_url(participant_id, document_id)).status_code == 404
    assert "Protokoll" not in text(admin.get(f"/t/vasa/participation/{participant_id}"))


def test_a_removed_document_is_gone_for_participants_too(world, storage):
    document_id = world.add()
    participant_id = world.join()
    world.client("coordinator").post(world.url(f"/{document_id}/delete"))
    assert world.client("admin").get(
        participation_url(participant_id, document_id)).status_code == 404
