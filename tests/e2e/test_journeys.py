"""The six user journeys of issue 10, each a whole flow as people do it through the pages, in
Debian's Chromium against a real Daphne with the demo data (seed_demo). Each asserts what the
person sees; where the journey says a number moves or a comment vanishes, it does so on a page
that stays open (no reload).

The test process never calls the ORM (the server owns its database): the one seeding step
(journey 2's forty-nine supporters) runs `manage.py shell` against the stack's database and
goes through the support service, as a support from the page would. One browser serves the
module; every journey gets its own server stack, since each changes the data."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .browsing import LIVE_MS, PHONE, SCREEN, click_menu_link, new_tab, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(scope="module")
def browser(module_browser):
    return module_browser


@pytest.fixture
def site(server_stack, browser):
    """Opens tabs on a fresh stack: site(user=None, **context options) -> page; site.base."""
    base = server_stack.start_server()
    tabs = []

    def tab(user=None, **options):
        page = new_tab(browser, base, user, **options)
        tabs.append(page)
        return page

    tab.base = base
    tab.stack = server_stack
    yield tab
    errors = [error for page in tabs for error in page.errors]
    for page in tabs:
        page.context.close()
    assert errors == [], errors


def sign_up(page, username, display_name):
    page.fill("input[name=username]", username)
    page.fill("input[name=display_name]", display_name)
    page.fill("input[name=email]", f"{username}@example.org")
    page.fill("input[name=password1]", "hangang-bike-2026")
    page.fill("input[name=password2]", "hangang-bike-2026")
    page.click("form.stack button[type=submit]")
    expect(page.locator(".whoami")).to_have_text(display_name)


def live(page, url):
    page.goto(url)
    expect(page.locator("[data-live-status]").first).to_have_attribute("data-state", "live")


def local_minute(delta: timedelta) -> str:
    """A datetime-local value in the city's time, as an admin types it."""
    return (datetime.now(SEOUL) + delta).strftime("%Y-%m-%dT%H:%M")


def close_and_publish(admin, site_path, debate, result_text):
    """The admin closes the vote from the facilitator screen's controls, then publishes the
    results with the agency's response (토론결과)."""
    admin.goto(f"{site_path}/manage/debates/")
    admin.click(f"a[href$='/manage/debates/{debate}/screen/']")  # the row's "facilitator screen"
    expect(admin.locator("[data-live-status]").first).to_have_attribute("data-state", "live")
    admin.click("[data-control=close]")
    expect(admin.locator(".messages")).to_be_visible()
    admin.goto(f"{site_path}/manage/debates/")
    admin.click(f"a[href$='/manage/debates/{debate}/']")
    admin.click(".bo-nav a[href$='/result/']")  # 토론결과
    admin.fill("textarea[name=result_text]", result_text)
    admin.click("form.bo-form button[type=submit]")
    expect(admin.locator("h1 small")).to_contain_text("결과공개")


# --- 1 -------------------------------------------------------------------------------------------
def test_journey_1_a_visitor_signs_up_and_proposes_to_a_partner_agency(site):
    visitor = site(**PHONE)
    visitor.goto(f"{site.base}/a/sisul/proposals/")
    visitor.click(".page-head a[href$='/proposals/new/']")  # 제안하기: log in first
    expect(visitor).to_have_url(re.compile(r"/accounts/login/\?next="))
    visitor.click("[data-signup-link]")
    sign_up(visitor, "minji", "박민지")
    # Back on the proposal form of the agency whose list it started from.
    expect(visitor).to_have_url(f"{site.base}/a/sisul/proposals/new/")
    expect(visitor.locator("#id_agency option:checked")).to_have_text("서울시설공단")
    title = "고척스카이돔 주변 따릉이 대여소를 늘려 주세요"
    visitor.fill("#id_title", title)
    visitor.fill("#id_body", "경기가 끝나면 대여소마다 자전거가 모자랍니다.")
    visitor.select_option("#id_policy_category", label="교통")
    visitor.select_option("#id_district", label="구로구")
    visitor.click("form.stack button[type=submit]")
    expect(visitor.locator("h1")).to_have_text(title)
    expect(visitor.locator("[data-supports]")).to_have_text("0")
    # 30 days to support it; the countdown counts whole days left, so a moment later it says D-29.
    expect(visitor.locator("[data-countdown]")).to_have_text(re.compile(r"^D-(29|30)$"))

    # It is in the agency's list and, with the agency's category, in the city's.
    for path in ("/a/sisul/proposals/", "/proposals/"):
        visitor.goto(site.base + path)
        card = visitor.locator("[data-proposal-id]", has_text=title)
        expect(card).to_have_count(1)
        expect(card.locator(".card-tags")).to_contain_text("서울시설공단")
        expect(card.locator(".meta")).to_contain_text("박민지")
    # Another agency's list does not show it.
    visitor.goto(f"{site.base}/a/seoul-metro/proposals/")
    expect(visitor.locator("[data-proposal-id]", has_text=title)).to_have_count(0)


