"""Send the Anthropic SDK's requests through an `httpx.AsyncClient`.

The Anthropic SDK (2.x) is built on `httpx2` and rejects `httpx` objects. The provider
contract takes an `httpx.AsyncClient` (shared connection pools, proxies, and respx in tests),
so `HttpxBridgeTransport` adapts one: an `httpx2` transport that forwards every request to the
`httpx` client and streams the answer back. `httpx` errors become the matching `httpx2` errors
so the SDK still reports timeouts and connection failures as such.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx
    import httpx2

__all__ = ["bridged_client"]


def bridged_client(client: httpx.AsyncClient) -> httpx2.AsyncClient:
    """An `httpx2.AsyncClient` whose requests are sent by `client` (an `httpx.AsyncClient`)."""
    import httpx
    import httpx2

    class HttpxBridgeTransport(httpx2.AsyncBaseTransport):
        """An `httpx2` transport that sends each request with an `httpx.AsyncClient`."""

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            """Forward `request` to the `httpx` client; stream its response back."""
            outgoing = client.build_request(
                request.method,
                str(request.url),
                headers=list(request.headers.multi_items()),
                content=await request.aread(),
                timeout=_timeout(request, httpx),
            )
            try:
                response = await client.send(outgoing, stream=True)
            except httpx.TimeoutException as exc:
                raise httpx2.TimeoutException(str(exc) or "timed out") from exc
            except httpx.HTTPError as exc:
                raise httpx2.ConnectError(str(exc) or type(exc).__name__) from exc
            return httpx2.Response(
                response.status_code,
                headers=list(response.headers.multi_items()),
                stream=_BridgedStream(response),
                request=request,
            )

    class _BridgedStream(httpx2.AsyncByteStream):
        def __init__(self, response: httpx.Response) -> None:
            self._response = response

        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                async for chunk in self._response.aiter_raw():
                    yield chunk
            except httpx.TimeoutException as exc:
                raise httpx2.ReadTimeout(str(exc) or "timed out") from exc
            except httpx.HTTPError as exc:
                raise httpx2.ReadError(str(exc) or type(exc).__name__) from exc

        async def aclose(self) -> None:
            await self._response.aclose()

    return httpx2.AsyncClient(transport=HttpxBridgeTransport())


def _timeout(request: httpx2.Request, httpx_module: Any) -> Any:
    """The `httpx.Timeout` for the timeouts the SDK put on `request`."""
    value = request.extensions.get("timeout")
    if isinstance(value, dict):
        return httpx_module.Timeout(**value)
    return httpx_module.USE_CLIENT_DEFAULT
