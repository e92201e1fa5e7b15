"""Serve a GGUF model on an OpenAI-compatible HTTP endpoint, with nothing to compile.

The engine is llama.cpp's own server code (the C++ behind ``llama-server``: chat templates,
tool-call parsing, streaming, ``response_format`` grammars) from the prebuilt ``xllamacpp``
wheel; this script puts a small standard-library HTTP front on it. Install it with
``pip install 'fastagent[local-server]'``, then:

    python serve_gguf.py --model PATH/model.gguf --port 8080
    # -> http://127.0.0.1:8080/v1  (/v1/chat/completions, /v1/models, /health)

Point fastagent at it with the generic provider, e.g. ``--model generic.local`` and
``FASTAGENT_GENERIC__BASE_URL=http://127.0.0.1:8080/v1`` (docs/providers/local-models.md).

``tool_choice`` keeps its OpenAI meaning: ``{"type": "function", "function": {"name": X}}``
(the model must call X), which the engine would ignore, is sent to it as X's tool alone with
``"required"``; a name that is not among ``tools`` is answered 400.

``--chat-template-file templates/chatml-tools.jinja`` gives a ChatML model whose own template
has no tools (SmolLM2) the ``<tool_call>`` format: it then calls a tool when the request
forces one and otherwise answers in text.

``--tool-result-hint TEXT`` adds TEXT after the tool results in the model's own chat template
(Qwen2.5 / Hermes style templates, which close tool results with ``</tool_response>``). Small
models such as Qwen2.5-Coder-1.5B otherwise keep calling tools, or stop, instead of answering
from the result.

Stop it with Ctrl-C or SIGTERM. Errors of the engine (a reply it cannot parse, a bad request)
are answered as JSON ``{"error": {...}}`` with HTTP 400 or 500, as ``llama-server`` does.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

TEMPLATE_KEY = "tokenizer.chat_template"
TOOL_RESULT_END = "</tool_response>"
TURN_END = "<|im_end|>"
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the GGUF file")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    parser.add_argument("--alias", help="model name in replies (default: the file's stem)")
    parser.add_argument("--ctx", type=int, default=4096, help="context size in tokens")
    parser.add_argument("--parallel", type=int, default=1, help="requests served at once")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: all cores)")
    parser.add_argument("--chat-template-file", type=Path, help="Jinja template to use instead")
    parser.add_argument("--tool-result-hint", help="text added after tool results (see above)")
    return parser.parse_args(argv)


# -- chat template ------------------------------------------------------------------------


def read_chat_template(path: Path) -> str:
    """The ``tokenizer.chat_template`` string from a GGUF file's metadata.

    Raises:
        ValueError: Not a GGUF file, or it has no chat template.
    """
    with path.open("rb") as file:
        if file.read(4) != b"GGUF":
            raise ValueError(f"{path} is not a GGUF file")
        _unpack(file, "I")  # format version
        _unpack(file, "Q")  # tensor count
        for _ in range(_unpack(file, "Q")):
            key = _read_string(file)
            kind = _unpack(file, "I")
            if key == TEMPLATE_KEY and kind == _STRING:
                return _read_string(file)
            _skip_value(file, kind)
    raise ValueError(f"{path} has no {TEMPLATE_KEY}")


def _unpack(file: BinaryIO, code: str) -> int:
    size = struct.calcsize("<" + code)
    data = file.read(size)
    if len(data) != size:
        raise ValueError("truncated GGUF metadata")
    value: int = struct.unpack("<" + code, data)[0]
    return value


def _read_string(file: BinaryIO) -> str:
    return file.read(_unpack(file, "Q")).decode("utf-8", errors="replace")


def _skip_value(file: BinaryIO, kind: int) -> None:
    if kind in _SCALAR_SIZES:
        file.seek(_SCALAR_SIZES[kind], 1)
    elif kind == _STRING:
        file.seek(_unpack(file, "Q"), 1)
    elif kind == _ARRAY:
        item_kind, count = _unpack(file, "I"), _unpack(file, "Q")
        if item_kind in _SCALAR_SIZES:
            file.seek(_SCALAR_SIZES[item_kind] * count, 1)
        else:
            for _ in range(count):
                _skip_value(file, item_kind)
    else:
        raise ValueError(f"unknown GGUF metadata type {kind}")


def add_tool_result_hint(template: str, hint: str) -> str:
    """`template` with `hint` written after the last tool result of a run of tool messages.

    The hint goes right before the end-of-turn marker that follows ``</tool_response>``.

    Raises:
        ValueError: The template has no ``</tool_response>`` followed by ``<|im_end|>``.
    """
    anchor = template.rfind(TOOL_RESULT_END)
    end = template.find(TURN_END, anchor) if anchor >= 0 else -1
    if end < 0:
        raise ValueError(
            f"--tool-result-hint needs a template that closes tool results with "
            f"{TOOL_RESULT_END} and {TURN_END} (Qwen2.5 / Hermes style)"
        )
    literal = json.dumps("\n" + hint)[1:-1].replace("'", "\\'")
    return template[:end] + literal + template[end:]


# -- tool_choice --------------------------------------------------------------------------

_CHOICE_WORDS = ("auto", "none", "required")


class BadRequest(ValueError):
    """A request the front refuses before the engine sees it (HTTP 400)."""


def engine_request(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with OpenAI's ``tool_choice`` put in the form llama.cpp's engine obeys.

    The engine takes ``tool_choice`` only as ``"auto"``, ``"none"`` or ``"required"``; an
    object naming a function is ignored (treated as ``"auto"``). OpenAI's meaning of
    ``{"type": "function", "function": {"name": X}}`` is "the model must call X", so such a
    request goes to the engine with only X's tool and ``"required"``. The strings pass as
    they are; ``none`` with tools keeps the tools in the prompt and returns no tool calls.

    Raises:
        BadRequest: ``tool_choice`` is neither one of those strings nor such an object, or
            it names a function that is not among ``tools``.
    """
    choice = body.get("tool_choice")
    if choice is None or choice in _CHOICE_WORDS:
        return body
    if not isinstance(choice, dict) or choice.get("type") != "function":
        raise BadRequest(
            f"tool_choice {json.dumps(choice)}: expected one of {', '.join(_CHOICE_WORDS)} or "
            '{"type": "function", "function": {"name": ...}}'
        )
    function = choice.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str) or not name:
        raise BadRequest(f"tool_choice {json.dumps(choice)}: function.name is missing")
    tools = body.get("tools")
    offered = [_tool_name(tool) for tool in tools] if isinstance(tools, list) else []
    named = [tool for tool in tools or () if _tool_name(tool) == name]
    if not named:
        raise BadRequest(
            f"tool_choice names function {name!r}, which is not in tools "
            f"({', '.join(repr(n) for n in offered) or 'none given'})"
        )
    return {**body, "tools": named[:1], "tool_choice": "required"}


