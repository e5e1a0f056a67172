"""Loads the demo once: the city, two partner agencies, departments, sample proposals, an open
pro/con debate, and one account per role. Running it again changes nothing."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from deliberation.accounts.models import User
from deliberation.agencies.models import Agency, Role, TaskCategory
from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department, grant_role, register_agency
from deliberation.debates.models import Ballot, Debate
from deliberation.debates.admin_services import apply_debate_action, create_debate, publish_results
from deliberation.executions.models import ExecutionUpdate
from deliberation.executions.services import add_material, create_item, post_update
from deliberation.debates.services import create_pro_con_debate
from deliberation.proposals.admin_services import approve_answer, assign_lead_department, submit_answer
from deliberation.proposals.services import close_expired_periods, file_proposal, support

DEMO_PASSWORD = "demo-pass-2026"

ACCOUNTS = [
    # username, display name, what it is for
    ("platform", "전체관리자", "platform admin"),
    ("metro-admin", "교통공사 관리자", "agency admin of 서울교통공사 (/a/seoul-metro/)"),
    ("sisul-admin", "시설공단 관리자", "agency admin of 서울시설공단 (/a/sisul/)"),
    ("sisul-officer", "체육시설팀 담당자", "department officer, 서울시설공단 체육시설운영팀"),
    ("sisul-facilitator", "공론장 진행자", "facilitator of 서울시설공단"),
    ("sisul-moderator", "댓글 관리자", "moderator of 서울시설공단 (/a/sisul/manage/moderation/)"),
    ("citizen", "김시민", "citizen"),
    ("citizen2", "이시민", "citizen"),
]


class Command(BaseCommand):
    help = "Load the demo data once and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the server will listen")

    def handle(self, *args, **options):
        self.base_url = options["base_url"].rstrip("/")
        if Agency.objects.filter(slug="sisul").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                self._load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._print_logins()

    def _load(self):
        users = {}
        for username, display_name, _ in ACCOUNTS:
            user = User(username=username, display_name=display_name, email=f"{username}@example.org")
            user.set_password(DEMO_PASSWORD)
            user.is_platform_admin = username == "platform"
            user.save()
            users[username] = user

        seoul = city()
        metro = register_agency(
            name="서울교통공사", slug="seoul-metro", primary_colour="#0f766e",
            banner_text="지하철을 더 편하게, 시민과 함께", admin=users["metro-admin"],
        )
        sisul = register_agency(
            name="서울시설공단", slug="sisul", primary_colour="#7c3aed",
            banner_text="서울시설공단이 묻습니다", admin=users["sisul-admin"],
        )
        # Settings (환경설정) of 서울시설공단's site: its own title, footer links, task categories.
        Agency.objects.filter(pk=sisul.pk).update(
            site_title="서울시설공단이 묻습니다",
            footer_links=[{"label": "서울시설공단 홈페이지", "url": "https://www.sisul.or.kr/"}],
        )
        for name in ("체육시설", "도로시설", "시설안전"):
            TaskCategory.objects.create(agency=sisul, name=name)
        for name in ("교통정책과", "기후환경정책과", "복지정책과"):
            add_department(agency=seoul, name=name)
        add_department(agency=metro, name="고객서비스처")
        sports = add_department(agency=sisul, name="체육시설운영팀")
        add_department(agency=sisul, name="시설안전처")
        grant_role(user=users["sisul-officer"], agency=sisul, role=Role.OFFICER, department=sports)
        grant_role(user=users["sisul-facilitator"], agency=sisul, role=Role.FACILITATOR)
        grant_role(user=users["sisul-moderator"], agency=sisul, role=Role.MODERATOR)

        # Proposals 1-3 (ids relied on by the browser tests): one per site, none supported.
        file_proposal(agency=seoul, author=users["citizen"], policy_category="transport",
                      title="한강 자전거도로에 야간 조명을 늘려 주세요", district="yeongdeungpo",
                      body="밤에 자전거도로가 어두워 사고가 잦습니다.", themes="#자전거도로")
        file_proposal(agency=metro, author=users["citizen2"], policy_category="transport",
                      title="지하철역 수유실을 모든 환승역에 설치해 주세요",
                      body="환승역에 수유실이 부족합니다.", themes="#모유수유")
        file_proposal(agency=sisul, author=users["citizen"], policy_category="environment",
                      title="고척스카이돔 응원도구를 친환경 소재로 바꿔 주세요", district="guro",
                      body="경기마다 플라스틱 응원봉이 쓰레기로 버려집니다.", themes="#친환경 #고척스카이돔")
        self._load_review_example(sisul, sports, users)
        file_proposal(agency=seoul, author=users["citizen2"], policy_category="welfare",
                      title="동네 경로당에 무더위 쉼터 안내판을 달아 주세요",
                      body="어르신들이 쉼터 위치를 잘 모르십니다.", now=timezone.now() - timedelta(days=40))
        close_expired_periods()

        now = timezone.now()
        create_pro_con_debate(
            agency=sisul,
            title="고척스카이돔 플라스틱 응원봉 사용을 금지해야 할까요?",
            body="플라스틱 막대풍선 응원도구의 반입을 금지하는 방안에 대한 시민 의견을 묻습니다.",
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=29),
            labels={"for": "금지 찬성", "against": "금지 반대", "other": "기타"},
        )
        self._load_other_vote_types(seoul, metro, sisul, users, now)
        self._load_execution_example(sisul, sports, users, now)
        self._load_content(seoul, sisul, users, now)
        self._load_statistics_history(metro, seoul, users, now)
        close_expired_periods()

    def _load_other_vote_types(self, seoul, metro, sisul, users, now):
        """Debates 2-4 (ids relied on by the browser tests): one of each other vote type, open
        now, made and published through the back-office services as an admin would."""
        period = {"opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=14)}
        made = [
            create_debate(actor=users["platform"], agency=seoul, vote_type="multiple_choice",
                          title="서울시가 묻습니다: 한강공원에 가장 필요한 시설은? (최대 2개)",
                          choices=["그늘막", "자전거 보관소", "수유실", "야간 조명"], max_choices=2, **period),
            create_debate(actor=users["metro-admin"], agency=metro, vote_type="research",
                          title="지하철 이용 설문", questions=[
                              {"text": "지하철을 얼마나 자주 타십니까?", "options": ["매일", "주 2~3회", "거의 안 탐"]},
                              {"text": "개선이 필요한 것을 골라 주세요 (최대 2개)", "max_choices": 2,
                               "options": ["혼잡도", "냉난방", "안내 방송", "화장실"]},
                              {"text": "수유실을 이용해 보셨습니까?", "required": False, "options": ["예", "아니오"]},
                          ], **period),
            create_debate(actor=users["sisul-admin"], agency=sisul, vote_type="discussion",
                          title="고척스카이돔 응원 문화, 어떻게 바꿀까요?", **period),
        ]
        for debate in made:
            apply_debate_action(actor=users["platform"], debate_ids=[debate.pk], action="publish")

    def _load_execution_example(self, sisul, sports, users, now):
        """Debate 5, closed with its results published, carried out as execution item 1 (실행)
        with a timeline and meeting notes; `citizen` voted in it, so can follow the item.
        Proposal 4 (adopted: an approved partial accept) is left for the demo's "Track
        execution" button."""
        admin = users["sisul-admin"]
        opens = now - timedelta(days=60)
        debate = create_debate(
            actor=admin, agency=sisul, vote_type="pro_con", title="잠실 야구장 일회용 응원도구 반입을 제한할까요?",
            body="경기 후 버려지는 일회용 응원도구를 줄이는 방안에 대한 의견을 묻습니다.",
            opens_at=opens, closes_at=opens + timedelta(days=30))
        Debate.objects.filter(pk=debate.pk).update(is_published=True)
        options = {option.kind: option for option in debate.options.all()}
        voters = [users["citizen"], *User.objects.filter(username__startswith="supporter").order_by("id")[:20]]
        Ballot.objects.bulk_create(
            Ballot(debate=debate, citizen=voter, option=options["for" if n % 3 else "against"])
            for n, voter in enumerate(voters))
        # Cast during the debate's period, not at seeding time (cast_at is auto_now_add): the
        # live dashboard's "ballots in the last minute" must start at 0.
        Ballot.objects.filter(debate=debate).update(cast_at=opens + timedelta(days=1))
        publish_results(actor=admin, debate_id=debate.pk,
                        result_text="찬성이 많아 다음 시즌부터 일회용 응원도구 반입을 단계적으로 제한합니다.")
        today = timezone.localdate()
        item = create_item(
            actor=admin, debate_id=debate.pk, department_id=sports.pk, title="일회용 응원도구 반입 단계적 제한",
            summary="토론 결과에 따라 다음 시즌부터 일회용 응원도구 반입을 제한하고 다회용 응원도구를 보급합니다.",
            note="실행 계획 수립", today=today - timedelta(days=20))
        ExecutionUpdate.objects.filter(item=item).update(happened_on=today - timedelta(days=20))
        post_update(actor=users["sisul-officer"], item_id=item.pk, status="in_progress",
                    happened_on=today - timedelta(days=10), body="구단·입점 업체와 협의를 시작했습니다.")
        add_material(actor=admin, item_id=item.pk, kind="notes", title="1차 협의 회의록",
                     meeting_on=today - timedelta(days=10), body="참석: 구단 2명, 입점 업체 3명, 공단 2명\n"
                     "합의: 다음 시즌 개막전부터 다회용 응원도구 대여소 운영")
        add_material(actor=admin, item_id=item.pk, kind="link", title="토론 결과 보도자료",
                     url="https://www.sisul.or.kr/")
    def _load_content(self, seoul, sisul, users, now):
        """Site content (issue 8): notices, FAQ, an event, a participation event, the city's terms
        and privacy (the agencies inherit them), Q&A on 서울시설공단, its debate 1 featured."""
        from deliberation.content import admin_services as content
        from deliberation.content import services as qna
        from deliberation.content.models import Question

        platform, sisul_admin = users["platform"], users["sisul-admin"]
        content.save_item(actor=platform, site=seoul, kind="notices", data={
            "title": "민주주의 서울 개편 안내", "body": "기관별 공론장과 참여 이벤트가 새로 열렸습니다.", "pinned": True,
            "is_public": True})
        content.save_item(actor=sisul_admin, site=sisul, kind="notices", data={
            "title": "고척스카이돔 응원 문화 토론에 참여해 주세요", "body": "시민 여러분의 의견을 기다립니다.", "is_public": True})
        for position, (question, answer) in enumerate((
                ("제안은 누구나 할 수 있나요?", "회원가입을 한 시민은 누구나 제안할 수 있습니다."),
                ("공감이 50개를 넘으면 어떻게 되나요?", "담당 부서가 제안을 검토하고 답변합니다."))):
            content.save_item(actor=platform, site=seoul, kind="faq", data={
                "question": question, "answer": answer, "category": "시민제안", "position": position, "is_public": True})
        content.save_item(actor=sisul_admin, site=sisul, kind="events", data={
            "title": "고척스카이돔 시민 원탁회의", "place": "고척스카이돔 회의실", "is_public": True,
            "starts_at": now + timedelta(days=7), "ends_at": now + timedelta(days=7, hours=3),
            "body": "응원 문화 개선 방안을 함께 이야기합니다."})
        content.save_item(actor=platform, site=seoul, kind="participation", data={
            "title": "우리 동네 정책 아이디어 공모", "body": "생활 속 정책 아이디어를 보내 주세요.", "is_public": True,
            "starts_at": now - timedelta(days=3), "ends_at": now + timedelta(days=11),
            "announces_at": now + timedelta(days=18)})
        content.save_site_page(actor=platform, site=seoul, kind="terms",
                               body="민주주의 서울 이용약관\n\n제1조 (목적) 이 약관은 민주주의 서울 이용에 관한 사항을 정합니다.")
        content.save_site_page(actor=platform, site=seoul, kind="privacy",
                               body="개인정보 처리방침\n\n민주주의 서울은 회원 가입과 참여에 필요한 최소한의 정보만 처리합니다.")
        asked = qna.ask_question(site=sisul, author=users["citizen2"], title="주차장 이용 시간이 궁금합니다",
                                 body="경기가 있는 날 주차장은 몇 시부터 이용할 수 있나요?")
        content.answer_question(actor=sisul_admin, site=sisul, question_id=asked.pk,
                                answer="경기 시작 3시간 전부터 이용하실 수 있습니다.")
        # Seeded an hour ago, so the demo citizens may ask their own question at once.
        Question.objects.filter(pk=asked.pk).update(created_at=now - timedelta(hours=1))
        debate = Debate.objects.filter(agency=sisul).order_by("id").first()
        content.set_featured_debates(actor=sisul_admin, site=sisul, debate_ids=[debate.pk])
    def _load_statistics_history(self, metro, seoul, users, now):
        """Proposals 6 and after: filed over the past months and supported at different hours,
        so the statistics pages (manage/statistics/) have months and hours to show. One
        reaches 서울교통공사's answer threshold; the others fail when their period ends."""
        supporters = list(User.objects.filter(username__startswith="supporter").order_by("username"))
        history = [  # (site, days ago, supports, title)
            (metro, 170, 6, "역사 내 엘리베이터 점검 일정을 미리 알려 주세요"),
            (metro, 140, metro.answer_threshold + 2, "심야 지하철 운행을 주말에 늘려 주세요"),
            (seoul, 120, 9, "버스정류장 온열의자를 늘려 주세요"),
            (metro, 95, 3, "지하철 냉방 약냉방칸을 늘려 주세요"),
            (seoul, 65, 12, "공공자전거 대여소를 지하철역 출구마다 설치해 주세요"),
        ]
        for site, days_ago, count, title in history:
            filed = now - timedelta(days=days_ago)
            proposal = file_proposal(agency=site, author=users["citizen"], policy_category="transport",
                                     title=title, body="통계 화면 시연용 제안입니다.", now=filed)
            for n, supporter in enumerate(supporters[:count]):
                support(proposal_id=proposal.pk, citizen=supporter,
                        now=filed + timedelta(days=n % 20, hours=(7 + 5 * n) % 24))

    def _load_review_example(self, sisul, sports, users):
        """A proposal past the answer threshold, with its review assigned and answered, so the
        back office and the department answer have something to show."""
        proposal = file_proposal(
            agency=sisul, author=users["citizen2"], policy_category="welfare",
            title="장애인 체육시설 이용 시간을 늘려 주세요", body="평일 저녁에도 이용할 수 있으면 좋겠습니다.",
            themes="#장애인체육",
        )
        supporters = User.objects.bulk_create(
            User(username=f"supporter{n:03d}", display_name=f"공감시민{n}", password="!")
            for n in range(sisul.answer_threshold + 5)
        )
        for supporter in supporters:
            support(proposal_id=proposal.pk, citizen=supporter)
        review = proposal.review
        assign_lead_department(actor=users["sisul-admin"], review_id=review.pk, department_id=sports.pk)
        answer = submit_answer(actor=users["sisul-officer"], review_id=review.pk, decision="partial",
                               body="주말 운영 시간을 1시간 연장하고, 평일 저녁 운영은 이용 수요를 조사하겠습니다.")
        approve_answer(actor=users["sisul-admin"], answer_id=answer.pk)

    def _print_logins(self):
        debate = Debate.objects.filter(agency__slug="sisul").order_by("id").first()
        self.stdout.write("\nDemo logins (password for all: %s)" % DEMO_PASSWORD)
        for username, _, role in ACCOUNTS:
            self.stdout.write(f"  {username:<18} {role}")
        if debate:
            self.stdout.write(f"\nOpen pro/con debate: {self.base_url}/a/sisul/debates/{debate.pk}/")
        self.stdout.write(f"Platform admin: {self.base_url}/platform/agencies/\n")
