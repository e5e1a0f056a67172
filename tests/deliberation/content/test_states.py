"""States of calendar events and participation events come from the clock, on the pages and in
the back office's state filter alike."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.content import admin_services
from deliberation.content.admin_selectors import Filters, admin_items
from deliberation.content.models import EventState
from tests.factories import agency_admin

pytestmark = pytest.mark.django_db


def _ids(site, kind, state):
    return {item.pk for item in admin_items(site=site, kind=kind, filters=Filters(state=state))}


def test_calendar_event_moves_through_its_states(client, agency):
    admin = agency_admin(agency)
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    event = admin_services.save_item(actor=admin, site=agency, kind="events", data={
        "title": "정책 토론회", "place": "시민청", "starts_at": start, "ends_at": start + timedelta(hours=3),
        "is_public": True})
    url = site_reverse(agency, "event_detail", pk=event.pk)
    for moment, state in ((start - timedelta(seconds=1), EventState.UPCOMING), (start, EventState.IN_PROGRESS),
                          (start + timedelta(hours=3) - timedelta(seconds=1), EventState.IN_PROGRESS),
                          (start + timedelta(hours=3), EventState.CLOSED)):
        with time_machine.travel(moment, tick=False):
            assert event.state == state
            assert f'data-state="{state}"' in client.get(url).content.decode()
            assert _ids(agency, "events", state) == {event.pk}
            others = {s for s in (EventState.UPCOMING, EventState.IN_PROGRESS, EventState.CLOSED) if s != state}
            assert all(_ids(agency, "events", s) == set() for s in others)


def test_participation_event_is_announced_only_with_winners_after_the_date(client, agency):
    admin = agency_admin(agency)
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    data = {"title": "정책 아이디어 공모", "starts_at": start, "ends_at": start + timedelta(days=10),
            "announces_at": start + timedelta(days=15), "is_public": True, "body": "아이디어를 보내 주세요."}
    event = admin_services.save_item(actor=admin, site=agency, kind="participation", data=data)
    url = site_reverse(agency, "participation_detail", pk=event.pk)
    with time_machine.travel(start + timedelta(days=5), tick=False):
        assert event.state == EventState.IN_PROGRESS
    with time_machine.travel(start + timedelta(days=16), tick=False):
        assert event.state == EventState.CLOSED  # the date has come, but no winners yet
        event = admin_services.save_item(actor=admin, site=agency, kind="participation", pk=event.pk,
                                         data={**data, "winners": "최우수: 김시민"})
        assert event.state == EventState.ANNOUNCED
        assert _ids(agency, "participation", EventState.ANNOUNCED) == {event.pk}
        assert _ids(agency, "participation", EventState.CLOSED) == set()
        assert "최우수: 김시민" in client.get(url).content.decode()
    with time_machine.travel(start + timedelta(days=12), tick=False):
        # Before the announcement date the winners' text stays unpublished.
        assert event.state == EventState.CLOSED
        assert "최우수: 김시민" not in client.get(url).content.decode()


def test_periods_must_be_ordered(agency):
    from deliberation.content.errors import InvalidContent

    admin = agency_admin(agency)
    now = timezone.now()
    with pytest.raises(InvalidContent) as caught:
        admin_services.save_item(actor=admin, site=agency, kind="participation", data={
            "title": "공모", "starts_at": now, "ends_at": now - timedelta(days=1), "announces_at": now - timedelta(days=2)})
    assert set(caught.value.errors) == {"ends_at", "announces_at"}


def test_calendar_month_lists_events_overlapping_it(client, agency):
    admin = agency_admin(agency)
    tz = timezone.get_current_timezone()
    from datetime import datetime

    def at(*args):
        return timezone.make_aware(datetime(*args), tz)

    for title, starts, ends in (("10월 행사", at(2026, 10, 5, 10), at(2026, 10, 5, 12)),
                                ("걸친 행사", at(2026, 10, 30, 10), at(2026, 11, 2, 12)),
                                ("11월 행사", at(2026, 11, 20, 10), at(2026, 11, 20, 12))):
        admin_services.save_item(actor=admin, site=agency, kind="events",
                                 data={"title": title, "place": "시청", "starts_at": starts, "ends_at": ends,
                                       "is_public": True})
    html = client.get(site_reverse(agency, "event_list") + "?month=2026-11").content.decode()
    assert "걸친 행사" in html and "11월 행사" in html and "10월 행사" not in html
    assert "?month=2026-10" in html and "?month=2026-12" in html
    html = client.get(site_reverse(agency, "event_list") + "?month=nonsense").status_code == 200
