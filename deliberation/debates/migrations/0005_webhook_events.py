from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def mark_past_transitions(apps, schema_editor):
    """Debates that opened or closed before events existed are not announced late: the first
    sweep after this migration must not send a burst of stale 'opened'/'closed' events."""
    Debate = apps.get_model("debates", "Debate")
    now = timezone.now()
    Debate.objects.filter(opens_at__lte=now).update(opened_event_at=F("opens_at"))
    Debate.objects.filter(closes_at__lte=now).update(closed_event_at=F("closes_at"))


class Migration(migrations.Migration):
    dependencies = [("debates", "0004_moderation")]

    operations = [
        migrations.AddField(
            model_name="debate", name="closed_event_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="debate", name="opened_event_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="debate",
            index=models.Index(fields=["opens_at"], name="debate_open_event_due",
                               condition=models.Q(opened_event_at__isnull=True)),
        ),
        migrations.AddIndex(
            model_name="debate",
            index=models.Index(fields=["closes_at"], name="debate_close_event_due",
                               condition=models.Q(closed_event_at__isnull=True)),
        ),
        migrations.RunPython(mark_past_transitions, migrations.RunPython.noop),
    ]
