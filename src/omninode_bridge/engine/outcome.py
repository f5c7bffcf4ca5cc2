"""Typed request outcomes. A failed request is a value, counted per kind, never raised."""

from __future__ import annotations

import enum


class ErrorKind(enum.IntEnum):
    """Why a request did not end with a response (or ended with an error status)."""

    CONNECT = 1  # connection refused / unreachable / TLS handshake failed
    TIMEOUT = 2  # no complete response within the request timeout
    RESET = 3  # the peer closed or reset the connection mid-request
    PROTOCOL = 4  # malformed response (bad status line, bad framing)
    HTTP_STATUS = 5  # a response with status >= 400
    DROPPED = 6  # no connection slot became free in time; never sent
    BODY_TOO_LARGE = 7  # response body above the configured limit; connection cut

    @property
    def label(self) -> str:
        return self.name.lower()


ERROR_KIND_COUNT = max(int(k) for k in ErrorKind) + 1
