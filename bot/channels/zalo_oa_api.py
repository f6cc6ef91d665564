"""The Zalo Official Account Open API over httpx: what the OA channel calls, and nothing else.

Shapes as Zalo documents them (see README "Zalo Official Account" for what is verified):
every call carries the access token in a bare ``access_token`` header; answers are
``{"error": 0, "message": "Success", "data": {...}}`` and an error arrives with HTTP 200 and a
non-zero ``error``. Messages go to ``POST /v3.0/oa/message/cs`` (consultation: within the
messaging window) and ``POST /v3.0/oa/message/template`` (a registered ZNS template by user id,
outside it); images and files are uploaded first (``/v2.0/oa/upload/image`` → attachment id,
``/v2.0/oa/upload/file`` → token). Tokens come from ``POST /v4/oa/access_token`` on the OAuth
host, form-encoded with the app secret in a ``secret_key`` header; a refresh answers a new
access token (``expires_in`` seconds, as a string) and a new refresh token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

# network errors after which the request surely did not reach Zalo (any other may have)
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)

# the access token was refused: refresh it and try once more
TOKEN_REFUSED = frozenset({-216, -220, -124})


class OaError(Exception):
    """An answer with a non-zero ``error`` (or an HTTP error: then `http` is its status)."""

    def __init__(self, code: int, message: str, http: int | None = None) -> None:
        super().__init__(f"{code} {message}"[:200])
        self.code = code
        self.message = message
        self.http = http


class RefreshRefused(Exception):
    """The OAuth server would not exchange the refresh token (spent, expired or revoked: an OA
    admin must grant the app again). The text names the error, never a token."""


@dataclass(frozen=True)
class Grant:
    """What a refresh answered: the new access token, its life in seconds, the new refresh token."""

    access_token: str
    expires_in: int
    refresh_token: str


class OaApi:
    """`await api.call("POST", "/v3.0/oa/message/cs", token, json={...})` → the `data`."""

    def __init__(
        self,
        api_base: str,
        oauth_base: str,
        app_id: str,
        app_secret: str,
        client: httpx.AsyncClient | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        self.app_id = app_id
        self._app_secret = app_secret
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0))
        )

    async def call(
        self,
        method: str,
        path: str,
        token: str,
        json: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """Calls the Open API; raises OaError on an error answer, httpx errors on the network."""
        response = await self.client.request(
            method, self.api_base + path, headers={"access_token": token}, json=json, files=files
        )
        return _data(response)

    async def refresh(self, refresh_token: str) -> Grant:
        """Spends the refresh token for a new pair. Raises RefreshRefused when the OAuth server
        refuses it, httpx errors when it could not be asked (then the token is not spent)."""
        response = await self.client.post(
            f"{self.oauth_base}/v4/oa/access_token",
            headers={"secret_key": self._app_secret},
            data={
                "refresh_token": refresh_token,
                "app_id": self.app_id,
                "grant_type": "refresh_token",
            },
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise httpx.HTTPStatusError(
                f"OAuth server answered {response.status_code}",
                request=response.request,
                response=response,
            )
        try:
            body = response.json()
        except ValueError:
            # Zalo answers a refresh token already spent with an empty body
            raise RefreshRefused(f"HTTP {response.status_code}, no JSON answer") from None
        if not isinstance(body, dict):
            raise RefreshRefused("unexpected answer")
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not access or not refresh:
            code = body.get("error")
            name = str(body.get("error_name") or body.get("error_description") or "")[:100]
            raise RefreshRefused(f"{code} {name}".strip())
        try:
            seconds = int(str(body.get("expires_in") or "0"))
        except ValueError:
            seconds = 0
        return Grant(str(access), seconds, str(refresh))

    async def close(self) -> None:
        await self.client.aclose()


def _data(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise OaError(
            response.status_code, response.text[:100], http=response.status_code
        ) from None
    if response.status_code != 200 or not isinstance(body, dict):
        message = str(body.get("message") if isinstance(body, dict) else "")[:100]
        raise OaError(response.status_code, message, http=response.status_code)
    code = body.get("error", 0)
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = -1
    if code != 0:
        raise OaError(code, str(body.get("message") or ""))
    data = body.get("data")
    return data if isinstance(data, dict) else {}
