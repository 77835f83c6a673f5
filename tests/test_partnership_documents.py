"""Agreement documents: the list with its upload form, uploading (type by extension and content,
size limit), the download (only for those who may see the agreement: an attachment with the
stored content type and ``nosniff``), and removal after a confirmation. Files are stored
outside the web root under a random name; refused uploads leave neither a row nor a file.

The world: the municipality ``vasa`` (purchaser), the provider Yrkesakademin (``p1``, party to
the agreement ``SP-1``) and Novia (``p2``, not a party), members per role.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from samverkan.partnership import services as svc
from samverkan.partnership.models import AgreementDocument
from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.services.documents import recognise
from samverkan.platform.config import PLATFORM_PATH
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ROLES = {"admin": (["admin"], None), "purchaser": (["purchaser"], None),
         "p1": (["provider_reporter"], "p1"), "p1b": (["provider_reporter"], "p1"),
         "p2": (["provider_reporter"], "p2"), "viewer": (["viewer"], None)}


class World:
    def __init__(self, app, factory, sign_in):
        self.app, self.sign_in = app, sign_in
        self._tenant = factory.tenant("vasa")
        names = {"vasa": "municipality", "p1": "provider", "p2": "provider"}
        self.org = {key: factory.organisation(self._tenant, kind=kind,
                                              name={"sv": key, "fi": key}).id
                    for key, kind in names.items()}
        self.emails = {}
        for key, (roles, org) in ROLES.items():
            self.emails[key] = f"{key}.vasa@example.org"
            factory.user(self.emails[key], tenant=self._tenant, roles=roles, locale="en",
                         organisation=SimpleNamespace(id=self.org[org]) if org else None)
        with self.scope():
            admin = self.p("admin")
            agreement = svc.create_agreement(self.tenant, admin, svc.AgreementData(
                code="SP-1", title={"sv": "Partnerskap", "fi": "Kumppanuus"},
                valid_from=date(2025, 1, 1)))
            svc.add_party(self.tenant, admin, agreement, self.org["vasa"], "purchaser")
            svc.add_party(self.tenant, admin, agreement, self.org["p1"], "provider")
            db.session.commit()
            self.agreement_id = agreement.id

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

    def client(self, key: str):
        client = self.app.test_client()
        self.sign_in(client, self.emails[key])
        return client

    def url(self, suffix: str = "") -> str:
        return f"/t/vasa/partnership/agreements/{self.agreement_id}/documents{suffix}"

    def documents(self) -> list[AgreementDocument]:
        with self.scope():
            rows = db.session.scalars(select(AgreementDocument).order_by(AgreementDocument.id)).all()
            for row in rows:
                db.session.expunge(row)
            return rows

    def upload(self, client, data: bytes = PDF, filename: str = "avtal.pdf", doc_type="agreement",
               title="Undertecknat avtal"):
        return client.post(self.url("/upload"), content_type="multipart/form-data", data={
            "file": (io.BytesIO(data), filename), "doc_type": doc_type, "title": title})


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


def assert_unique_ids(page: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def stored_files(storage: Path, tenant_id: int) -> list[Path]:
    folder = storage / str(tenant_id)
    return sorted(folder.iterdir()) if folder.exists() else []


def office_file(kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "xlsx":
        Workbook().save(buffer)
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "docx":
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<document/>")
        else:  # odt
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.text",
                             compress_type=zipfile.ZIP_STORED)
            archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


# --- upload and download ---------------------------------------------------------------------


def test_a_purchaser_uploads_and_members_download(world, storage):
    purchaser = world.client("purchaser")
    empty = text(purchaser.get(world.url()))
    assert "The agreement has no documents yet." in empty
    assert 'enctype="multipart/form-data"' in empty and "At most 20" in empty
    response = world.upload(purchaser)
    assert response.status_code == 302
    [document] = world.documents()
    assert (document.doc_type, document.title, document.filename, document.content_type,
            document.size) == ("agreement", "Undertecknat avtal", "avtal.pdf", "application/pdf",
                               len(PDF))
    assert document.uploaded_by_label == "purchaser.vasa@example.org"
    # Stored under a random name in the tenant's folder, outside the static folder.
    [path] = stored_files(storage, document.tenant_id)
    assert path.name == document.storage_key and "avtal" not in path.name
    assert path.read_bytes() == PDF
    assert not path.resolve().is_relative_to(PLATFORM_PATH / "static")
    page = text(purchaser.get(world.url()))
    assert_unique_ids(page)
    assert "Undertecknat avtal" in page and "avtal.pdf" in page and "purchaser.vasa@example.org" in page
    for key in ("viewer", "p1", "admin"):
        download = world.client(key).get(world.url(f"/{document.id}"))
        assert download.status_code == 200, key
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert "avtal.pdf" in download.headers["Content-Disposition"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_the_content_type_served_is_the_recognised_one(world):
    client = world.client("admin")
    response = client.post(world.url("/upload"), content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"name;value\nstarted;40\n"), "värden.csv", "text/html"),
        "doc_type": "other", "title": ""})
    assert response.status_code == 302
    [document] = world.documents()
    download = client.get(world.url(f"/{document.id}"))
    assert download.mimetype == "text/csv"
    assert "v%C3%A4rden.csv" in download.headers["Content-Disposition"]
    assert document.title == "" and "värden.csv" in text(client.get(world.url()))


@pytest.mark.parametrize("filename, data, message", [
    ("program.exe", b"MZ\x90\x00", "This type of file is not accepted."),
    ("avtal.pdf", b"MZ\x90\x00not a pdf", "The content of the file is not PDF"),
    ("bild.png", PDF, "The content of the file is not PNG"),
    ("tabell.xlsx", b"PK\x03\x04 broken", "The content of the file is not XLSX"),
    ("text.txt", b"binary\x00\x01\x02", "The content of the file is not TXT"),
    ("tom.pdf", b"", "The file is empty."),
    ("utan-tillagg", PDF, "This type of file is not accepted."),
])
def test_files_of_other_types_are_refused(world, storage, snapshots, filename, data, message):
    client = world.client("purchaser")
    before = snapshots.take()
    response = world.upload(client, data, filename)
    assert response.status_code == 400
    assert message in text(response) and 'aria-invalid="true"' in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}
    assert stored_files(storage, world._tenant.id) == []


def test_a_missing_file_or_type_is_an_error(world, snapshots):
    client = world.client("purchaser")
    before = snapshots.take()
    no_file = client.post(world.url("/upload"), data={"doc_type": "agreement"})
    assert no_file.status_code == 400 and "Choose a file to upload." in text(no_file)
    no_type = world.upload(client, doc_type="")
    assert no_type.status_code == 400 and "This field is required." in text(no_type)
    assert snapshots.changes(before, snapshots.take()) == {}


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt"])
def test_office_documents_are_recognised_by_content(kind):
    data = office_file(kind)
    assert recognise(f"fil.{kind}", data).label == kind.upper()
    with pytest.raises(PartnershipError):
        recognise("fil.docx" if kind != "docx" else "fil.xlsx", data)
    assert recognise("bild.PNG", PNG).content_type == "image/png"
    assert recognise("foto.jpeg", b"\xff\xd8\xff\xe0rest").content_type == "image/jpeg"


class TestSizeLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "SAMVERKAN_DOCUMENT_MAX_BYTES": 1024, "MAX_CONTENT_LENGTH": 4096}

    def test_a_file_over_the_limit_is_refused(self, world, storage, snapshots):
        client = world.client("purchaser")
        before = snapshots.take()
        response = world.upload(client, PDF + b"0" * 2000)
        assert response.status_code == 400
        assert "The file is too large" in text(response)
        # A request body over the app's limit is refused before it is read.
        huge = world.upload(client, PDF + b"0" * 5000)
        assert huge.status_code == 413 and "The file is too large" in text(huge)
        assert snapshots.changes(before, snapshots.take()) == {}
        assert stored_files(storage, world._tenant.id) == []
        assert world.upload(client, PDF).status_code == 302


# --- who may do what -------------------------------------------------------------------------


def test_who_may_not_see_the_agreement_gets_404(world, factory, sign_in_as, app):
    assert world.upload(world.client("purchaser")).status_code == 302
    [document] = world.documents()
    p2 = world.client("p2")  # the reporter of a provider that is not party to the agreement
    for path in ("", f"/{document.id}", f"/{document.id}/delete"):
        assert p2.get(world.url(path)).status_code == 404, path
    assert world.upload(p2).status_code == 404
    other = factory.tenant("other")
    factory.user("admin.other@example.org", tenant=other, roles=["admin"])
    stranger = app.test_client()
    sign_in_as(stranger, "admin.other@example.org")
    assert stranger.get(world.url(f"/{document.id}")).status_code == 404
    other_url = f"/t/other/partnership/agreements/{world.agreement_id}/documents/{document.id}"
    assert stranger.get(other_url).status_code == 404
    anonymous = app.test_client().get(world.url(f"/{document.id}"))
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["Location"]
    # The document of one agreement is not found under another.
    with world.scope():
        other_agreement = svc.create_agreement(world.tenant, world.p("admin"), svc.AgreementData(
            code="SP-2", title={"sv": "Annat"}, valid_from=date(2025, 1, 1)))
        db.session.commit()
        other_id = other_agreement.id
    wrong = f"/t/vasa/partnership/agreements/{other_id}/documents/{document.id}"
    assert world.client("admin").get(wrong).status_code == 404


def test_parties_upload_viewers_only_read(world, snapshots):
    viewer = world.client("viewer")
    page = text(viewer.get(world.url()))
    assert "Upload a document" not in page and 'type="file"' not in page
    before = snapshots.take()
    assert world.upload(viewer).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}
    reporter = world.client("p1")
    assert 'type="file"' in text(reporter.get(world.url()))
    assert world.upload(reporter, PNG, "bilaga.png", "appendix", "Bilaga").status_code == 302
    assert [d.uploaded_by_label for d in world.documents()] == ["p1.vasa@example.org"]


# --- removal ---------------------------------------------------------------------------------


def test_removal_asks_first_and_deletes_the_file(world, storage):
    purchaser = world.client("purchaser")
    world.upload(purchaser)
    [document] = world.documents()
    [path] = stored_files(storage, document.tenant_id)
    confirm = purchaser.get(world.url(f"/{document.id}/delete"))
    assert confirm.status_code == 200 and "Remove the document Undertecknat avtal?" in text(confirm)
    assert path.exists() and world.documents()
    assert purchaser.post(world.url(f"/{document.id}/delete")).status_code == 302
    assert world.documents() == [] and not path.exists()
    assert purchaser.get(world.url(f"/{document.id}")).status_code == 404
    with world.scope():
        from samverkan.platform.audit import AuditEntry

        actions = list(db.session.scalars(select(AuditEntry.action)))
    assert "partnership.document_added" in actions and "partnership.document_removed" in actions


def test_only_the_uploader_or_a_purchaser_removes(world, storage, snapshots):
    world.upload(world.client("purchaser"))
    reporter = world.client("p1")
    world.upload(reporter, PNG, "bilaga.png", "appendix", "Bilaga")
    by_purchaser, by_reporter = world.documents()
    page = text(reporter.get(world.url()))
    assert f"/{by_reporter.id}/delete" in page and f"/{by_purchaser.id}/delete" not in page
    colleague, viewer = world.client("p1b"), world.client("viewer")
    before = snapshots.take()
    assert reporter.post(world.url(f"/{by_purchaser.id}/delete")).status_code == 403
    assert colleague.post(world.url(f"/{by_reporter.id}/delete")).status_code == 403
    assert viewer.get(world.url(f"/{by_reporter.id}/delete")).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}
    assert reporter.post(world.url(f"/{by_reporter.id}/delete")).status_code == 302
    assert [d.id for d in world.documents()] == [by_purchaser.id]
    assert len(stored_files(storage, world._tenant.id)) == 1


def test_a_rolled_back_upload_leaves_no_file(world, app, storage):
    from werkzeug.datastructures import FileStorage

    from samverkan.partnership.models import Agreement
    from samverkan.partnership.services.documents import add_document

    with world.scope():
        agreement = db.session.get(Agreement, world.agreement_id)
        add_document(world.tenant, world.p("admin"), agreement,
                     FileStorage(io.BytesIO(PDF), filename="a.pdf"), "agreement")
        assert len(stored_files(storage, world._tenant.id)) == 1
        db.session.rollback()
    assert stored_files(storage, world._tenant.id) == [] and world.documents() == []
