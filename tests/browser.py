"""Open a local HTML file in headless Chromium, offline, and report what a reader (and a screen reader) gets.

Drives Debian's ``chromium`` through the DevTools protocol (a websocket, with aiohttp, which copbot
already depends on): no test framework's own browser download, which this machine cannot fetch.
For one page it returns the console messages and uncaught errors, every request the page tried to
make (the network is emulated offline, and Chromium is started with its background networking off
and every host name unresolvable), the headings and table headers from the **accessibility tree**
(what a screen reader reads), the images' accessible names, each chart's box on the page, a
full-page screenshot (PNG) and the page printed to PDF.

``chromium_or_skip()`` skips a test when Chromium is not installed, unless ``COPBOT_REQUIRE_CHROMIUM=1``
(CI, whose ``.ci/run`` installs it), where a missing browser is a failure.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-port=0",
)
#: JavaScript run in the page to find each chart's box, in page coordinates (CSS pixels).
_BOXES = """JSON.stringify(Array.from(document.querySelectorAll('svg.chart')).map(e => {
  const r = e.getBoundingClientRect();
  return {id: e.id, x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
}))"""


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_or_skip() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("COPBOT_REQUIRE_CHROMIUM") == "1":
            pytest.fail("Chromium is required (COPBOT_REQUIRE_CHROMIUM=1) but is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium) so the browser test is skipped")
    return path


@dataclass
class PageView:
    """What Chromium made of one page."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    #: (level, text) of every heading in the accessibility tree, in document order.
    headings: list[tuple[int, str]] = field(default_factory=list)
    column_headers: list[str] = field(default_factory=list)
    row_headers: list[str] = field(default_factory=list)
    #: Accessible names of the images (each chart's ``<title>``, with its ``<desc>`` as description).
    images: list[str] = field(default_factory=list)
    tables: int = 0
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    screenshot: bytes = b""
    pdf: bytes = b""


class _Session:
    """A minimal DevTools client: send a command, wait for its answer, collect events as they come."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        await self.ws.send_str(json.dumps(message))
        while True:
            reply = json.loads((await self.ws.receive(timeout=60)).data)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    async def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.events.append(json.loads((await self.ws.receive(timeout=left)).data))


def _ax_text(node: dict[str, Any], key: str) -> str:
    return str((node.get(key) or {}).get("value", ""))


async def _inspect(port: int, url: str, width: int) -> PageView:
    import aiohttp

    view = PageView()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/json/version") as response:
            browser_ws = (await response.json())["webSocketDebuggerUrl"]
        async with http.ws_connect(browser_ws, max_msg_size=0) as ws:
            s = _Session(ws)
            target = (await s.call("Target.createTarget", url="about:blank"))["targetId"]
            sid = (await s.call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                await s.call(f"{domain}.enable", sid)
            await s.call(
                "Network.emulateNetworkConditions",
                sid,
                offline=True,
                latency=0,
                downloadThroughput=-1,
                uploadThroughput=-1,
            )
            await s.call(
                "Emulation.setDeviceMetricsOverride", sid, width=width, height=900, deviceScaleFactor=1, mobile=False
            )
            s.events.clear()
            await s.call("Page.navigate", sid, url=url)
            await s.wait_for("Page.loadEventFired")
            boxes = json.loads(
                (await s.call("Runtime.evaluate", sid, expression=_BOXES, returnByValue=True))["result"]["value"]
            )
            view.boxes = {b["id"]: (b["x"], b["y"], b["width"], b["height"]) for b in boxes}
            tree = await s.call("Accessibility.getFullAXTree", sid)
            for node in tree["nodes"]:
                if node.get("ignored"):
                    continue
                role, name = _ax_text(node, "role"), _ax_text(node, "name")
                if role == "heading":
                    level = next(
                        (int(p["value"]["value"]) for p in node.get("properties", []) if p["name"] == "level"), 0
                    )
                    view.headings.append((level, name))
                elif role == "columnheader":
                    view.column_headers.append(name)
                elif role == "rowheader":
                    view.row_headers.append(name)
                elif role in ("image", "img"):
                    view.images.append(name)
                elif role == "table":
                    view.tables += 1
            metrics = await s.call("Page.getLayoutMetrics", sid)
            height = int(metrics["cssContentSize"]["height"]) + 1
            await s.call(
                "Emulation.setDeviceMetricsOverride", sid, width=width, height=height, deviceScaleFactor=1, mobile=False
            )
            shot = await s.call("Page.captureScreenshot", sid, format="png", captureBeyondViewport=True)
            view.screenshot = base64.b64decode(shot["data"])
            pdf = await s.call("Page.printToPDF", sid, printBackground=True, preferCSSPageSize=True)
            view.pdf = base64.b64decode(pdf["data"])
            for event in s.events:
                method, params = event.get("method"), event.get("params", {})
                if method == "Runtime.consoleAPICalled":
                    view.console.append(f"{params.get('type')}: {params.get('args')}")
                elif method == "Log.entryAdded":
                    entry = params.get("entry", {})
                    view.console.append(f"{entry.get('level')}: {entry.get('text')}")
                elif method == "Runtime.exceptionThrown":
                    view.errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
                elif method == "Network.requestWillBeSent":
                    view.requests.append(params.get("request", {}).get("url", ""))
            await s.call("Target.closeTarget", targetId=target)
    return view


def open_page(path: Path, *, width: int = 1100) -> PageView:
    """Open ``path`` in a fresh headless Chromium (its own empty profile), offline; see the module docstring.

    Synchronous, with its own event loop: call it from a worker thread in an async test.
    """
    browser = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="copbot-chromium-") as profile:
        process = subprocess.Popen(
            [browser, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 60
            while not (port_file.exists() and port_file.read_text().strip()):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Chromium did not start")
                time.sleep(0.05)
            port = int(port_file.read_text().split()[0])
            return asyncio.run(_inspect(port, path.resolve().as_uri(), width))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def chart_pixels(screenshot: bytes, box: tuple[float, float, float, float]) -> tuple[int, int]:
    """In a chart's area of the screenshot: how many pixels are not white, and how many colours appear."""
    import io

    import numpy
    from PIL import Image

    image = Image.open(io.BytesIO(screenshot)).convert("RGB")
    x, y, w, h = (round(v) for v in box)
    area = numpy.asarray(image.crop((x, y, x + w, y + h))).reshape(-1, 3)
    inked = int((area != 255).any(axis=1).sum())
    return inked, len(numpy.unique(area, axis=0))
