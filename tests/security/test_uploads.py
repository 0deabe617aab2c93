"""Upload limits through the real forms (the services' checks are in tests/plans and tests/imports): contact-log
attachments too large, of a disallowed type or with a path in their name, a request over MAX_CONTENT_LENGTH, an
import file named with a path, and an .xlsx that unpacks to far more than it weighs. Every refusal says why in the
user's language and writes nothing: no row, no file."""

import io
import zipfile
from pathlib import Path

import pytest
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from crm.errors_domain import DomainError
from crm.plans import logs
from crm.plans.logs import MAX_ATTACHMENT_BYTES
from crm.plans.models import ContactLog
from tests.imports.test_import import GOOD, head, upload, xlsx  # noqa: F401
from tests.plans.conftest import ASSIGNED_AT, target  # noqa: F401  (an entry assigned to team A, member 'member')
from tests.security.helpers import changes, snapshot
from tests.teams.conftest import campaign  # noqa: F401

PDF = b"%PDF-1.7 minutes of the visit"


def files() -> set[Path]:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    return {p for p in folder.rglob("*") if p.is_file()}


def post_log(client, entry, name: str, content: bytes):
    form = {"occurred_on": "2026-10-09", "occurred_time": "10:00", "kind": "visit", "summary": "带附件的拜访",
            "attachment": (io.BytesIO(content), name)}  # fmt: skip
    return client.post(f"/plans/entries/{entry.id}/log", data=form, content_type="multipart/form-data")


@pytest.fixture
def member(target, login):  # noqa: F811
    p, entry = target
    return login(p["member"]), entry


@pytest.mark.parametrize(
    ("name", "content", "msgid"),
    [
        ("大文件.pdf", PDF + b"0" * MAX_ATTACHMENT_BYTES, "The attachment is larger than %(n)d MB."),
        ("page.html", b"<script>alert(1)</script>", "Attachments may be PDF, JPG, PNG, DOCX, XLSX or PPTX files."),
        ("logo.svg", b'<svg onload="alert(1)"/>', "Attachments may be PDF, JPG, PNG, DOCX, XLSX or PPTX files."),
        ("tool.pdf.exe", b"MZ\x90\x00", "Attachments may be PDF, JPG, PNG, DOCX, XLSX or PPTX files."),
        ("noextension", PDF, "Attachments may be PDF, JPG, PNG, DOCX, XLSX or PPTX files."),
        ("disguised.png", b"<html><script>alert(1)</script>", "The attachment's content does not match its file type."),
    ],
)  # fmt: skip
def test_a_refused_attachment_says_why_and_writes_nothing(member, name, content, msgid):
    client, entry = member
    before, stored = snapshot(), files()
    response = post_log(client, entry, name, content)
    assert response.status_code == 200
    assert _(msgid, n=MAX_ATTACHMENT_BYTES // 2**20) in response.data.decode()
    assert changes(before, snapshot()) == [] and files() == stored


def test_a_request_over_the_size_limit_is_413_with_a_message(member, app):
    client, entry = member
    before, stored = snapshot(), files()
    app.config["MAX_CONTENT_LENGTH"], limit = 2**20, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = post_log(client, entry, "纪要.pdf", PDF + b"0" * 2**21)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and _("The upload is too large.") in response.data.decode()
    assert changes(before, snapshot()) == [] and files() == stored


@pytest.mark.parametrize(
    ("name", "kept"),
    [("../../etc/passwd.pdf", "passwd.pdf"), ("/etc/cron.d/job.pdf", "job.pdf"),
     ("<svg onload=alert(1)>.pdf", "<svg onload=alert(1)>.pdf")],
)  # fmt: skip
def test_a_path_in_an_attachment_name_is_dropped(member, name, kept):
    client, entry = member
    stored = files()
    assert post_log(client, entry, name, PDF).status_code == 302
    log = db_log()
    folder = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
    new = files() - stored
    assert len(new) == 1 and next(iter(new)).resolve().parent == folder  # in the folder itself, nowhere else
    assert log.attachment_name == kept and "/" not in log.attachment_path and ".." not in log.attachment_path
    download = client.get(f"/plans/logs/{log.id}/attachment")
    assert download.status_code == 200 and download.data == PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "/" not in disposition and "\\" not in disposition
    assert download.mimetype == "application/pdf"


def test_a_windows_path_in_an_attachment_name_is_dropped_too(target, tmp_path):  # noqa: F811
    """Browsers send the name only, but a script may send 'C:\\...\\x.pdf' (multipart encoding in the test
    client eats backslashes, so this goes to the service directly)."""
    p, entry = target
    data = logs.LogData(
        ASSIGNED_AT, "visit", "带附件", attachment=logs.Upload("..\\..\\windows\\evil.pdf", PDF)
    )
    log = logs.record_log(p["member"], entry, data, ASSIGNED_AT, tmp_path)
    assert log.attachment_name == "evil.pdf" and [f.name for f in tmp_path.iterdir()] == [log.attachment_path]


def db_log() -> ContactLog:
    from crm.extensions import db

    return db.session.scalar(select(ContactLog).order_by(ContactLog.id.desc()).limit(1))


def test_an_import_file_named_with_a_path_is_kept_in_the_import_folder(head):  # noqa: F811
    _user, client = head
    stored = files()
    response = upload(
        client, "企业名称*,目标县(市、区)\n路径测试有限公司,东昌府区\n".encode(), "../../etc/passwd.csv"
    )
    assert response.status_code == 302
    folder = (Path(current_app.config["UPLOAD_FOLDER"]) / "imports").resolve()
    new = files() - stored
    assert len(new) == 2 and {p.resolve().parent for p in new} == {folder}
    assert all(
        p.stem == new.copy().pop().stem for p in new
    )  # <token>.bin and <token>.json, nothing named by the user


def test_an_xlsx_that_unpacks_to_too_much_is_refused(head, monkeypatch, app):  # noqa: F811
    _user, client = head
    monkeypatch.setitem(app.config, "IMPORT_MAX_UNPACKED_MB", 1)
    out = io.BytesIO(xlsx(GOOD))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.bin", b"\0" * 2**21)  # 2 MB of zeros weigh a few KB packed
    before, stored = snapshot(), files()
    response = upload(client, out.getvalue(), "bomb.xlsx")
    assert response.status_code == 200
    message = _("The workbook unpacks to more than %(mb)d MB; split it and import the parts.", mb=1)
    assert message in response.data.decode()
    assert changes(before, snapshot()) == [] and files() == stored


def office_file(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


BOMB_MESSAGE = (
    "The attachment unpacks to far more than it weighs (%(mb)d MB), as a zip bomb does. Save the document "
    "again and attach that copy."
)


@pytest.mark.parametrize("name", ["纪要.docx", "台账.xlsx", "汇报.pptx"])
def test_a_zip_bomb_renamed_as_an_office_file_is_refused(member, name):
    """60 MB of zeros packed into ~60 KB: it starts with the zip signature, and only its unpacked size gives it
    away (read from the archive's directory, nothing unpacked)."""
    client, entry = member
    bomb = office_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (60 * 2**20)})
    assert len(bomb) < MAX_ATTACHMENT_BYTES
    before, stored = snapshot(), files()
    response = post_log(client, entry, name, bomb)
    assert response.status_code == 200
    assert _(BOMB_MESSAGE, mb=60) in response.data.decode()
    assert changes(before, snapshot()) == [] and files() == stored


