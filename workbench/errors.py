"""The one base class for every error a user can fix by changing an input.

The CLI and the UI print a ``WorkbenchError`` as one clear line (it names the file, line,
field or option at fault) and exit with status 2; any other exception is a bug in the
workbench and is shown with its traceback.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Bad input, a missing file, an unknown name, a refused endpoint: something the user can fix."""
