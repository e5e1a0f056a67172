from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.content import admin_services


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def notice(admin, site, **data):
    data.setdefault("title", "시스템 점검 안내")
    data.setdefault("body", "11월 30일 새벽 2시부터 4시까지 점검합니다.")
    data.setdefault("is_public", True)
    return admin_services.save_item(actor=admin, site=site, kind="notices", data=data)


def event(admin, site, *, starts_in=timedelta(days=1), length=timedelta(hours=2), **data):
    starts = timezone.now() + starts_in
    data.setdefault("title", "시민 원탁회의")
    data.setdefault("place", "서울시청 다목적홀")
    data.setdefault("is_public", True)
    return admin_services.save_item(actor=admin, site=site, kind="events",
                                    data={"starts_at": starts, "ends_at": starts + length, **data})