def test_a_small_part_inflated_far_beyond_its_weight_is_refused(target, tmp_path):  # noqa: F811
    """Under the total cap, but one part unpacks to a thousand times its packed size: no real document does."""
    p, entry = target
    bomb = office_file({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b" " * (20 * 2**20)})
    data = logs.LogData(ASSIGNED_AT, "visit", "带附件", attachment=logs.Upload("表.xlsx", bomb))
    with pytest.raises(DomainError, match="zip bomb|炸弹"):
        logs.record_log(p["member"], entry, data, ASSIGNED_AT, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_broken_archive_named_docx_is_refused(target, tmp_path):  # noqa: F811
    p, entry = target
    data = logs.LogData(
        ASSIGNED_AT, "visit", "带附件", attachment=logs.Upload("坏.docx", b"PK\x03\x04 not a zip")
    )
    with pytest.raises(DomainError):
        logs.record_log(p["member"], entry, data, ASSIGNED_AT, tmp_path)


def test_a_real_office_document_is_accepted(member):
    """A document with ordinary text (which compresses about ten to one) and a picture passes."""
    client, entry = member
    text = "".join(f"<w:p><w:r><w:t>第{i}段：拜访纪要，双方就项目选址、投资规模和时间表交换了意见。</w:t></w:r></w:p>"
                   for i in range(3000)).encode()  # fmt: skip
    document = office_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": text,
                            "word/media/image1.png": bytes(range(256)) * 400})  # fmt: skip
    assert post_log(client, entry, "纪要.docx", document).status_code == 302
    download = client.get(f"/plans/logs/{db_log().id}/attachment")
    assert download.status_code == 200 and download.data == document
