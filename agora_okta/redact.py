"""Keeps secret values out of every log line, the okta SDK's included.

The okta SDK logs each request, headers and all, at DEBUG
(``okta/http_client.py``: ``Request: {request}``), so a debug run would
print the API token. Every secret the tool resolves is remembered here, and
the log handler's filter replaces it before anything is written.
"""

from __future__ import annotations

import logging

_secrets: set[str] = set()
MASK = "********"


def remember(value: str) -> str:
    """Note ``value`` as a secret (returned unchanged, for chaining)."""
    if len(value) >= 4:
        _secrets.add(value)
    return value


def scrub(text: str) -> str:
    # Longest first, so that a secret containing another is masked whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with every known secret masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and record.exc_text is None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = scrub(message)
        record.args = ()
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