def _tool_name(tool: Any) -> str | None:
    function = tool.get("function") if isinstance(tool, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else None


# -- HTTP front ---------------------------------------------------------------------------


def _error_body(message: str, status: int) -> dict[str, Any]:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"code": status, "message": message, "type": kind}}


def _engine_error(result: Any) -> tuple[int, str] | None:
    """(status, message) when the engine answered with an error object instead of a reply."""
    if not isinstance(result, dict) or "choices" in result:
        return None
    error = result.get("error", result)
    if not isinstance(error, dict) or "message" not in error:
        return None
    code = error.get("code", 500)
    status = code if isinstance(code, int) and 400 <= code < 600 else 500
    return status, str(error["message"])


class Handler(BaseHTTPRequestHandler):
    """OpenAI-style routes over an ``xllamacpp.Server`` (set on the class by `serve`)."""

    protocol_version = "HTTP/1.1"
    engine: Any = None
    model_id = "local"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/v1/models", "/models"):
            model = {"id": self.model_id, "object": "model", "owned_by": "llamacpp"}
            self._send_json(HTTPStatus.OK, {"object": "list", "data": [model]})
        elif path == "/health":
            self._send_json(HTTPStatus.OK, {"status": "ok"})
        else:
            self._send_json(HTTPStatus.NOT_FOUND, _error_body(f"no route {path}", 404))

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._send_json(HTTPStatus.NOT_FOUND, _error_body(f"no route {path}", 404))
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        except (ValueError, UnicodeDecodeError) as exc:
            self._send_json(HTTPStatus.BAD_REQUEST, _error_body(f"invalid JSON: {exc}", 400))
            return
        if not isinstance(body, dict):
            self._send_json(HTTPStatus.BAD_REQUEST, _error_body("expected a JSON object", 400))
            return
        try:
            body = engine_request(body)
        except BadRequest as exc:
            self._send_json(HTTPStatus.BAD_REQUEST, _error_body(str(exc), 400))
            return
        if body.get("stream"):
            self._stream(body)
        else:
            self._complete(body)

    def _complete(self, body: dict[str, Any]) -> None:
        try:
            result = self.engine.handle_chat_completions(body)
        except (RuntimeError, ValueError) as exc:
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, _error_body(str(exc), 500))
            return
        error = _engine_error(result)
        if error is not None:
            self._send_json(error[0], _error_body(error[1], error[0]))
        else:
            self._send_json(HTTPStatus.OK, result)

    def _stream(self, body: dict[str, Any]) -> None:
        started = False

        def on_chunks(data: Any) -> bool:
            """Write the engine's chunks as SSE events; True stops generation."""
            nonlocal started
            error = _engine_error(data)
            try:
                if error is not None and not started:
                    self._send_json(error[0], _error_body(error[1], error[0]))
                    return True
                if not started:
                    self._start_event_stream()
                    started = True
                items = [_error_body(error[1], error[0])] if error else data
                for item in items if isinstance(items, list) else [items]:
                    self.wfile.write(b"data: " + json.dumps(item).encode() + b"\n\n")
                self.wfile.flush()
            except OSError:
                return True  # the client went away: stop generating
            return error is not None

        try:
            self.engine.handle_chat_completions(body, on_chunks)
        except (RuntimeError, ValueError) as exc:
            if not started:
                self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, _error_body(str(exc), 500))
                return
            on_chunks({"error": {"code": 500, "message": str(exc)}})
        if not started:
            self._start_event_stream()
        try:
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except OSError:
            pass

    def _start_event_stream(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(args: argparse.Namespace) -> None:
    """Load the model, then answer HTTP until interrupted."""
    import xllamacpp

    if not args.model.is_file():
        raise ValueError(f"--model {args.model}: no such file")
    params = xllamacpp.CommonParams()
    params.model.path = str(args.model)
    params.model_alias = args.alias or args.model.stem
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.use_jinja = True
    if args.threads > 0:
        params.cpuparams.n_threads = args.threads
        params.cpuparams_batch.n_threads = args.threads
    if args.chat_template_file is not None:
        params.chat_template = args.chat_template_file.read_text()
    if args.tool_result_hint:
        template = params.chat_template or read_chat_template(args.model)
        params.chat_template = add_tool_result_hint(template, args.tool_result_hint)
    Handler.engine = xllamacpp.Server(params)
    Handler.model_id = params.model_alias
    with ThreadingHTTPServer((args.host, args.port), Handler) as httpd:
        print(f"serving {args.model.name} at http://{args.host}:{args.port}/v1", flush=True)
        httpd.serve_forever()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        serve(args)
    except KeyboardInterrupt:
        return 0
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"serve_gguf: error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
