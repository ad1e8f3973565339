import datetime

from apps.runs import listcache
from apps.runs.models import Run


def bulk_runs(user_id, count, *, start=datetime.datetime(2026, 1, 1, 7, tzinfo=datetime.UTC)):
    """Many runs at once, straight into the table: for query-count tests, where only their number matters."""
    Run.objects.bulk_create(
        Run(
            user_id=user_id,
            source="manual",
            name=f"Run {i}",
            start=start + datetime.timedelta(hours=i),
            timezone="UTC",
            local_date=(start + datetime.timedelta(hours=i)).date(),
            elapsed_s=1500,
            moving_s=1500,
            distance_m=5000,
        )
        for i in range(count)
    )
    listcache.forget_lists(user_id)  # written behind the service's back: drop its cached pages as it would
