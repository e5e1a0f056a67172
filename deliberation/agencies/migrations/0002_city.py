"""The city (서울시) is the root site and exists after migrate."""

from django.db import migrations


def create_city(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    Agency.objects.get_or_create(
        is_city=True,
        defaults={"slug": "seoul", "name": "서울시", "primary_colour": "#1d4ed8",
                  "banner_text": "시민의 제안이 서울의 정책이 됩니다"},
    )


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(create_city, migrations.RunPython.noop)]
