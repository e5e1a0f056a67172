from django.db.models import QuerySet

from deliberation.agencies.models import Agency

from .models import ApiKey


def keys_of_agency(agency: Agency) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(agency=agency).select_related("created_by", "revoked_by")
