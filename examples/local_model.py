"""Chat with a model on a local OpenAI-compatible server (llama.cpp, Ollama, vLLM, ...).

Start a server first, e.g. llama.cpp's server engine with a GGUF model (see
docs/providers/local-models.md):

    python serve_gguf.py --model PATH/TO/model.gguf --port 8080

Then send one message, or chat (an empty line or Ctrl-D ends the chat):

    python local_model.py --base-url http://127.0.0.1:8080/v1 -m "hi"
    python local_model.py --base-url http://127.0.0.1:8080/v1
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.providers.generic import GenericProvider


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8080/v1", help="the endpoint")
    parser.add_argument("--model", default="local", help="model name the server knows")
    parser.add_argument("-m", "--message", help="send one message, print the reply, exit")
    parser.add_argument("--max-tokens", type=int, default=128, help="output limit per reply")
    return parser.parse_args()


async def chat(args: argparse.Namespace) -> None:
    provider = GenericProvider(args.model, base_url=args.base_url)
    try:
        llm = AugmentedLLM(
            provider,
            name="local",
            instruction="You are a helpful assistant. Answer briefly.",
            params=RequestParams(max_tokens=args.max_tokens, temperature=0.2),
        )
        if args.message is not None:
            print((await llm.generate(args.message)).text)
            return
        while (line := await asyncio.to_thread(_read_line)).strip():
            print((await llm.generate(line)).text)
    finally:
        await provider.aclose()


def _read_line() -> str:
    try:
        return input("you> ")
    except EOFError:
        return ""


def main() -> int:
    from fastagent.cli.errors import report_exception
    from fastagent.exceptions import FastAgentError

    args = parse_args()
    try:
        asyncio.run(chat(args))
    except FastAgentError as exc:
        return report_exception(exc, verbose=False, stream=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
