"""The open API (오픈API) for partner platforms: per-agency API keys, idempotent writes, rate
limits, and the REST API itself (`api/`, django-ninja, mounted at /api/v1/)."""
