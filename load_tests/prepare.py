"""Bench data, in bulk: an agency, an open pro/con debate (or a citizen proposal), voters and
their logged-in sessions.

    python -m load_tests.prepare --voters M --out FILE [--closes-in SECONDS]
    python -m load_tests.prepare --verify DEBATE_ID [--ids]
    python -m load_tests.prepare --proposal --voters S [--answer-threshold 50 --debate-threshold 500]
    python -m load_tests.prepare --verify-proposal PROPOSAL_ID [--ids]

Runs with the server's environment (DATABASE_URL, SECRET_KEY: the session hash and the
session signature depend on it). Voter accounts `bench-voter-<n>` are reused when they exist;
every run makes a new debate (or proposal) and new sessions. `--verify` prints the ballots of
a debate as JSON, for the check after a run.

`--proposal` (the threshold scenario) files a fresh proposal on the `bench` agency, authored
by `bench-proposer`, after setting the agency's answer and debate thresholds; the voters are
its supporters. `--verify-proposal` prints what the thresholds must have done exactly once:
support rows, the proposal's support_count, its Review rows, the debates its promotion created
(linked as proposal.debate, and every debate of the agency with the proposal's title), the
milestone times and their audit entries."""

from __future__ import annotations

import argparse
import json
import os
import string
import sys
import time
from datetime import timedelta

BATCH = 2000


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()


def _bench_agency(agency_slug: str):
    from deliberation.agencies.models import Agency
    from deliberation.agencies.services import register_agency

    agency = Agency.objects.filter(slug=agency_slug).first()
    if agency is None:
        agency = register_agency(name="Bench agency (load tests)", slug=agency_slug)
    return agency


def _settings() -> dict:
    from django.conf import settings

    return {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1],
        "REALTIME_TICK_SECONDS": getattr(settings, "REALTIME_TICK_SECONDS", None),
        "REALTIME_MODE": getattr(settings, "REALTIME_MODE", None),
    }


def prepare(*, voters: int, closes_in: float, agency_slug: str = "bench") -> dict:
    from django.utils import timezone

    from deliberation.debates.services import create_pro_con_debate

    agency = _bench_agency(agency_slug)
    now = timezone.now()
    closes_at = now + timedelta(seconds=closes_in)
    debate = create_pro_con_debate(
        agency=agency,
        title=f"Bench debate {now:%Y-%m-%d %H:%M:%S}",
        opens_at=now - timedelta(hours=1),
        closes_at=closes_at,
    )
    keys, _ = _voter_sessions(voters, now=now)
    return {
        "agency_slug": agency.slug,
        "debate_id": debate.id,
        "options": [{"id": o.id, "kind": o.kind, "label": o.label} for o in debate.options.all()],
        "sessions": keys,
        "closes_at_ms": int(closes_at.timestamp() * 1000),
        "settings": _settings(),
    }


