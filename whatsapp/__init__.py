"""The WhatsApp channel: members reached one-to-one through the WhatsApp Cloud API (pywa).

A second renderer of the same deliveries as Telegram's dispatcher, a webhook that reads what
members tap and write, and the rules of the channel (the 24-hour window, templates, limits).
Free of python-telegram-bot; off unless `[whatsapp]` is configured.
"""
