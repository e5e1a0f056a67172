from django.core.management.base import BaseCommand

from deliberation.clock import sweep


class Command(BaseCommand):
    help = "Run the clock's sweep once: close expired proposal periods, tell debates opened and closed (idempotent)."

    def handle(self, *args, **options):
        for job, count in sweep().items():
            self.stdout.write(f"{job}: {count}")
