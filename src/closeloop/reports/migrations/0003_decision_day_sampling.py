"""The rejection-rate roll-up counts decisions by whether the resolution they judged was sampled, and the
roll-ups of an existing desk are built (again) from its calls, history and closure decisions.

Any later change to the roll-up tables moves this build to its own, newest migration: `rebuild_rollups`
writes the tables as the code has them now."""

from django.db import migrations, models


def recount(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.reports.rollups import rebuild_rollups

    rebuild_rollups()


class Migration(migrations.Migration):

    dependencies = [
        ('partitions', '0010_desk_version'),
        ('reports', '0002_backfill_rollups'),
        ('calls', '0011_call_sampling_decision'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='decisionday',
            name='decisionday_key',
        ),
        migrations.AddField(
            model_name='decisionday',
            name='sampling',
            field=models.CharField(choices=[('sampled', 'sampled (validated by the closure target)'), ('unsampled', "not sampled (closed on the contact's word)"), ('no_policy', 'resolved under no sampling policy')], default='no_policy', help_text='Whether the resolution it judged was sampled (ClosureDecision.sampled)', max_length=12),
        ),
        migrations.AddConstraint(
            model_name='decisionday',
            constraint=models.UniqueConstraint(fields=('partition', 'day', 'outcome', 'first_decision', 'resolver_key', 'resolver_group_key', 'call_type', 'category_key', 'sampling'), name='decisionday_key'),
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
