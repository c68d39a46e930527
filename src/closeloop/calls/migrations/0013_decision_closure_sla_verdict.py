"""Each closure decision records the call's priority and its closure SLA verdict (met, breached, or none
without a target), judged when it is made on the targets and calendar of that moment.

An existing desk's decisions get the priority their call has now and a verdict on the targets and calendar
in force now: there is no record of earlier ones. The historical models are read, so later changes to the
models cannot break this step. The breached decisions are indexed by time and by closer for the Closure SLA
report's first breached calls of each row."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 5000


def record_verdicts(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.partitions.closure_sla import policy_from_rows

    decision = apps.get_model("calls", "ClosureDecision")
    call = apps.get_model("calls", "Call")
    decision.objects.update(priority=Subquery(call.objects.filter(pk=OuterRef("call_id")).values("priority")[:1]))
    calendars = {row.partition_id: row for row in apps.get_model("partitions", "PartitionCalendar").objects.all()}
    for targets in apps.get_model("partitions", "ClosureSlaTargets").objects.all():
        policy = policy_from_rows(targets, calendars.get(targets.partition_id))
        if not policy.active:
            continue
        judged: dict[bool, list[int]] = {True: [], False: []}
        rows = decision.objects.filter(partition_id=targets.partition_id, priority__in=list(policy.targets)).values_list(
            "id", "priority", "resolved_at", "decided_at").order_by()
        for pk, priority, resolved_at, decided_at in rows.iterator(chunk_size=BATCH):
            met = policy.met(priority, resolved_at, decided_at)
            if met is not None:
                judged[met].append(pk)
        for met, ids in judged.items():
            for start in range(0, len(ids), BATCH):
                decision.objects.filter(pk__in=ids[start:start + BATCH]).update(closure_sla_met=met)


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0012_decision_resolver_time'),
        ('partitions', '0010_desk_version'),
    ]

    operations = [
        migrations.AddField(
            model_name='closuredecision',
            name='closure_sla_met',
            field=models.BooleanField(blank=True, help_text='The decision came within the closure SLA target of its priority (met), or after it (breached); empty: no target for its priority then', null=True),
        ),
        migrations.AddField(
            model_name='closuredecision',
            name='priority',
            field=models.PositiveSmallIntegerField(default=3, help_text="The call's priority when it was decided"),
            preserve_default=False,
        ),
        migrations.RunPython(record_verdicts, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='closuredecision',
            index=models.Index(condition=models.Q(('closure_sla_met', False)), fields=['partition', 'decided_at'], name='decision_breached_time'),
        ),
        migrations.AddIndex(
            model_name='closuredecision',
            index=models.Index(condition=models.Q(('closure_sla_met', False)), fields=['partition', 'decided_by', 'decided_at'], name='decision_breached_closer'),
        ),
    ]
