"""The model catalogue: shipped YAML plus the user's own files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workbench.models.spec import ModelSpec

CATALOGUE_ENV_VAR = "WORKBENCH_CATALOGUE"
WORKDIR_CATALOGUE = "models.yaml"


class CatalogueError(ValueError):
    """A catalogue file or entry is malformed, or a model name is unknown."""


@dataclass(frozen=True)
class CatalogueEntry:
    spec: ModelSpec
    source: str  # the file the entry came from


def _shipped_catalogue_text() -> tuple[str, str]:
    resource = resources.files("workbench.models").joinpath("catalogue.yaml")
    return resource.read_text(encoding="utf-8"), "workbench/models/catalogue.yaml (shipped)"


def _parse_catalogue(text: str, source: str) -> dict[str, CatalogueEntry]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{source}: not valid YAML: {exc}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict) or not isinstance(document.get("models"), dict):
        raise CatalogueError(f"{source}: expected a mapping with a 'models:' mapping of name -> entry")
    entries: dict[str, CatalogueEntry] = {}
    for name, body in document["models"].items():
        if not isinstance(body, dict):
            raise CatalogueError(f"{source}: models.{name}: expected a mapping of fields")
        fields: dict[str, Any] = {"name": str(name), **body}
        try:
            spec = ModelSpec.model_validate(fields)
        except ValidationError as exc:
            problems = "; ".join(
                f"models.{name}.{'.'.join(str(part) for part in err['loc'])}: {err['msg']}"
                for err in exc.errors()
            )
            raise CatalogueError(f"{source}: {problems}") from exc
        entries[spec.name] = CatalogueEntry(spec=spec, source=source)
    return entries


def user_catalogue_paths(extra: list[Path] | None = None) -> list[Path]:
    """User catalogue files, lowest precedence first: ./models.yaml, $WORKBENCH_CATALOGUE, --catalogue."""
    paths: list[Path] = []
    workdir_file = Path.cwd() / WORKDIR_CATALOGUE
    if workdir_file.is_file():
        paths.append(workdir_file)
    for item in os.environ.get(CATALOGUE_ENV_VAR, "").split(os.pathsep):
        if item.strip():
            paths.append(Path(item.strip()))
    paths.extend(extra or [])
    return paths


def load_catalogue(extra_files: list[Path] | None = None) -> dict[str, CatalogueEntry]:
    """All known models by name; later files override earlier ones and the shipped entries."""
    text, source = _shipped_catalogue_text()
    catalogue = _parse_catalogue(text, source)
    for path in user_catalogue_paths(extra_files):
        if not path.is_file():
            raise CatalogueError(f"{path}: catalogue file not found")
        catalogue.update(_parse_catalogue(path.read_text(encoding="utf-8"), str(path)))
    return catalogue


def get_model_spec(name: str, extra_files: list[Path] | None = None) -> ModelSpec:
    catalogue = load_catalogue(extra_files)
    if name not in catalogue:
        known = ", ".join(sorted(catalogue))
        raise CatalogueError(f"unknown model '{name}'; known models: {known}")
    return catalogue[name].spec
