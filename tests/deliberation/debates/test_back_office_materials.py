"""Debate materials (토론자료): text, links (http/https only), files up to 10 MB, card-news
images with a required description; removal; all audited."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.debates import admin_services
from deliberation.debates.admin_services import MATERIAL_FILE_MAX
from deliberation.debates.errors import InvalidDebate
from deliberation.debates.models import DebateMaterial
from tests.factories import agency_admin

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def setup(agency):
    admin = agency_admin(agency)
    opens = timezone.now() + timedelta(days=1)
    debate = admin_services.create_debate(actor=admin, agency=agency, vote_type="pro_con", title="응원봉",
                                          opens_at=opens, closes_at=opens + timedelta(days=14))
    return admin, debate


def add(admin, debate, **kwargs):
    return admin_services.add_material(actor=admin, debate_id=debate.pk, **kwargs)


def refused(admin, debate, **kwargs) -> dict:
    with pytest.raises(InvalidDebate) as caught:
        add(admin, debate, **kwargs)
    assert not DebateMaterial.objects.exists()
    return caught.value.errors


def test_each_kind_is_added_and_audited(setup, tmp_path):
    admin, debate = setup
    add(admin, debate, kind="text", title="배경", body="플라스틱 응원봉은 연간…")
    add(admin, debate, kind="link", title="기사", url="https://news.example/article")
    add(admin, debate, kind="file", title="보고서", file=SimpleUploadedFile("report.pdf", b"%PDF-1.7"))
    image = add(admin, debate, kind="image", title="카드뉴스 1", alt_text="응원봉 쓰레기 더미 사진",
                file=SimpleUploadedFile("card.png", PNG, content_type="image/png"))
    assert [m.kind for m in debate.materials.all()] == ["text", "link", "file", "image"]
    assert image.file.name.startswith("debate-materials/") and (tmp_path / image.file.name).exists()
    assert AuditEntry.objects.filter(action="debate.material_added", target_id=debate.pk).count() == 4


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "link", "title": "링크", "url": "javascript:alert(1)"}, "url"),
    ({"kind": "link", "title": "링크", "url": "ftp://files.example/x"}, "url"),
    ({"kind": "link", "title": "링크", "url": "https://"}, "url"),
    ({"kind": "text", "title": "글", "body": " "}, "body"),
    ({"kind": "text", "title": " ", "body": "본문"}, "title"),
    ({"kind": "file", "title": "파일"}, "file"),
    ({"kind": "image", "title": "그림", "file": SimpleUploadedFile("c.png", PNG)}, "alt_text"),
    ({"kind": "image", "title": "그림", "alt_text": "설명", "file": SimpleUploadedFile("c.png", b"<svg onload=x>")},
     "file"),
    ({"kind": "video", "title": "영상"}, "kind"),
    ({"kind": "file", "title": "페이지", "file": SimpleUploadedFile("x.html", b"<script>alert(1)</script>")}, "file"),
    ({"kind": "file", "title": "그림", "file": SimpleUploadedFile("x.svg", b"<svg onload=x>")}, "file"),
    ({"kind": "file", "title": "확장자 없음", "file": SimpleUploadedFile("README", b"text")}, "file"),
])
def test_bad_materials_are_refused(setup, kwargs, field):
    admin, debate = setup
    assert field in refused(admin, debate, **kwargs)


def test_a_file_over_10_mb_is_refused(setup):
    admin, debate = setup
    big = SimpleUploadedFile("big.pdf", b"0" * (MATERIAL_FILE_MAX + 1))
    assert "file" in refused(admin, debate, kind="file", title="큰 파일", file=big)


def test_the_materials_page_adds_shows_errors_and_removes(client, setup, agency, tmp_path,
                                                          django_capture_on_commit_callbacks):
    admin, debate = setup
    client.force_login(admin)
    url = site_reverse(agency, "manage_debate_materials", pk=debate.pk)
    response = client.post(url, {"kind": "image", "title": "카드뉴스", "file": SimpleUploadedFile("c.png", PNG)})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_alt_text_error"' in html and 'role="alert"' in html
    response = client.post(url, {"kind": "link", "title": "기사", "url": "javascript:alert(1)"})
    assert response.status_code == 400 and not DebateMaterial.objects.exists()
    response = client.post(url, {"kind": "image", "title": "카드뉴스", "alt_text": "사진 설명",
                                 "file": SimpleUploadedFile("c.png", PNG)})
    assert response.status_code == 302
    material = debate.materials.get()
    stored = tmp_path / material.file.name
    assert "사진 설명" in client.get(url).content.decode()
    remove = site_reverse(agency, "manage_debate_material_remove", pk=debate.pk, material_pk=material.pk)
    assert stored.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(remove).status_code == 302
    assert not debate.materials.exists() and stored.exists()  # the file goes after commit…
    for callback in callbacks:
        if callback.__qualname__.startswith("remove_material."):
            callback()
    assert not stored.exists()  # …not before (a rolled-back removal keeps it)
    assert AuditEntry.objects.filter(action="debate.material_removed", target_id=debate.pk).exists()
