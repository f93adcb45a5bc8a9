"""A local WhatsApp Cloud API (Graph API) as strict as Meta's, for tests, the demo and the bench.

It validates every request against Meta's published OpenAPI description, enforces the 24-hour
window, template status, parameter counts, pair rate and throughput with the real error codes,
and sends signed webhooks. Imports nothing of the bot's.
"""
