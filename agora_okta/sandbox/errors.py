"""Okta's error answers: status, ``errorCode`` and the wording real Okta uses.

Summaries and causes are copied from real answers in the recordings where one
exists (``recordings/MANIFEST.tsv``), otherwise from ``error-codes.json``.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from typing import Any

_ERROR_ID_ALPHABET = string.ascii_letters + string.digits + "-_"


class OktaApiError(Exception):
    """An answer Okta gives with an error body instead of the resource."""

    def __init__(
        self, status: int, code: str, summary: str, causes: Iterable[str] = ()
    ) -> None:
        super().__init__(f"{status} {code} {summary}")
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = list(causes)

    def body(self) -> dict[str, Any]:
        """The JSON body, with a fresh ``errorId`` as Okta sends one per error."""
        error_id = "oae" + "".join(
            secrets.choice(_ERROR_ID_ALPHABET) for _ in range(22)
        )
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": error_id,
            "errorCauses": [{"errorSummary": cause} for cause in self.causes],
        }


def not_found(resource_id: str, kind: str) -> OktaApiError:
    """404 E0000007; kind is Okta's class name: AppInstance, User, UserGroup..."""
    return OktaApiError(
        404, "E0000007", f"Not found: Resource not found: {resource_id} ({kind})"
    )


def validation(field: str, *causes: str) -> OktaApiError:
    """400 E0000001, Okta's general "precondition violated" answer."""
    return OktaApiError(400, "E0000001", f"Api validation failed: {field}", causes)


def bad_body() -> OktaApiError:
    return OktaApiError(400, "E0000003", "The request body was not well-formed.")


def bad_cursor() -> OktaApiError:
    return OktaApiError(400, "E0000029", "Invalid paging request.", ["Invalid cursor."])


def bad_search(detail: str) -> OktaApiError:
    return OktaApiError(400, "E0000031", "Invalid search criteria.", [detail])


def search_and_filter() -> OktaApiError:
    return OktaApiError(
        400,
        "E0000033",
        "Bad request. Can't specify a search query and filter in the same request.",
    )


def invalid_token() -> OktaApiError:
    return OktaApiError(401, "E0000011", "Invalid token provided")


def rate_limited() -> OktaApiError:
    return OktaApiError(
        429, "E0000047", "API call exceeded rate limit due to too many requests."
    )


def delete_active_app() -> OktaApiError:
    return OktaApiError(
        403,
        "E0000056",
        "Delete application forbidden.",
        ["The application must be deactivated before deletion."],
    )


def method_not_allowed() -> OktaApiError:
    return OktaApiError(
        405, "E0000022", "The endpoint does not support the provided HTTP method"
    )


def server_error(status: int) -> OktaApiError:
    """The 5xx answers fault injection gives."""
    if status == 503:
        return OktaApiError(503, "E0000010", "Service is in read only mode")
    return OktaApiError(status, "E0000009", "Internal Server Error")


def provisioning_not_supported() -> OktaApiError:
    return validation("feature", "Provisioning is not supported.")
