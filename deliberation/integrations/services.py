"""Writes of the integrations app: API keys (created by an agency admin, shown once, revoked at
once) and the agency's partner account. Every key change is audited in its transaction."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from deliberation.accounts.models import User
from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_administer
from deliberation.audit.services import record
from deliberation.errors import NotFound, PermissionDenied
from deliberation.text import single_line

from .errors import InvalidKeyForm
from .models import ApiKey, PartnerAccount, Scope

TOKEN_PREFIX = "dsk"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, agency: Agency, actor, name: str, platform_name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key for the agency; returns it with the full token, which is never stored and so
    can be shown only now. `actor` None is the operator's command line (manage.py)."""
    if actor is not None and not can_administer(actor, agency):
        raise PermissionDenied()
    name, platform_name = single_line(name or "")[:100], single_line(platform_name or "")[:100]
    scopes = sorted(set(scopes))
    if not name or not platform_name or not scopes or not set(scopes) <= set(Scope.values):
        raise InvalidKeyForm()
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        agency=agency, name=name, platform_name=platform_name, prefix=prefix,
        secret_hash=hash_secret(secret), scopes=scopes, created_by=actor,
    )
    record(agency=agency, actor=actor, action="api_key.created", target=key,
           after={"name": name, "platform_name": platform_name, "prefix": prefix, "scopes": scopes})
    return key, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def revoke_api_key(*, agency: Agency, actor, key_id: int) -> ApiKey:
    """Takes effect at the next request: every request looks the key up again."""
    if not can_administer(actor, agency):
        raise PermissionDenied()
    try:
        key = ApiKey.objects.select_for_update().get(pk=key_id, agency=agency)
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = timezone.now(), actor
        key.save(update_fields=["revoked_at", "revoked_by"])
        record(agency=agency, actor=actor, action="api_key.revoked", target=key,
               before={"revoked_at": None}, after={"revoked_at": key.revoked_at.isoformat()})
    return key


def key_for_token(token: str) -> ApiKey | None:
    """The active key a bearer token names, or None. One indexed lookup by the prefix, then a
    constant-time comparison of the secret's hash; no cache, so a revocation counts at once."""
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or len(parts[1]) > 16 or "\x00" in token:
        return None
    key = ApiKey.objects.select_related("agency").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(parts[2])):
        return None
    return key


def partner_author(agency: Agency) -> User:
    """The agency's partner account (made on first use): the author of record of what its
    platform files. Inactive with no usable password, so nobody can log in as it; its
    username is random so that no citizen's account can ever be taken for it."""
    account = PartnerAccount.objects.select_related("user").filter(agency=agency).first()
    if account is not None:
        return account.user
    with transaction.atomic():
        user = User(username=f"partner-{agency.pk}-{secrets.token_hex(4)}",
                    display_name=f"{agency.name} API"[:50], is_active=False)
        user.set_unusable_password()
        user.save()
        account, created = PartnerAccount.objects.get_or_create(agency=agency, defaults={"user": user})
        if not created:
            user.delete()
    return account.user
