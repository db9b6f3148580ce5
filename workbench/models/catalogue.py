"""The model catalogue: shipped YAML plus the user's own files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workbench.errors import WorkbenchError
from workbench.models.spec import ModelSpec
from workbench.search_paths import CATALOGUES, SearchLocation



class CatalogueError(WorkbenchError, ValueError):
    """A catalogue file or entry is malformed, or a model name is unknown."""


@dataclass(frozen=True)
class CatalogueEntry:
    spec: ModelSpec
    source: str  # the file the entry came from


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


def catalogue_files(extra: list[Path] | None = None) -> list[SearchLocation]:
    """Catalogue files, highest precedence first (see ``workbench.search_paths``); the shipped one last."""
    return CATALOGUES.locations(extra)


def load_catalogue(extra_files: list[Path] | None = None) -> dict[str, CatalogueEntry]:
    """All known models by name; an entry of a higher-precedence file overrides the same name lower down."""
    catalogue: dict[str, CatalogueEntry] = {}
    for location in reversed(catalogue_files(extra_files)):
        if not location.path.is_file():
            raise CatalogueError(f"{location.path}: catalogue file not found ({location.origin})")
        source = f"{location.path} ({location.origin})" if location.origin == "shipped" else str(location.path)
        catalogue.update(_parse_catalogue(location.path.read_text(encoding="utf-8"), source))
    return catalogue


def get_model_spec(name: str, extra_files: list[Path] | None = None) -> ModelSpec:
    catalogue = load_catalogue(extra_files)
    if name not in catalogue:
        known = ", ".join(sorted(catalogue))
        raise CatalogueError(f"unknown model '{name}'; known models: {known}")
    return catalogue[name].spec
