"""Signing out ends every session of the analyst (sessions are signed cookies)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="analyst",
            name="session_epoch",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
