"""The Closure SLA report's roll-up: verdicts met and breached per day, as each decision recorded it; and the
roll-ups of an existing desk are built (again) from its calls, history and closure decisions, after
`calls/0013` recorded the decisions' verdicts.

Any later change to the roll-up tables moves this build to its own, newest migration: `rebuild_rollups`
writes the tables as the code has them now."""

import django.db.models.deletion
from django.db import migrations, models


def recount(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.reports.rollups import rebuild_rollups

    rebuild_rollups()


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0013_decision_closure_sla_verdict'),
        ('partitions', '0010_desk_version'),
        ('reports', '0003_decision_day_sampling'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClosureSlaDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('closure_group_key', models.IntegerField(help_text='For a close, the group the call waited for; 0 for none, and for a rejection or a refusal')),
                ('closer_key', models.IntegerField(help_text='Who decided, 0 for nobody (the contact, Call Auto Close, the system: the outcome tells which)')),
                ('priority', models.PositiveSmallIntegerField()),
                ('outcome', models.CharField(choices=[('closed_first_time', 'Closed first time'), ('closed_after_rejection', 'Closed after rejection'), ('rejected', 'Rejected'), ('refused_by_user', 'Refused by the contact'), ('auto_closed', 'Auto-closed')], max_length=30)),
                ('met', models.BooleanField()),
                ('verdicts', models.IntegerField(default=0)),
                ('partition', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='partitions.partition')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('partition', 'day', 'closure_group_key', 'closer_key', 'priority', 'outcome', 'met'), name='closuresladay_key')],
            },
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
