"""Headless Chromium (Debian's, at /usr/bin/chromium) driven by Playwright, for the docs site.

The machine's network is closed: without these flags Chromium waits on
connections it tries to open at start-up. A missing browser is installed by
scripts/ensure-chromium; if it is still missing the tests fail (they must not
pass by being skipped).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        script = REPO / "scripts" / "ensure-chromium"
        proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=900)
        print(proc.stdout + proc.stderr)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing and scripts/ensure-chromium could not install it")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = REPO / "target" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
