"""The model catalogue: shipped YAML plus the user's own files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench import suggest
from workbench.data.input_checks import check_known_keys, did_you_mean, parse_yaml, read_utf8
from workbench.errors import WorkbenchError
from workbench.models.spec import ModelSpec, SamplingParams
from workbench.safe_names import SAFE_NAME_RULE, is_safe_name
from workbench.search_paths import CATALOGUES, SearchLocation



class CatalogueError(WorkbenchError, ValueError):
    """A catalogue file or entry is malformed, or a model name is unknown."""


@dataclass(frozen=True)
class CatalogueEntry:
    spec: ModelSpec
    source: str  # the file the entry came from


def _parse_catalogue(text: str, source: str) -> dict[str, CatalogueEntry]:
    document = parse_yaml(text, source, CatalogueError)
    if document is None:
        return {}
    if isinstance(document, dict):
        check_known_keys(document, ("models",), source, CatalogueError)
    if not isinstance(document, dict) or not isinstance(document.get("models"), dict):
        raise CatalogueError(f"{source}: expected a mapping with a 'models:' mapping of name -> entry")
    entries: dict[str, CatalogueEntry] = {}
    for name, body in document["models"].items():
        if not isinstance(body, dict):
            raise CatalogueError(f"{source}: models.{name}: expected a mapping of fields")
        fields: dict[str, Any] = {"name": str(name), **body}
        model_name = str(fields["name"])
        if not is_safe_name(model_name):  # the name becomes a directory in every run
            raise CatalogueError(f"{source}: models.{name}: model name {model_name!r} cannot name a directory: "
                                 f"{SAFE_NAME_RULE}")
        try:
            spec = ModelSpec.model_validate(fields)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                field = f"models.{name}.{'.'.join(str(part) for part in err['loc'])}"
                if err["type"] == "extra_forbidden" and err["loc"]:
                    known = SamplingParams.model_fields if err["loc"][0] == "sampling" else ModelSpec.model_fields
                    problems.append(f"{field}: unknown field{did_you_mean(err['loc'][-1], known)}")
                else:
                    problems.append(f"{field}: {err['msg']}")
            raise CatalogueError(f"{source}: {'; '.join(problems)}") from exc
        concurrency = spec.load_kwargs.get("max_concurrency")
        if "max_concurrency" in spec.load_kwargs and (
                isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1):
            # 0 would leave every request waiting for a slot that never opens
            raise CatalogueError(f"{source}: models.{name}.load_kwargs.max_concurrency: must be a whole number "
                                 f"of at least 1, got {concurrency!r}")
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
        catalogue.update(_parse_catalogue(read_utf8(location.path, CatalogueError), source))
    return catalogue


def get_model_spec(name: str, extra_files: list[Path] | None = None) -> ModelSpec:
    """The catalogue entry called ``name``; an unknown name is refused with the known ones and the closest."""
    catalogue = load_catalogue(extra_files)
    if name not in catalogue:
        known = sorted(catalogue)
        raise CatalogueError(f"unknown model '{name}'; known models: {', '.join(known)}{suggest.did_you_mean(name, known)}")
    return catalogue[name].spec
