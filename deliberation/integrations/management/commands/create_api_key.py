"""Creates an agency's API key from the command line (operators, deploy scripts, tests that
run real servers); agency admins use manage/integrations/. Prints the token once."""

from django.core.management.base import BaseCommand, CommandError

from deliberation.agencies.models import Agency
from deliberation.errors import DomainError
from deliberation.integrations.models import Scope
from deliberation.integrations.services import create_api_key


class Command(BaseCommand):
    help = "Create an API key for an agency and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="the agency's slug (seoul for the city)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--platform", required=True, help="the partner platform's name, shown as 'via …'")
        parser.add_argument("--scopes", default=",".join(Scope.values), help="comma-separated; default: all")

    def handle(self, *args, agency, name, platform, scopes, **options):
        try:
            site = Agency.objects.get(slug=agency)
        except Agency.DoesNotExist:
            raise CommandError(f"no agency {agency!r}") from None
        try:
            _, token = create_api_key(agency=site, actor=None, name=name, platform_name=platform,
                                      scopes=[s.strip() for s in scopes.split(",") if s.strip()])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(token)
