from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError


class WebhookErrorCode(StrEnum):
    UNSAFE_TARGET = "unsafe_target"
    INVALID_ENDPOINT = "invalid_endpoint"
    ENDPOINT_DISABLED = "endpoint_disabled"


class UnsafeTarget(DomainError):
    """The URL is not https, or its host is (or resolves to) an address inside a private
    network: loopback, private, link-local, multicast, reserved or unspecified."""

    code = WebhookErrorCode.UNSAFE_TARGET
    message = _("This address cannot receive webhooks.")


class InvalidEndpoint(DomainError):
    """Field problems, as {field: [messages]} in `errors`."""

    code = WebhookErrorCode.INVALID_ENDPOINT
    message = _("Check the endpoint's fields.")

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__()


class EndpointDisabled(DomainError):
    code = WebhookErrorCode.ENDPOINT_DISABLED
    message = _("Enable the endpoint before sending a delivery again.")
    http_status = 409
