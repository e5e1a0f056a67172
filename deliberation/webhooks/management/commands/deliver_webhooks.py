import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from deliberation.webhooks.worker import deliver_due

logger = logging.getLogger("deliberation.webhooks")


class Command(BaseCommand):
    help = ("The Procfile's webhooks process: send due webhook deliveries (outbox rows) every "
            "--interval seconds until stopped; --once sends one batch and exits.")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", type=int, default=50)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval, batch, once, **options):
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
            self.stdout.write(f"webhooks: sending due deliveries every {interval:g} s")
        while not stop.is_set():
            try:
                done = deliver_due(limit=batch)
            except Exception:  # the database may be restarting: log, and try again next time
                logger.exception("webhook delivery pass failed")
                done = {"sent": 0}
            if done["sent"]:
                self.stdout.write(f"webhooks: {done}")
            if once:
                break
            if done["sent"] < batch:  # a full batch means more are due: go on at once
                stop.wait(interval)
            close_old_connections()  # a connection the database dropped is not reused
