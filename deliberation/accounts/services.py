import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError

from .models import User

# Relations whose rows are about the person rather than their part in a deliberation: they go
# with the account (staff roles; e-mail addresses and social logins of django-allauth if it is
# installed). Every other row that points at the account is handed to the placeholder.
PERSONAL = {("agencies", "membership")}
PERSONAL_APPS = {"account", "socialaccount", "mfa", "usersessions"}


class AccountError(DomainError):
    message = _("The account was not deleted.")


@transaction.atomic
def register_citizen(*, username: str, email: str, password: str, display_name: str = "") -> User:
    user = User(username=username, email=email, display_name=display_name)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def _relations_to_users():
    """Every relation that points at an account, hidden ones (related_name="+") included,
    except the personal ones and the account's own group and permission links."""
    for field in User._meta.get_fields(include_hidden=True):
        if not (field.auto_created and not field.concrete):
            continue  # only reverse relations
        meta = field.related_model._meta
        if meta.auto_created:
            continue  # User.groups / User.user_permissions: go with the account
        if (meta.app_label, meta.model_name) in PERSONAL or meta.app_label in PERSONAL_APPS:
            continue
        yield field


def _repoint(relation, user: User, placeholder: User) -> None:
    model = relation.related_model
    if relation.many_to_many:
        through = relation.through
        if not through._meta.auto_created:
            return  # an explicit through model is a relation of its own, handled there
        column = next(f.name for f in through._meta.fields
                      if f.is_relation and f.related_model is User)
        through.objects.filter(**{column: user}).update(**{column: placeholder})
        return
    model._base_manager.filter(**{relation.field.name: user}).update(**{relation.field.name: placeholder})


@transaction.atomic
def delete_account(*, user: User, password: str) -> User:
    """A citizen deletes their account. Their ballots, supports, opinions, comments and
    proposals stay, so every tally and count is unchanged, but they now belong to a fresh
    placeholder account made for this deletion alone: no name, no e-mail, no password, shown
    as "deleted user". The placeholder holds exactly the rows of one former account, so the
    one-ballot and one-support constraints still hold. Staff roles are dropped; the account
    row itself is deleted. Returns the placeholder."""
    if not user.check_password(password or ""):
        raise AccountError(_("The password is not right."))
    if user.is_platform_admin:
        raise AccountError(_("A platform admin's account cannot be deleted here; hand the role over first."))
    user = User.objects.select_for_update().get(pk=user.pk)
    placeholder = User(username=f"deleted-{secrets.token_hex(8)}", is_active=False, deleted_at=timezone.now())
    placeholder.set_unusable_password()
    placeholder.save()
    for relation in _relations_to_users():
        _repoint(relation, user, placeholder)
    user.delete()
    return placeholder
