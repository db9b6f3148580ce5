"""Chinese notes and outputs are drawn with a CJK font, not as empty boxes.

Without a CJK font the browser still lays the text out (every other check passes) but draws
each character as a box; the DevTools protocol says which platform font drew a node's text
and how many glyphs it drew, so the test asks it directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, start_ui, stop
from workbench import api
from workbench.data.evalsets import load_evalset
from workbench.ui.app import _theme
from workbench.ui.page_style import CJK_SANS_FONTS

MODEL = "echo"
CHINESE_NOTE = "患者张伟，男，65岁。主诉：胸痛2小时。既往高血压病史10年。查体：血压160/95 mmHg，心率102次/分。"
PROBE = "data-cjk-probe"


def test_the_theme_names_a_cjk_font_before_the_generic_family() -> None:
    css = _theme()._get_theme_css()
    declaration = next(line for line in css.splitlines() if line.strip().startswith("--font:"))
    stack = [name.strip().strip("'\"") for name in declaration.split(":", 1)[1].rstrip(" ;").split(",")]
    assert stack[-1] == "sans-serif" and "Noto Sans CJK SC" in stack, stack
    assert set(CJK_SANS_FONTS) <= set(stack)


def _platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    """The platform fonts chromium used for the text inside the first element matching ``selector``."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"no element matches {selector}"
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def _mark_chinese_text(page: Any, container: str) -> None:
    """Give the innermost element under ``container`` whose own text is Chinese the attribute PROBE."""
    found = page.evaluate(
        """([container, probe]) => {
            const walker = document.createTreeWalker(document.querySelector(container), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (/[\\u4e00-\\u9fff]{2,}/.test(node.textContent)) {
                    node.parentElement.setAttribute(probe, '1');
                    return node.textContent;
                }
            }
            return null;
        }""", [container, PROBE])
    assert found, f"no Chinese text under {container}"


def _assert_drawn_with_cjk_font(page: Any, container: str) -> None:
    page.evaluate(f"() => document.querySelectorAll('[{PROBE}]').forEach(e => e.removeAttribute('{PROBE}'))")
    _mark_chinese_text(page, container)
    fonts = _platform_fonts(page, f"{container} [{PROBE}]")
    cjk = [font for font in fonts if "CJK" in font["familyName"] and font["glyphCount"] > 0]
    assert cjk, f"the Chinese text under {container} was drawn with {fonts}, no CJK font (boxes)"


@pytest.fixture()
def zh_workdir(tmp_path: Path) -> Path:
    """A working directory with a scripted model and one run of the Chinese smoke set."""
    (tmp_path / "models.yaml").write_text(f"models:\n  {MODEL}:\n    backend: scripted\n    model: echo-source\n",
                                          encoding="utf-8")
    result = api.evaluate([MODEL], "smoke-zh", limit=1, runs_dir=tmp_path / "runs", log_to_mlflow=False,
                          show_progress=False, catalogue=[tmp_path / "models.yaml"])
    assert result.errors == {} and not result.failed_cases
    return tmp_path


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(`make test` installs it)")
def test_chinese_is_drawn_with_a_cjk_font_in_cases_and_playground(zh_workdir: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    case = load_evalset("smoke-zh").cases[0]
    process, url, _log = start_ui(zh_workdir)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)

            # Cases: the Chinese note with its gold PHI, and the model's output beside it.
            page.get_by_role("tab", name="Cases").click()
            page.locator("#case-id input").click()
            page.get_by_role("option", name=case.id).click()
            expect(page.locator("#case-summary")).to_contain_text(f"case {case.id}", timeout=30_000)
            expect(page.locator("#case-output-0")).to_be_visible(timeout=30_000)
            _assert_drawn_with_cjk_font(page, "#case-source")
            _assert_drawn_with_cjk_font(page, "#case-output-0")
            page.screenshot(path=str(ARTIFACTS / "ui-chinese.png"), full_page=True)

            # Playground: a pasted Chinese note, its identifiers and the output.
            page.get_by_role("tab", name="Playground").click()
            page.locator("#pg-note textarea").fill(CHINESE_NOTE)
            page.locator("#pg-models").get_by_label(MODEL).check()
            page.locator("#pg-button").click()
            expect(page.locator("#pg-status")).to_contain_text("nothing was stored", timeout=120_000)
            _assert_drawn_with_cjk_font(page, "#pg-output-0")
            page.screenshot(path=str(ARTIFACTS / "ui-chinese-playground.png"), full_page=True)
            browser.close()
    finally:
        stop(process)
