"""Idempotent writes: a retried request with the same `Idempotency-Key` (per API key) and the
same body gets the first reply again, and the work is done once.

The record is inserted before the work, in the same transaction: a concurrent retry's insert
waits on the unique constraint until the first commits (PostgreSQL; SQLite serializes writers)
and then replays the stored reply. A reply is stored whatever its status, except when the work
raised something unexpected (a 5xx), which rolls the record back with it."""

import hashlib
from datetime import timedelta
from typing import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from deliberation.errors import DomainError

from .errors import IdempotencyKeyReused
from .models import ApiKey, IdempotencyRecord

LIFETIME = timedelta(hours=24)


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body or b""):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def run_once(*, api_key: ApiKey, key: str | None, request_fingerprint: str,
             work: Callable[[], tuple[int, dict]]) -> tuple[int, dict, bool]:
    """Runs `work` (returning status and JSON body) once per (api key, key). Returns the
    status, the body and whether it is a replay. Domain errors become stored replies too."""
    if not key:
        return (*_as_reply(work), False)
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    api_key=api_key, key=key, fingerprint=request_fingerprint, created_at=now,
                    expires_at=now + LIFETIME)
        except IntegrityError:
            record = IdempotencyRecord.objects.select_for_update().get(api_key=api_key, key=key)
            if record.expires_at > now and record.status_code is not None:
                if record.fingerprint != request_fingerprint:
                    raise IdempotencyKeyReused() from None
                return record.status_code, record.body, True
            # Expired (not yet purged): the key is free again.
            record.fingerprint, record.created_at, record.expires_at = request_fingerprint, now, now + LIFETIME
        record.status_code, record.body = _as_reply(work)
        record.save()
        return record.status_code, record.body, False


def _as_reply(work) -> tuple[int, dict]:
    try:
        with transaction.atomic():
            return work()
    except DomainError as exc:
        return exc.http_status, {"error": exc.as_dict()}


def purge_expired(*, now=None) -> int:
    """The clock's sweep: forget replies older than their lifetime."""
    return IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()[0]
