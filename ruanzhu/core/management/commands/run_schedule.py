import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Run the periodic tasks of CELERY_BEAT_SCHEDULE in this process, at their intervals: the schedule of a "
        "portal that runs without Celery beat (make run), so that deadlines expire by themselves."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every task once and stop")
        parser.add_argument(
            "--tick", type=float, default=1.0, help="seconds between looks at the schedule (default 1)"
        )

    def handle(self, *args, once=False, tick=1.0, verbosity=1, **options):
        schedule = settings.CELERY_BEAT_SCHEDULE
        due = dict.fromkeys(schedule, 0.0)  # everything runs at start, as beat does after a restart
        while True:
            now = time.monotonic()
            for name, entry in schedule.items():
                if now >= due[name]:
                    self._run(name, entry["task"], report=once or verbosity > 1)
                    due[name] = now + float(entry["schedule"])
            if once:
                return
            time.sleep(tick)

    def _run(self, name: str, task_path: str, *, report: bool) -> None:
        try:
            result = import_string(task_path)()  # a Celery task called directly runs here, in this process
        except Exception as error:  # one failing run must not stop the schedule
            self.stderr.write(f"{name}: {type(error).__name__}: {error}")
        else:
            if report:
                self.stdout.write(f"{name}: {result}")
