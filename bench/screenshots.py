"""The README's screenshots, from the real page in headless Chromium: ``.venv/bin/python -m bench.screenshots``.

Starts ``rekg serve`` on a free loopback port (stopped by its PID afterwards), opens the home page, an entity
page, the measures chart and a path diagram on a desktop (1280 px) and a phone (390 px), and writes PNG files
to ``docs/screenshots/``. Run it again after changing the page; nothing leaves 127.0.0.1.

Options: ``--out DIR`` (default ``docs/screenshots``), ``--chromium PATH`` (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

#: name -> (address, what to wait for, what to capture: a CSS selector or "page")
SHOTS = {
    "home": ("/", "#sparql-editor", "page"),
    "entity": ("/entities/lynas-malaysia", "#graph-view svg .node-g", "page"),
    "measures-chart": ("/?ask=measures", "figure[data-chart=measures][data-ready=true]", "figure[data-chart=measures]"),
    "paths": (
        "/?ask=paths&source=United+States&target=dysprosium",
        "figure[data-chart=paths][data-ready=true]",
        "figure[data-chart=paths]",
    ),
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args.add_argument("--chromium", default="/usr/bin/chromium")
    opts = args.parse_args(argv)
    opts.out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rekg", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "REKG_VALIDATE_SEEDS": "false"},
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                print("rekg serve did not start", file=sys.stderr)
                return 1
            time.sleep(0.3)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=opts.chromium, args=["--headless", "--no-sandbox"])
            for device, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, is_mobile=device == "phone", device_scale_factor=1)
                page = context.new_page()
                page.on("request", lambda r: r.url.startswith(url) or print("outside request:", r.url))
                for name, (path, ready, target) in SHOTS.items():
                    page.goto(url + path)
                    page.locator(ready).first.wait_for(timeout=30_000)
                    file = opts.out / f"{name}-{device}.png"
                    if target == "page":
                        page.screenshot(path=str(file), full_page=False)
                    else:
                        page.locator(target).first.screenshot(path=str(file))
                    print(file.relative_to(ROOT) if file.is_relative_to(ROOT) else file)
                context.close()
            browser.close()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
