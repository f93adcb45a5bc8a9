"""The domain: the rules and use cases of a network's life, free of python-telegram-bot.

They speak to the world through two ports (`domain.ports`): an outbox that takes plain messages
(text and buttons as data) for a person or a group at a priority, and a scheduler that runs a
named step at a moment. The Telegram side (`bot/`, `handlers/`) renders and adapts them.
"""
