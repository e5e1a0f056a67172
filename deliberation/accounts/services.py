from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from .models import User


@transaction.atomic
def register_citizen(*, username: str, email: str, password: str, display_name: str = "") -> User:
    user = User(username=username, email=email, display_name=display_name)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user
