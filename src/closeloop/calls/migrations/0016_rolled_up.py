"""Events and closure decisions say whether the reports' daily roll-ups count them yet: the roll-ups are folded
in after the change (by the worker, and before a report reads them) instead of in the change's transaction.
Every row already there was counted when it was written, so it is added as counted; new rows are not."""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):

    dependencies = [("calls", "0015_outstanding_queue_indexes")]

    operations = [
        migrations.AddField("callevent", "rolled_up", models.BooleanField(default=True)),
        migrations.AlterField("callevent", "rolled_up", models.BooleanField(default=False, db_default=False)),
        migrations.AddField("closuredecision", "rolled_up", models.BooleanField(default=True)),
        migrations.AlterField("closuredecision", "rolled_up", models.BooleanField(default=False, db_default=False)),
        migrations.AddIndex("callevent", models.Index(fields=["id"], name="callevent_not_rolled_up",
                                                      condition=Q(rolled_up=False))),
        migrations.AddIndex("closuredecision", models.Index(fields=["id"], name="decision_not_rolled_up",
                                                            condition=Q(rolled_up=False))),
    ]
