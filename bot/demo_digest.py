"""The monthly digest scene of `bondgenoten demo` (added to `bot.demo.SCENES`, last): the clock
jumps to the digest's moment and Carla, the coordinator, gets her digest across the networks with
its one chart, which the demo saves beside the /stats pictures."""

from __future__ import annotations

from bot import services
from bot.demo_cast import Cast, settle, until
from bot.demo_health import PICTURES
from domain import digest


async def the_monthly_digest(cast: Cast) -> None:
    """On the first of the month at nine (`[digest] day` and `hour`), every coordinator who has
    it on gets one message about all networks: those that have not met for a while, members
    who answered nothing, actions past their date, alerts and signals still open, and from when
    it counts. One chart shows per network what needs attention. The demo jumps the clock to
    that moment and saves the chart."""
    svc = services.of(cast.app)
    assert cast.app.job_queue is not None
    # The demo's clock skipped past the month's moment the scheduler had planned (its own clock
    # runs in real time): one look now plans the coming one from the demo's "now".
    for job in cast.app.job_queue.jobs():
        if job.name == digest.JOB:
            await job.run(cast.app)
    chat = cast.carla.private_chat
    start = len(chat.messages)
    moment = digest.next_month(svc, svc.clock.now())
    local = moment.astimezone(svc.settings.bot.tz)
    await until(cast, moment, f"to {local:%d %B %Y, %H:%M}: the digest's moment", digest.JOB)
    await settle(cast)
    photos = [m for m in chat.messages[start:] if m.photo is not None and m.file is not None]
    if not photos:
        cast.say("  🖼 This month's digest has no chart: the message says all there is.")
        return
    folder = PICTURES.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "digest-carla.png"
    path.write_bytes(photos[-1].file or b"")
    cast.say(f"  🖼 The chart in Carla's digest is saved; open it on this computer:\n  {path}")