# --- 2 -------------------------------------------------------------------------------------------
SEED_SUPPORTS = """
from deliberation.accounts.models import User
from deliberation.proposals.services import support
for citizen in User.objects.filter(username__startswith="supporter").order_by("username")[:{count}]:
    proposal = support(proposal_id={proposal}, citizen=citizen)
print(proposal.support_count)
"""


def test_journey_2_fifty_supports_bring_a_department_answer_the_citizen_sees(site):
    proposal = 3  # 서울시설공단's, filed by `citizen`, unsupported in the demo
    threshold = 50
    seeded = site.stack.manage("shell", "-c", SEED_SUPPORTS.format(count=threshold - 1, proposal=proposal))
    assert seeded.split()[-1] == str(threshold - 1)

    detail = f"{site.base}/a/sisul/proposals/{proposal}/"
    author = site("citizen", **PHONE)  # the proposer watches their proposal
    live(author, detail)
    expect(author.locator("[data-supports]")).to_have_text(str(threshold - 1))
    expect(author.locator("[data-badge-review]")).to_be_hidden()

    fiftieth = site("citizen2", **PHONE)
    live(fiftieth, detail)
    fiftieth.click("form[data-support-form] button[type=submit]")
    expect(fiftieth.locator("[data-badge-review]")).to_be_visible(timeout=LIVE_MS)
    expect(author.locator("[data-supports]")).to_have_text(str(threshold), timeout=LIVE_MS)
    expect(author.locator("[data-badge-review]")).to_be_visible(timeout=LIVE_MS)  # no reload

    # The admin finds it in review and names the lead department.
    admin = site("sisul-admin", **SCREEN)
    admin.goto(f"{site.base}/a/sisul/manage/proposals/")
    row = admin.locator("tr", has_text="고척스카이돔 응원도구를 친환경 소재로")
    expect(row).to_contain_text(str(threshold))
    row.locator("a").first.click()
    admin.select_option("#id_assign-department", label="체육시설운영팀")
    admin.click("form:has(input[name=action][value=assign]) button[type=submit]")
    expect(admin.locator(".messages")).to_contain_text("주관부서를 지정했습니다")

    # The department's officer answers from their queue.
    officer = site("sisul-officer", **SCREEN)
    officer.goto(f"{site.base}/a/sisul/manage/proposals/officer/")
    officer.click(f"a[href$='/manage/proposals/officer/{proposal}/']")
    answer = "다음 시즌부터 종이 응원도구를 나눠 드리고 플라스틱 응원봉 판매를 줄이겠습니다."
    officer.fill("#id_answer-body", answer)
    officer.select_option("#id_answer-decision", label="수용")
    officer.click("form:has(input[name=action][value=answer]) button[type=submit]")
    expect(officer.locator(".messages")).to_be_visible()

    # Not public until the admin approves it.
    author.reload()
    expect(author.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(author.locator("#answers-h")).to_have_text(re.compile(r"\(0\)$"))
    expect(author.locator("main")).not_to_contain_text(answer)

    admin.reload()
    waiting = admin.locator("section[aria-labelledby=waiting-title]")
    expect(waiting).to_contain_text(answer)
    waiting.locator("form:has(input[name=action][value=approve]) button").click()
    expect(admin.locator(".messages")).to_be_visible()

    # The proposer's open page counts the answer at once; reading it takes a reload.
    expect(author.locator("#answers-h")).to_have_text(re.compile(r"\(1\)$"), timeout=LIVE_MS)
    author.reload()
    expect(author.locator("#answers-h")).to_have_text(re.compile(r"\(1\)$"))
    expect(author.locator("main")).to_contain_text(answer)
    expect(author.locator("main")).to_contain_text("수용")
    expect(author.locator("[data-badge-review]")).to_be_visible()


# --- 3 -------------------------------------------------------------------------------------------
def test_journey_3_a_hall_debate_online_and_offline(site):
    admin = site("sisul-admin", **SCREEN)
    admin.goto(f"{site.base}/a/sisul/manage/debates/")
    admin.click("a[href$='/manage/debates/new/pro_con/']")
    title = "탄천 산책로에 반려견 전용 구역을 둘까요?"
    admin.fill("#id_title", title)
    admin.fill("#id_opens_at", local_minute(timedelta(minutes=-5)))
    admin.fill("#id_closes_at", local_minute(timedelta(days=7)))
    admin.fill("#id_label_for", "전용 구역 찬성")
    admin.fill("#id_label_against", "전용 구역 반대")
    admin.click("form.bo-form button[type=submit]")
    debate = int(re.search(r"/manage/debates/(\d+)/$", admin.url).group(1))
    admin.click(f"a[href$='/manage/debates/{debate}/publish/']")
    admin.click("form.stack button[type=submit]")
    public = f"{site.base}/a/sisul/debates/{debate}/"
    expect(admin).to_have_url(public)
    expect(admin.locator("[data-status]")).to_have_text("진행중")

    # The facilitator finds the new debate on the site and opens its screen for the projector.
    screen = site("sisul-facilitator", viewport={"width": 1920, "height": 1080})
    screen.goto(f"{site.base}/a/sisul/debates/")
    screen.click(f"a[href$='/debates/{debate}/']")
    screen.click(f"a[href$='/manage/debates/{debate}/screen/']")
    expect(screen.locator("[data-live-status]").first).to_have_attribute("data-state", "live")
    rows = {label: screen.locator("[data-row]", has_text=label) for label in ("전용 구역 찬성", "전용 구역 반대")}
    voter, watcher = site("citizen", **PHONE), site("citizen2", **PHONE)
    live(voter, public)
    live(watcher, public)
    watched = watcher.locator("[data-bars] li", has_text="전용 구역 찬성").locator("[data-count]")
    expect(watched).to_have_text("0")

    voter.locator("label.choice", has_text="전용 구역 찬성").click()
    voter.click("[data-ballot-form] button[type=submit]")
    expect(voter.locator("[data-voted]")).to_contain_text("전용 구역 찬성")
    expect(watched).to_have_text("1", timeout=LIVE_MS)  # the second phone, no reload
    expect(rows["전용 구역 찬성"].locator("[data-cell=online]")).to_have_text("1", timeout=LIVE_MS)
    expect(screen.locator("[data-ballots]")).to_have_text("1")

    # The hall's show of hands, entered on the screen's controls.
    for label, count in (("전용 구역 찬성", "23"), ("전용 구역 반대", "17")):
        screen.select_option("[data-offline-form] select[name=option]", label=label)
        screen.fill("[data-offline-form] input[name=count]", count)
        screen.fill("[data-offline-form] input[name=label]", "현장 거수")
        screen.click("[data-offline-form] button[type=submit]")
        expect(rows[label].locator("[data-cell=offline]")).to_have_text(count, timeout=LIVE_MS)
    expect(rows["전용 구역 찬성"].locator("[data-cell=combined]")).to_have_text("24")
    expect(rows["전용 구역 반대"].locator("[data-cell=combined]")).to_have_text("17")
    split = watcher.locator("[data-split='']")
    expect(split).to_be_visible(timeout=LIVE_MS)  # the phone switches to online / 현장 / 합계
    expect(split.locator("[data-split-totals] [data-cell=combined]")).to_have_text("41", timeout=LIVE_MS)

    close_and_publish(admin, f"{site.base}/a/sisul", debate, "현장과 온라인 모두 찬성이 많아 시범 구역을 운영합니다.")
    watcher.reload()
    expect(watcher.locator("[data-status]")).to_have_text("결과공개")
    expect(watcher.locator("#result-h + p")).to_have_text("현장과 온라인 모두 찬성이 많아 시범 구역을 운영합니다.")
    expect(split).to_be_visible()
    table = [[int(cell.inner_text()) for cell in split.locator(f"{part} [data-cell]").all()]
             for part in ("tbody tr:nth-child(1)", "tbody tr:nth-child(2)", "tbody tr:nth-child(3)",
                          "[data-split-totals]")]
    assert table == [[1, 23, 24], [0, 17, 17], [0, 0, 0], [1, 40, 41]]
    for online, offline, combined in table:
        assert online + offline == combined


# --- 4 -------------------------------------------------------------------------------------------
def test_journey_4_a_moderator_hides_a_comment_and_it_vanishes_elsewhere(site):
    debate = f"{site.base}/a/sisul/debates/1/"
    author, reader = site("citizen"), site("citizen2", **PHONE)
    live(reader, debate)
    author.goto(debate)
    author.fill("#comment-form textarea[name=body]", "이 토론은 시간 낭비입니다 광고 www.example.com")
    author.click("#comment-form button[type=submit]")
    comment = reader.locator("ol[data-comments] li", has_text="시간 낭비")
    expect(comment).to_have_count(1, timeout=LIVE_MS)

    moderator = site("sisul-moderator", **SCREEN)
    moderator.goto(f"{site.base}/a/sisul/")
    click_menu_link(moderator, "a[href$='/manage/moderation/']")
    moderator.click("a[href$='?queue=recent']")
    row = moderator.locator("tr[data-item]", has_text="시간 낭비")
    row.locator("input[name=reason]").first.fill("광고성 댓글")
    row.locator("button[value=hide]").click()
    expect(moderator.locator(".messages, [role=status]").first).to_be_visible()

    expect(comment).to_have_count(0, timeout=LIVE_MS)  # gone from the open page, no reload
    expect(reader.locator("[data-comment-count]")).to_have_text("0")
    assert reader.evaluate("performance.getEntriesByType('navigation').length") == 1


# --- 5 -------------------------------------------------------------------------------------------
def test_journey_5_a_platform_admin_adds_an_agency_with_its_own_look_and_admin(site):
    # The agency's future admin has an account (signed up like anyone).
    newcomer = site(**SCREEN)
    newcomer.goto(f"{site.base}/accounts/signup/")
    sign_up(newcomer, "energy-lead", "에너지공사 관리자")

    platform = site("platform", **SCREEN)
    platform.goto(f"{site.base}/a/sisul/")
    click_menu_link(platform, "a[href='/platform/agencies/']")
    form = platform.locator("form[data-new-agency]")
    form.locator("input[name=name]").fill("서울에너지공사")
    form.locator("input[name=slug]").fill("energy")
    form.locator("input[name=primary_colour]").fill("#9a3412")
    form.locator("input[name=banner_text]").fill("에너지 전환, 시민과 함께")
    form.locator("input[name=admin_username]").fill("energy-lead")
    form.locator("button[type=submit]").click()
    expect(platform.locator("[data-agencies]")).to_contain_text("서울에너지공사")

    # Its site is live with its own name, banner and colour, for anyone.
    visitor = site(**PHONE)
    visitor.goto(f"{site.base}/a/energy/")
    expect(visitor.locator(".site-name")).to_have_text("서울에너지공사")
    expect(visitor.locator(".banner")).to_contain_text("에너지 전환, 시민과 함께")
    expect(visitor.locator(".site-header")).to_have_css("background-color", "rgb(154, 52, 18)")
    visitor.goto(f"{site.base}/a/sisul/")
    expect(visitor.locator(".site-header")).to_have_css("background-color", "rgb(124, 58, 237)")

    # Its admin runs its back office, and only its own.
    newcomer.goto(f"{site.base}/a/energy/")
    click_menu_link(newcomer, "a[href='/a/energy/manage/settings/']")
    expect(newcomer.locator("form[data-settings-form]")).to_be_visible()
    for path in ("manage/proposals/", "manage/debates/", "manage/settings/", "manage/members/"):
        response = newcomer.goto(f"{site.base}/a/sisul/{path}")
        assert response.status in (403, 404), (path, response.status)
    newcomer.goto(f"{site.base}/a/sisul/")
    expect(newcomer.locator(".account-nav a[href*='/manage/']")).to_have_count(0)


# --- 6 -------------------------------------------------------------------------------------------
def cast_pro_con(page):
    page.locator("label.choice", has_text="금지 반대").click()
    page.click("[data-ballot-form] button[type=submit]")


def cast_multiple_choice(page):
    page.check("label:has-text('그늘막') input")
    page.check("label:has-text('야간 조명') input")
    page.click("[data-ballot-form] button[type=submit]")


def cast_research(page):
    page.check("label:has-text('매일') input")
    page.check("label:has-text('혼잡도') input")
    page.check("label:has-text('냉난방') input")
    page.click("[data-ballot-form] button[type=submit]")


VOTE_TYPES = {  # vote type: (site path, debate, its admin, cast, {option: count once published})
    "pro_con": ("/a/sisul", 1, "sisul-admin", cast_pro_con, {"금지 반대": 1, "금지 찬성": 0}),
    "multiple_choice": ("", 2, "platform", cast_multiple_choice, {"그늘막": 1, "야간 조명": 1, "수유실": 0}),
    "research": ("/a/seoul-metro", 3, "metro-admin", cast_research, {"매일": 1, "혼잡도": 1, "냉난방": 1, "화장실": 0}),
}


@pytest.mark.parametrize("vote_type", [*VOTE_TYPES, "discussion"])
def test_journey_6_each_vote_type_from_ballot_to_published_result(site, vote_type):
    admin_path, debate, admin_user, cast, expected = VOTE_TYPES.get(
        vote_type, ("/a/sisul", 4, "sisul-admin", None, None))
    public = f"{site.base}{admin_path}/debates/{debate}/"
    citizen = site("citizen", **PHONE)
    live(citizen, public)
    if cast:
        cast(citizen)
        expect(citizen.locator("[data-voted]")).to_be_visible()
    else:  # discussion: an opinion, and another citizen's support for it
        citizen.fill("#opinion-body", "응원단 공연 시간에 맞춰 다회용 응원도구를 빌려 주세요")
        citizen.click("form:has(#opinion-body) button[type=submit]")
        supporter = site("citizen2", **PHONE)
        live(supporter, public)
        opinion = supporter.locator("[data-opinions] > li[data-opinion]", has_text="다회용 응원도구")
        opinion.get_by_role("button").click()
        expect(opinion.locator("[data-supports]")).to_have_text("1", timeout=LIVE_MS)

    admin = site(admin_user, **SCREEN)
    response_text = f"{vote_type} 토론의 결과를 검토해 반영하겠습니다."
    close_and_publish(admin, f"{site.base}{admin_path}", debate, response_text)

    citizen.reload()
    expect(citizen.locator("[data-status]")).to_have_text("결과공개")
    expect(citizen.locator("#result-h + p")).to_have_text(response_text)
    expect(citizen.locator("#tally-h")).to_have_text("결과")  # no longer "현재 투표 현황"
    if expected:
        for label, count in expected.items():
            row = citizen.locator("[data-bars] li", has_text=label).first
            expect(row.locator("[data-count]")).to_have_text(str(count))
        expect(citizen.locator("[data-voted]")).to_be_visible()
        expect(citizen.locator("[data-ballot-form]")).to_have_count(0)
    else:
        top = citizen.locator("[data-opinions] > li[data-opinion]").first
        expect(top).to_contain_text("다회용 응원도구")
        expect(top.locator("[data-supports]")).to_have_text("1")
