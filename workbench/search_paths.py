"""One rule for where named things are found: evaluation sets, prompt versions, model catalogues.

Locations, highest precedence first:

1. the user's option (``--prompts-dir``, ``--catalogue``, the API's ``extra_dirs``; a set can also be
   named by its directory);
2. the environment variable (``WORKBENCH_EVALSETS``, ``WORKBENCH_PROMPTS``, ``WORKBENCH_CATALOGUE``;
   several entries separated by the platform's path separator);
3. the working directory (``./evalsets/``, ``./prompts/``, ``./models.yaml``);
4. what ships inside the installed package (``workbench/data/shipped/`` and ``workbench/models/catalogue.yaml``).

A name found in a higher location hides the same name lower down (a set or prompt version of
the working directory shadows the shipped one; a catalogue entry overrides the shipped entry).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

Origin = Literal["option", "environment", "working directory", "shipped"]


@dataclass(frozen=True)
class SearchLocation:
    path: Path
    origin: Origin


@dataclass(frozen=True)
class SearchRule:
    """Where one kind of named thing lives: the environment variable, the working-directory
    entry and the shipped resource (relative to the ``workbench`` package)."""

    kind: str
    env_var: str
    workdir_entry: str
    shipped: str

    def shipped_path(self) -> Path:
        return Path(str(resources.files("workbench").joinpath(self.shipped)))

    def locations(self, options: list[Path] | None = None) -> list[SearchLocation]:
        """Every location, highest precedence first (later user options win over earlier ones)."""
        found = [SearchLocation(Path(p), "option") for p in reversed(options or [])]
        found += [SearchLocation(Path(item.strip()), "environment")
                  for item in reversed(os.environ.get(self.env_var, "").split(os.pathsep)) if item.strip()]
        workdir = Path.cwd() / self.workdir_entry
        shipped = self.shipped_path()
        if workdir.exists() and workdir.resolve() != shipped.resolve():
            found.append(SearchLocation(workdir, "working directory"))
        found.append(SearchLocation(shipped, "shipped"))
        return found


EVALSETS = SearchRule("evaluation sets", "WORKBENCH_EVALSETS", "evalsets", "data/shipped/sets")
PROMPTS = SearchRule("prompt versions", "WORKBENCH_PROMPTS", "prompts", "data/shipped/prompts")
CATALOGUES = SearchRule("model catalogues", "WORKBENCH_CATALOGUE", "models.yaml", "models/catalogue.yaml")
