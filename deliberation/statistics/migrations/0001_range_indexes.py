"""Indexes for the date-range reads of the statistics pages, on other apps' tables.

The statistics app has no models; its pages range-scan supports by `created_at`, ballots by
`cast_at` and proposals by `created_at` / `closes_at` across every agency (the city's view),
which the owning apps' indexes (all led by `agency` or `debate`) do not serve. They are plain
single-column indexes, created CONCURRENTLY on PostgreSQL so a live table is not locked
against writes (hence a non-atomic migration). If the owning apps later declare the same
indexes in their models, drop these."""

from django.db import migrations

# Supports by `created_at`, ballots by `cast_at` and proposals by `created_at` are indexed by
# their own apps (the live dashboard needs them too); only the closing date is left here.
INDEXES = [
    # (index name, app label, model, column)
    ("stats_proposal_closes_idx", "proposals", "Proposal", "closes_at"),
]


def _concurrently(schema_editor) -> str:
    return "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, app_label, model, column in INDEXES:
        table = apps.get_model(app_label, model)._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX {_concurrently(schema_editor)}IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})"
        )


def drop(apps, schema_editor):
    for name, *_ in INDEXES:
        schema_editor.execute(f"DROP INDEX {_concurrently(schema_editor)}IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("proposals", "0003_dashboard_indexes"),
        ("debates", "0006_dashboard_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
