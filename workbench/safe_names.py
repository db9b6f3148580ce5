"""The one rule for user-supplied names that become paths: model, set, prompt and run names.

A safe name is a plain file name: letters, digits, ``.``, ``_`` and ``-``, starting with a
letter or digit, at most 128 characters (so never ``.``, ``..``, a separator or an absolute
path). :func:`safe_child` also resolves the joined path, symlinks included, and refuses it
when it lands outside its root.
"""

from __future__ import annotations

import re
from pathlib import Path

from workbench.errors import WorkbenchError

SAFE_NAME_MAX_LENGTH = 128
SAFE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
SAFE_NAME_RULE = ("use letters, digits, '.', '_' and '-', starting with a letter or digit, "
                  f"at most {SAFE_NAME_MAX_LENGTH} characters")


class UnsafeNameError(WorkbenchError, ValueError):
    """A name typed or posted by a user cannot name a file or directory inside its root."""


def is_safe_name(name: str) -> bool:
    """Whether ``name`` is a plain file name by the rule above."""
    return bool(SAFE_NAME_PATTERN.fullmatch(name)) and name not in (".", "..")


def check_safe_name(name: str, what: str) -> str:
    """``name`` unchanged when it is safe; otherwise an :class:`UnsafeNameError` naming ``what`` and the name."""
    if not isinstance(name, str) or not is_safe_name(name):
        raise UnsafeNameError(f"{what} {name!r} cannot name a file or directory: {SAFE_NAME_RULE}")
    return name


def safe_child(root: Path, name: str, what: str) -> Path:
    """``root / name``, once ``name`` is safe and the resolved path (symlinks followed) lies inside the
    resolved ``root``; otherwise an :class:`UnsafeNameError` naming ``what`` and the name."""
    check_safe_name(name, what)
    root = Path(root)
    child = root / name
    resolved_root = root.resolve()
    resolved_child = child.resolve()
    if resolved_child == resolved_root or not resolved_child.is_relative_to(resolved_root):
        raise UnsafeNameError(f"{what} {name!r} leads outside {root} (it resolves to {resolved_child})")
    return child
