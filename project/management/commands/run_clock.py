import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from deliberation.clock import sweep

logger = logging.getLogger("deliberation.clock")


class Command(BaseCommand):
    help = "The Procfile's clock process: run the sweep every --interval seconds until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args, interval, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"clock: sweeping every {interval:g} s")
        while not stop.is_set():
            close_old_connections()
            try:
                done = sweep()
            except Exception:  # the database may be restarting: log, and try again next time
                logger.exception("clock sweep failed")
            else:
                if any(done.values()):
                    self.stdout.write(f"clock: {done}")
            stop.wait(interval)
