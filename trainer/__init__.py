"""`bondgenoten try`: a training ground in the browser.

The real bot runs against the built-in sandbox (no token, no network), and a local web page shows
several people's chats side by side: type, press buttons, answer polls, share a contact or a
location, join the group; move the clock; play the demo's scenes as scenarios. Beside Wim's
phone is his WhatsApp, against the WhatsApp sandbox on the same clock (`trainer.wa_view`
draws it, `trainer.wa_steps` plays his move to it). Loopback only.

`trainer.world` holds one simulated world (sandbox, people, bot) and replaces it on reset;
`trainer.scenarios` the scenarios built from the demo's scenes; `trainer.view` what a phone
shows (the bot's HTML rebuilt from Telegram's entities, escaped); `trainer.server` the page and
its JSON endpoints (aiohttp).
"""
