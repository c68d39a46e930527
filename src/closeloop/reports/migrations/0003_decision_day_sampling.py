"""The rejection-rate roll-up counts decisions by whether the resolution they judged was sampled.

The build of an existing desk's roll-ups now happens in 0004 (which also adds the Closure SLA roll-up and
reads the verdicts `calls/0013` records): `rebuild_rollups` writes the tables as the newest migration leaves
them, so it runs once, after the last of their changes."""

from django.db import migrations, models


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
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
