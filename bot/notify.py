"""Gone: private notices are outbox deliveries now (`domain.notify.tell`).

Kept only until the meeting handlers at HEAD import `language_of` from `domain.notify`; then
this module is deleted.
"""

from __future__ import annotations

from domain.notify import language_of

__all__ = ["language_of"]
