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
from deliberation.debates.models import Debate
from deliberation.debates.admin_services import apply_debate_action, create_debate
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
