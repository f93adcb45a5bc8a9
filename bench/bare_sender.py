"""A bare python-telegram-bot sender: the baseline of the `paid` bench.

`python -m bench.bare_sender JOB.json` starts an application the way python-telegram-bot's
documentation does (`ApplicationBuilder`, its default connection pool), prints `ready`, waits
for `go` on stdin, then sends one message to each chat of the job, `in_flight` at once, with
`allow_paid_broadcast` when the job says so: the library's `send_message`, nothing of ours. A
429 is waited out and tried again. It prints `done` and ends.

The job: {"base_url", "token", "text", "paid", "in_flight", "chats": [[chat_id, buttons], ...]}
(`buttons`: whether the copy carries an inline keyboard, as the alert's private copies do).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter
from telegram.ext import ApplicationBuilder

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("✅ Seen", callback_data="bare:ack"),
            InlineKeyboardButton("💬 Reply", callback_data="bare:reply"),
        ],
        [InlineKeyboardButton("📞 Call me", callback_data="bare:call")],
    ]
)


async def main(job: dict[str, Any]) -> None:
    application = (
        ApplicationBuilder().token(job["token"]).base_url(f"{job['base_url']}/bot").build()
    )
    async with application:
        bot = application.bot
        places = asyncio.Semaphore(int(job["in_flight"]))

        async def send(chat_id: int, buttons: bool) -> None:
            async with places:
                while True:
                    try:
                        await bot.send_message(
                            chat_id,
                            job["text"],
                            reply_markup=KEYBOARD if buttons else None,
                            allow_paid_broadcast=bool(job["paid"]) or None,
                        )
                        return
                    except RetryAfter as exc:
                        await asyncio.sleep(exc._retry_after.total_seconds())

        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.gather(*(send(chat_id, buttons) for chat_id, buttons in job["chats"]))
        print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text())))
