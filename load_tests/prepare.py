"""Bench data, in bulk: an agency, an open pro/con debate, voters and their logged-in sessions.

    python -m load_tests.prepare --voters M --out FILE [--closes-in SECONDS]
    python -m load_tests.prepare --verify DEBATE_ID [--ids]

Runs with the server's environment (DATABASE_URL, SECRET_KEY: the session hash and the
session signature depend on it). Voter accounts `bench-voter-<n>` are reused when they exist;
every run makes a new debate and new sessions. `--verify` prints the ballots of a debate as
JSON, for the check after a run."""

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


def prepare(*, voters: int, closes_in: float, agency_slug: str = "bench") -> dict:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from deliberation.accounts.models import User
    from deliberation.agencies.models import Agency
    from deliberation.agencies.services import register_agency
    from deliberation.debates.services import create_pro_con_debate

    agency = Agency.objects.filter(slug=agency_slug).first()
    if agency is None:
        agency = register_agency(name="Bench agency (load tests)", slug=agency_slug)

    now = timezone.now()
    closes_at = now + timedelta(seconds=closes_in)
    debate = create_pro_con_debate(
        agency=agency,
        title=f"Bench debate {now:%Y-%m-%d %H:%M:%S}",
        opens_at=now - timedelta(hours=1),
        closes_at=closes_at,
    )

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
    keys, rows = [], []
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
        rows.append(Session(session_key=key, session_data=data, expire_date=expire))
    Session.objects.bulk_create(rows, batch_size=BATCH)

    return {
        "agency_slug": agency.slug,
        "debate_id": debate.id,
        "options": [{"id": o.id, "kind": o.kind, "label": o.label} for o in debate.options.all()],
        "sessions": keys,
        "closes_at_ms": int(closes_at.timestamp() * 1000),
        "settings": {
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1],
            "REALTIME_TICK_SECONDS": getattr(settings, "REALTIME_TICK_SECONDS", None),
            "REALTIME_MODE": getattr(settings, "REALTIME_MODE", None),
        },
    }


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
    parser.add_argument("--ids", action="store_true", help="with --verify: list the ballot ids too")
    args = parser.parse_args(argv)
    _setup()
    started = time.perf_counter()
    if args.verify is not None:
        result = verify(args.verify, with_ids=args.ids)
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
