"""`serve_app`: start a FastAgent app and serve its agents over MCP until told to stop.

The app's `Runtime` is opened once (config, models, MCP server connections with their client
callbacks, usage totals) and its agents built once to check them; every client session then
gets its own fresh set of agents built in that runtime (see `fastagent.serve.sessions`), so
all sessions share one connection, one process, per MCP server. When serving ends, however
it ends, the runtime closes, and with it every MCP server the agents used.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import anyio

    from fastagent.agents.agent_app import AgentApp
    from fastagent.agents.base import BaseAgent
    from fastagent.agents.fast_agent import FastAgent
    from fastagent.runtime import RunOptions, Runtime

__all__ = ["Transport", "serve_app"]

Transport = Literal["stdio", "http"]
"""How clients reach the server."""


async def serve_app(
    fast: FastAgent,
    *,
    options: RunOptions | None = None,
    config_path: str | Path | None = None,
    agents: Sequence[str] = (),
    transport: Transport = "stdio",
    host: str = "127.0.0.1",
    port: int = 8000,
    stop: anyio.Event | None = None,
    handle_signals: bool = True,
    on_ready: Callable[[str], object] | None = None,
) -> None:
    """Serve the agents of `fast` as MCP tools until `stop`, a signal, or end of stdin.

    Args:
        fast: The app; its config applies, its command-line ``--message`` does not.
        options: How to open the runtime; by default the model and quiet of the app's
            `run_options` (a script's ``--model``), without display, chat or elicitation
            (elicitation is declined: standard input may be the protocol).
        config_path: Load this config file instead of the app's own.
        agents: The agents to offer; all of them when empty.
        transport: ``stdio`` (one client) or ``http`` (streamable HTTP, many clients).
        host: HTTP: the address to listen on.
        port: HTTP: the port (0 picks a free one).
        stop: Set it to stop serving.
        handle_signals: Stop on SIGINT and SIGTERM (main thread only).
        on_ready: Called with a one-line description (the URL, for HTTP) once clients can
            connect.

    Raises:
        UnknownAgentError: A name in `agents` is not an agent of the app, or it has none.
        OSError: The HTTP address cannot be bound.
    """
    import anyio

    stop = stop if stop is not None else anyio.Event()
    guard = contextlib.ExitStack()
    if transport == "stdio":
        from fastagent.serve.stdout_guard import stdout_to_stderr

        # Building agents runs user code: keep its prints off the protocol stream.
        guard.enter_context(stdout_to_stderr())
    with guard:
        await _serve(
            fast,
            options,
            config_path,
            guard,
            agents,
            transport,
            host,
            port,
            stop,
            handle_signals,
            on_ready,
        )


async def _serve(
    fast: FastAgent,
    options: RunOptions | None,
    config_path: str | Path | None,
    guard: contextlib.ExitStack,
    agents: Sequence[str],
    transport: Transport,
    host: str,
    port: int,
    stop: anyio.Event,
    handle_signals: bool,
    on_ready: Callable[[str], object] | None,
) -> None:
    from fastagent._version import __version__
    from fastagent.serve.server import (
        build_server,
        http_session_key,
        served_agents,
        stdio_session_key,
    )
    from fastagent.serve.sessions import SessionStore
    from fastagent.serve.transports import MCP_PATH, bind_socket, serve_http, serve_stdio

    if options is None:
        from fastagent.runtime import RunOptions

        own = fast.run_options()
        options = RunOptions(model=own.model, quiet=own.quiet)
    import dataclasses

    from fastagent.serve.human_input import PendingTurns, elicit_approval, elicit_human_input

    options = dataclasses.replace(
        options,
        human_input=options.human_input or elicit_human_input,
        approver=options.approver or elicit_approval,
    )
    async with _started(fast, options, config_path) as (runtime, first):
        pending = PendingTurns(answer_timeout=runtime.settings.serve.answer_timeout)
        try:
            offered = served_agents(first.agents, agents)

            async def fresh_agents() -> Mapping[str, BaseAgent]:
                built = await fast.build(runtime)
                return built.agents

            store = SessionStore(fresh_agents)
            names = ", ".join(a.name for a in offered)
            with _stop_on_signals(stop, enabled=handle_signals):
                if transport == "stdio":
                    server = build_server(
                        fast.name,
                        offered,
                        store,
                        session_key=stdio_session_key,
                        version=__version__,
                        pending=pending,
                    )
                    if on_ready is not None:
                        on_ready(f"serving {names} over stdio")
                    guard.close()  # the SDK's stdio_server diverts stray stdout from here on
                    await serve_stdio(server, stop=stop)
                    return
                server = build_server(
                    fast.name,
                    offered,
                    store,
                    session_key=http_session_key,
                    version=__version__,
                    pending=pending,
                )
                sock = bind_socket(host, port)
                bound = sock.getsockname()[1]
                shown = f"[{host}]" if ":" in host else host
                if on_ready is not None:
                    on_ready(f"serving {names} on http://{shown}:{bound}{MCP_PATH}")
                await serve_http(server, store, sock=sock, host=host, stop=stop)
        finally:
            await pending.aclose()  # no served turn outlives the server


@contextlib.asynccontextmanager
async def _started(
    fast: FastAgent, options: RunOptions, config_path: str | Path | None
) -> AsyncIterator[tuple[Runtime, AgentApp]]:
    """Open the app's runtime, build the agents once, connect every load_on_start server."""
    async with fast.open_runtime(options, config_path=config_path) as runtime:
        first = await fast.build(runtime)
        if runtime.settings.mcp.servers:
            await runtime.start_servers()
        yield runtime, first


@contextlib.contextmanager
def _stop_on_signals(stop: anyio.Event, *, enabled: bool) -> Iterator[None]:
    import asyncio
    import threading

    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM)
    for sig in handled:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
