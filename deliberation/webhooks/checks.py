"""`manage.py check --deploy` refuses production settings that open webhooks to private
networks or plain http (deliberation/webhooks/targets.py)."""

from django.conf import settings
from django.core.checks import Error, register


@register("webhooks", deploy=True)
def webhook_targets_are_public(app_configs, **kwargs):
    errors = []
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False):
        errors.append(Error("WEBHOOKS_ALLOW_PRIVATE_TARGETS is on: webhooks could reach private networks.",
                            hint="It is for tests with a local receiver only.", id="webhooks.E001"))
    if getattr(settings, "WEBHOOKS_ALLOW_HTTP", False):
        errors.append(Error("WEBHOOKS_ALLOW_HTTP is on: webhook bodies would travel unencrypted.",
                            hint="It is for tests with a local receiver only.", id="webhooks.E002"))
    return errors
