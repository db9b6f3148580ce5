"""Launch the browser workbench on 127.0.0.1:7860 (the same as ``workbench ui``).

    python apps/workbench_ui.py
"""

from workbench.cli import app

if __name__ == "__main__":
    app(["ui"])
