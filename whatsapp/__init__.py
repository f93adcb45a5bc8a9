"""The WhatsApp channel: members reached one-to-one through the WhatsApp Cloud API (pywa).

A second renderer of the same deliveries as Telegram's dispatcher, a webhook that reads what
members tap and write, and the rules of the channel (the 24-hour window, templates, limits).
Free of python-telegram-bot; off unless `[whatsapp]` is configured.

Outbound: `client` (pywa_async against `[whatsapp] graph_url`), `render` (a delivery as
WhatsApp messages), `templates` (the doorbell, declared here, and what Meta says of it),
`dispatcher` (the outbox loop), `statuses` (status webhooks). Inbound: `webhook`, `inbound`.
The running outbox is `ctx.whatsapp` (domain.context; a `dispatcher.WaDispatcher`, None when
the channel is off): `ctx.whatsapp.wake()` after a member's message opened their window.
"""