def prepare_proposal(
    *, voters: int, answer_threshold: int, debate_threshold: int, agency_slug: str = "bench"
) -> dict:
    """A fresh proposal on the bench agency, whose thresholds are set first; the voters'
    sessions are its supporters (`citizen_ids` in the same order as `sessions`)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from deliberation.accounts.models import User
    from deliberation.agencies.services import update_agency_settings
    from deliberation.proposals.services import file_proposal

    agency = _bench_agency(agency_slug)
    agency = update_agency_settings(
        agency=agency, answer_threshold=answer_threshold, debate_threshold=debate_threshold
    )
    author = User.objects.filter(username="bench-proposer").first()
    if author is None:
        author = User.objects.create(username="bench-proposer", password=make_password(None))
    now = timezone.now()
    proposal = file_proposal(
        agency=agency,
        author=author,
        # Unique, so the debates its promotion creates can be counted by title.
        title=f"Bench proposal {now:%Y-%m-%d %H:%M:%S} {get_random_string(6)}",
        body="A proposal for the threshold rush of the event-peak simulator.",
    )
    keys, ids = _voter_sessions(voters, now=now)
    return {
        "agency_slug": agency.slug,
        "proposal_id": proposal.id,
        "proposal_title": proposal.title,
        "thresholds": [agency.answer_threshold, agency.debate_threshold],
        "sessions": keys,
        "citizen_ids": ids,
        "closes_at_ms": int(proposal.closes_at.timestamp() * 1000),
        "settings": _settings(),
    }


def _voter_sessions(voters: int, *, now) -> tuple[list[str], list[int]]:
    """Accounts bench-voter-0…M-1 (made when missing) and one new logged-in session each:
    (session keys, user ids), in the same order."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils.crypto import get_random_string

    from deliberation.accounts.models import User

    names = [f"bench-voter-{n}" for n in range(voters)]
    existing = set(
        User.objects.filter(username__startswith="bench-voter-").values_list("username", flat=True)
    )
    missing = [name for name in names if name not in existing]
    User.objects.bulk_create(
        (User(username=name, password=make_password(None)) for name in missing), batch_size=BATCH
    )
    users = {}
    for start in range(0, len(names), BATCH):
        chunk = names[start : start + BATCH]
        users.update((u.username, u) for u in User.objects.filter(username__in=chunk))

    store = SessionStore()
    backend = "django.contrib.auth.backends.ModelBackend"
    expire = now + timedelta(days=2)
    alphabet = string.ascii_lowercase + string.digits
    keys, ids, rows = [], [], []
    for name in names:
        user = users[name]
        key = get_random_string(32, alphabet)
        data = store.encode(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        keys.append(key)
        ids.append(user.pk)
        rows.append(Session(session_key=key, session_data=data, expire_date=expire))
    Session.objects.bulk_create(rows, batch_size=BATCH)
    return keys, ids


def verify(debate_id: int, *, with_ids: bool = False) -> dict:
    from django.db.models import Count

    from deliberation.debates.models import Ballot

    ballots = Ballot.objects.filter(debate_id=debate_id)
    per_option = dict(ballots.values("option_id").annotate(n=Count("id")).values_list("option_id", "n"))
    result = {"ballots": ballots.count(), "per_option": {str(k): v for k, v in sorted(per_option.items())}}
    if with_ids:
        result["ballot_ids"] = sorted(ballots.values_list("id", flat=True))
        result["citizens_with_several_ballots"] = (
            ballots.values("citizen_id").annotate(n=Count("id")).filter(n__gt=1).count()
        )
    return result


def verify_proposal(proposal_id: int, *, with_ids: bool = False) -> dict:
    """Rows, not counters: what the supports and the two thresholds left in the database."""
    from django.db.models import Count

    from deliberation.audit.models import AuditEntry
    from deliberation.debates.models import Debate
    from deliberation.proposals.models import Proposal, Review, Support

    proposal = Proposal.objects.select_related("agency").get(pk=proposal_id)
    supports = Support.objects.filter(proposal_id=proposal_id)
    audit = dict(
        AuditEntry.objects.filter(target_type="proposal", target_id=proposal_id)
        .values("action")
        .annotate(n=Count("id"))
        .values_list("action", "n")
    )
    result = {
        "proposal_id": proposal_id,
        "supports": supports.count(),
        "support_count": proposal.support_count,
        "citizens_with_several_supports": (
            supports.values("citizen_id").annotate(n=Count("id")).filter(n__gt=1).count()
        ),
        "thresholds": [proposal.agency.answer_threshold, proposal.agency.debate_threshold],
        "reviews": Review.objects.filter(proposal_id=proposal_id).count(),
        "review_started_at": proposal.review_started_at.isoformat() if proposal.review_started_at else None,
        "promoted_at": proposal.promoted_at.isoformat() if proposal.promoted_at else None,
        "debate_id": proposal.debate_id,
        # A second promotion would make a second debate even if its link were lost: count
        # the agency's debates by the proposal's (unique) title, and those made since it.
        "debates_with_title": Debate.objects.filter(agency_id=proposal.agency_id, title=proposal.title).count(),
        "debates_created_since": Debate.objects.filter(
            agency_id=proposal.agency_id, created_at__gte=proposal.created_at
        ).count(),
        "audit_review_started": audit.get("proposal.review_started", 0),
        "audit_promoted": audit.get("proposal.promoted", 0),
    }
    if with_ids:
        result["citizen_ids"] = sorted(supports.values_list("citizen_id", flat=True))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m load_tests.prepare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--voters", type=int, default=0, help="voter accounts with a session each")
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    parser.add_argument(
        "--closes-in",
        type=float,
        default=86400.0,
        help="the debate closes this many seconds from now (default: a day)",
    )
    parser.add_argument("--agency-slug", default="bench")
    parser.add_argument("--verify", type=int, metavar="DEBATE_ID", help="print the debate's ballots")
    parser.add_argument(
        "--ids", action="store_true", help="with --verify: list the ballot ids (proposal: supporters) too"
    )
    parser.add_argument(
        "--proposal",
        action="store_true",
        help="make a proposal on the bench agency instead of a debate (the threshold scenario)",
    )
    parser.add_argument("--answer-threshold", type=int, default=50, help="with --proposal: the agency's")
    parser.add_argument("--debate-threshold", type=int, default=500, help="with --proposal: the agency's")
    parser.add_argument(
        "--verify-proposal",
        type=int,
        metavar="PROPOSAL_ID",
        help="print the proposal's supports, reviews, promoted debates and milestones",
    )
    args = parser.parse_args(argv)
    _setup()
    started = time.perf_counter()
    if args.verify is not None:
        result = verify(args.verify, with_ids=args.ids)
    elif args.verify_proposal is not None:
        result = verify_proposal(args.verify_proposal, with_ids=args.ids)
    elif args.proposal:
        result = prepare_proposal(
            voters=args.voters,
            answer_threshold=args.answer_threshold,
            debate_threshold=args.debate_threshold,
            agency_slug=args.agency_slug,
        )
        result["prepare_seconds"] = round(time.perf_counter() - started, 3)
    else:
        result = prepare(voters=args.voters, closes_in=args.closes_in, agency_slug=args.agency_slug)
        result["prepare_seconds"] = round(time.perf_counter() - started, 3)
    text = json.dumps(result)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
