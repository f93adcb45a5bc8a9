"""The scheduler port over python-telegram-bot's JobQueue: "run this step for that id then"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import ContextTypes, JobQueue

from bot.clock import Clock
from domain.ports import Step


class JobScheduler:
    """Named one-off jobs; a name already planned is not planned twice."""

    def __init__(self, job_queue: JobQueue[Any], clock: Clock) -> None:
        self.job_queue = job_queue
        self.clock = clock

    def at(self, name: str, when: datetime, step: Step, data: int) -> None:
        if self.planned(name):
            return
        delay = max(0.0, (when - self.clock.now()).total_seconds())
        self.job_queue.run_once(_run, when=delay, data=(step, data), name=name)

    def planned(self, name: str) -> bool:
        return bool(self.job_queue.get_jobs_by_name(name))

    def cancel(self, name: str) -> None:
        for job in self.job_queue.get_jobs_by_name(name):
            job.schedule_removal()


async def _run(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    step: Step
    data: int
    step, data = context.job.data  # type: ignore[misc]
    await step(data)
