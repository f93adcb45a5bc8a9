"""The scheduler port over python-telegram-bot's JobQueue: "run this step for that id then"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import ContextTypes, Job, JobQueue

from bot.clock import Clock
from domain.ports import Step


class JobScheduler:
    """Named one-off jobs; a name already planned is not planned twice.

    The names planned are kept in a dict of our own: `JobQueue.get_jobs_by_name` walks every
    job, and the minute sweeps ask for each meeting and incident, which made them quadratic.
    """

    def __init__(self, job_queue: JobQueue[Any], clock: Clock) -> None:
        self.job_queue = job_queue
        self.clock = clock
        self._planned: dict[str, Job[Any]] = {}

    def at(self, name: str, when: datetime, step: Step, data: int) -> None:
        if self.planned(name):
            return
        delay = max(0.0, (when - self.clock.now()).total_seconds())
        self._planned[name] = self.job_queue.run_once(
            _run, when=delay, data=(self, name, step, data), name=name
        )

    def planned(self, name: str) -> bool:
        job = self._planned.get(name)
        if job is None:
            return False
        if job.removed:  # removed past us (the application stopping)
            del self._planned[name]
            return False
        return True

    def cancel(self, name: str) -> None:
        job = self._planned.pop(name, None)
        if job is not None:
            job.schedule_removal()

    def _ran(self, name: str, job: Job[Any] | None) -> None:
        if job is not None and self._planned.get(name) is job:
            del self._planned[name]


async def _run(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    scheduler: JobScheduler
    name: str
    step: Step
    data: int
    scheduler, name, step, data = context.job.data  # type: ignore[misc]
    scheduler._ran(name, context.job)  # due now: the step may plan the next one under this name
    await step(data)
