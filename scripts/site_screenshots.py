"""Screenshots of the built documentation site in headless Chromium, once MathJax has typeset the math:
the API entry of `mytorch.nn.functional.cross_entropy` and the tutorial on attention.

    pip install -e ".[screenshots]" && apt-get install chromium
    python scripts/site_screenshots.py [--site DIR] [--out docs/screenshots]

Without --site the site is built strictly into a scratch folder first (`mytorch docs --out ...`). Each page
must hold MathJax's rendered output before it is photographed, so a page whose math did not render fails
the script instead of giving a picture of raw TeX. Playwright drives Debian's Chromium (no browser
download): it can scroll to an entry before the shot, which Chromium's own --screenshot flag cannot.
"""
from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [  # (page of the site, element to scroll to or None, file name, window height)
    ("reference/functional", 'h3[id="mytorch.nn.functional.cross_entropy"]', "site-cross-entropy.png", 1000),
    ("tutorials/08-attention-and-gpt", None, "site-tutorial-attention.png", 1400),
]
# MathJax 2 has finished when its queue is empty; each typeset formula is a span of class MathJax (its
# HTML-CSS output, the one the site's configuration picks in a desktop browser)
TYPESET = ("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
           "document.querySelectorAll('span.MathJax').length > 0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", help="a site already built with `mytorch docs --out DIR`")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder of the PNGs")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser_path is None:
        sys.exit("site_screenshots: Chromium is missing (apt-get install chromium)")
    site = pathlib.Path(args.site) if args.site else pathlib.Path(tempfile.mkdtemp()) / "site"
    if not args.site:
        subprocess.run([sys.executable, "-m", "mytorch", "docs", "--out", str(site)], check=True, cwd=ROOT)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        for page_name, anchor, png, height in PAGES:
            page = browser.new_page(viewport={"width": 1280, "height": height})
            page.goto((site / page_name / "index.html").as_uri())
            # raises if the math never renders (a big page can take minutes on a loaded machine)
            page.wait_for_function(TYPESET, timeout=600_000)
            if anchor is not None:
                # to the entry, then down by the theme's fixed header so that it does not cover the heading
                page.locator(anchor).evaluate("e => { e.scrollIntoView(); window.scrollBy(0, -64); }")
            page.screenshot(path=str(out / png))
            rendered = page.evaluate("document.querySelectorAll('span.MathJax').length")
            print(f"wrote {out / png} ({rendered} formulas typeset on the page)")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
