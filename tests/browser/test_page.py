"""The web page in Debian's Chromium, driven by Playwright, against a real `rekg serve` on loopback.

The server runs as a subprocess on a free port of 127.0.0.1 and is stopped by its PID. Every
request the page makes must stay on that server (no CDN), and the page must log no JavaScript
error while a user searches, runs SPARQL, asks a question and opens entity pages.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serverutil import REKG

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    log = open(os.devnull, "wb")  # noqa: SIM115 (closed below, after the process)
    proc = subprocess.Popen(
        [*REKG, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "REKG_VALIDATE_SEEDS": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"rekg serve exited with {proc.returncode}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("rekg serve did not answer /healthz within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: str):
    """A fresh page that records JavaScript errors and every request leaving the server."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.errors = []
    pg.foreign = []
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: r.url.startswith(server) or pg.foreign.append(r.url))
    yield pg
    context.close()


def _clean(pg) -> None:
    assert pg.errors == [], pg.errors
    assert pg.foreign == [], f"requests left the server: {pg.foreign}"


def test_type_a_query_run_it_and_see_rows(page, server: str, tmp_path: Path) -> None:
    page.goto(server + "/")
    editor = page.locator("#sparql-editor")
    editor.fill("")
    editor.type(
        "SELECT ?facility ?country WHERE {\n"
        "  ?facility a rekg:Facility ; rekg:locatedIn ?country .\n"
        "} ORDER BY ?facility"
    )
    page.click("#run-query")
    page.wait_for_selector("#query-result table tbody tr")
    rows = page.locator("#query-result table tbody tr")
    assert rows.count() >= 3
    assert page.locator("#query-result th").all_inner_texts() == ["facility", "country"]
    assert "row" in page.inner_text("#query-status")
    # IRIs of the graph link to entity pages; follow one.
    link = page.locator('#query-result a[href="/entities/lynas-malaysia"]').first
    link.click()
    page.wait_for_url("**/entities/lynas-malaysia")
    assert page.inner_text("h1") == "Lynas Malaysia plant"
    page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)
    _clean(page)


def test_example_queries_fill_the_editor_and_run(page, server: str) -> None:
    page.goto(server + "/")
    options = page.locator("#example-select option")
    assert options.count() >= 2  # the shipped examples, and "your own query"
    page.select_option("#example-select", index=0)
    assert page.input_value("#sparql-editor").strip()
    assert page.inner_text("#example-description").strip()
    page.click("#sparql-editor")
    page.keyboard.press("Control+Enter")  # the editor's shortcut for Run
    page.wait_for_selector("#query-result table tbody tr, #query-result .answer")
    assert "failed" not in page.inner_text("#query-status").lower()
    _clean(page)


def test_search_box_suggests_and_opens_an_entity(page, server: str) -> None:
    page.goto(server + "/")
    page.click("#search-input")
    page.keyboard.type("lyn", delay=60)
    # Suggestions for "l" and "ly" may still be on screen: wait for the list of the whole word.
    first = page.locator("#search-suggestions li[role=option]").first
    first.filter(has_text="Lynas Rare Earths").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/entities/lynas")
    assert page.inner_text("h1") == "Lynas Rare Earths"
    # Chinese works too.
    page.fill("#search-input", "")
    page.click("#search-input")
    page.keyboard.type("镝")
    page.locator("#search-suggestions li[role=option]").first.filter(has_text="dysprosium").wait_for()
    _clean(page)


def test_a_search_with_no_match_says_so_and_offers_close_names(page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#search-input", "zzqqxx")
    page.keyboard.press("Enter")
    page.wait_for_url("**/entities/zzqqxx")
    assert "Nothing in the graph is called" in page.inner_text("h1")
    # The page itself is a 404, which the console reports; nothing else may go wrong.
    assert [e for e in page.errors if "status of 404" not in e] == [] and page.foreign == []


def test_a_shared_link_with_an_impossible_date_says_so(page, server: str) -> None:
    page.goto(server + "/?ask=measures&in_force_on=2026-02-30")
    alert = page.locator("#ask-result [role=alert]")
    alert.wait_for()
    assert "in_force_on=2026-02-30" in alert.inner_text()
    _clean(page)


def test_entity_page_shows_facts_sources_conflicts_and_graph(page, server: str) -> None:
    page.goto(server + "/entities/lynas-malaysia")
    assert page.locator("#facts table.facts tr").count() > 5
    assert page.locator("#facts .chip.source").count() > 5
    # Lynas's May "planned" for terbium oxide is an earlier report that Caixin's November
    # "operating" updates: marked superseded, not listed among conflicts.
    superseded = page.locator("#facts table.facts tr.superseded")
    assert superseded.count() >= 1 and "terbium oxide" in superseded.first.inner_text()
    assert page.locator("#conflicts").count() == 0
    assert page.locator("#sources li").count() >= 2
    nodes = page.locator("#graph-view svg .node-g")
    assert nodes.count() >= 4
    # A click on a neighbour opens its page.
    page.locator("#graph-view svg .node-g", has_text="Lynas Rare Earths").first.click()
    page.wait_for_url("**/entities/lynas")
    _clean(page)


def test_answers_say_what_they_rest_on(page, server: str) -> None:
    import datetime as dt

    page.goto(server + "/")
    # The measures form asks about today, as the endpoint does.
    assert page.input_value("#measures-form input[name=in_force_on]") == dt.date.today().isoformat()
    page.fill("#suppliers-form input[name=material]", "gallium")
    page.fill("#suppliers-form input[name=outside]", "China")
    page.click("#suppliers-form button")
    page.wait_for_selector("#ask-result [data-testid=coverage]")
    assert "no producer data for gallium" in page.inner_text("#ask-result [data-testid=coverage]")
    assert "rests on no data" in page.inner_text("#ask-result [data-testid=evidence]")
    page.fill("#suppliers-form input[name=material]", "rare earths")
    page.click("#suppliers-form button")
    page.wait_for_selector("#ask-result caption")
    assert "Burma" in page.inner_text("#ask-result")
    page.click("#measures-form button")
    page.locator("#ask-result [data-testid=evidence]").filter(has_text="projected").wait_for()
    assert page.locator("#ask-result .badge", has_text="projected").count() > 0
    _clean(page)


def test_ask_who_supplies_dysprosium_outside_china(page, server: str, tmp_path: Path) -> None:
    page.goto(server + "/")
    page.fill("#suppliers-form input[name=material]", "Dy")
    page.fill("#suppliers-form input[name=outside]", "CN")
    page.click("#suppliers-form button")
    page.wait_for_selector("#ask-result table tbody tr")
    text = page.inner_text("#ask-result")
    assert "Lynas Rare Earths" in text and "Malaysia" in text
    page.click("#measures-form button")
    page.wait_for_selector("#ask-result table tbody tr")
    assert "suspended" in page.inner_text("#ask-result")
    page.fill("#suppliers-form input[name=material]", "unobtainium")
    page.click("#suppliers-form button")
    page.wait_for_selector("#ask-result .error-box")
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    # A 404 the page shows is expected here; the browser logs the failed fetch as a console error.
    page.errors[:] = [e for e in page.errors if "404" not in e]
    _clean(page)


# -- the Content Security Policy and the offline API docs (issue 15) ----------------------------

#: Collects every CSP violation the page reports, from the first script on.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _violations(pg) -> list[str]:
    return pg.evaluate("window.__csp") + [e for e in pg.errors if "Content Security Policy" in e]


def test_pages_pass_their_content_security_policy(page, server: str) -> None:
    page.add_init_script(CSP_LISTENER)
    response = page.goto(server + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Use what the page has: the ask forms, a query, the search box.
    page.click("#suppliers-form button")
    page.wait_for_selector("#ask-result table tbody tr")
    page.click("#run-query")
    page.wait_for_selector("#query-result table tbody tr, #query-result .answer")
    page.click("#search-input")
    page.keyboard.type("lyn", delay=40)
    page.locator("#search-suggestions li[role=option]").first.wait_for()
    assert _violations(page) == []
    response = page.goto(server + "/entities/lynas-malaysia")
    assert response.headers["x-frame-options"] == "DENY"
    page.locator("#graph-view svg .node-g").first.wait_for()
    assert _violations(page) == []
    _clean(page)


def test_docs_work_offline(page, server: str) -> None:
    page.add_init_script(CSP_LISTENER)
    page.goto(server + "/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    operations = page.locator(".swagger-ui .opblock-summary-path").all_inner_texts()
    assert len(operations) >= 10 and any(p.startswith("/sparql") for p in operations), operations
    assert "rekg" in page.inner_text(".swagger-ui .info .title")
    # Open one operation: its parameters render from the local document.
    page.locator(".opblock-get", has_text="/suppliers").first.locator(".opblock-summary").click()
    page.locator(".opblock-get .parameters").first.wait_for()
    assert _violations(page) == []
    _clean(page)


def test_redoc_works_offline(page, server: str) -> None:
    page.add_init_script(CSP_LISTENER)
    page.goto(server + "/redoc")
    page.locator("[role=navigation] li, .menu-content li").first.wait_for()
    assert "/sparql" in page.inner_text("body")
    # ReDoc always shows its maker's logo from a CDN (and hides it when it fails to load): the policy
    # stops that request before it leaves, which is the one violation allowed here.
    logo = "cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v for v in _violations(page) if logo not in v] == []
    # Its search worker is made from a blob: URL of this origin: nothing leaves for it either.
    assert [u for u in page.foreign if logo not in u and not u.startswith("blob:" + server)] == []
    page.foreign[:] = []
    page.errors[:] = [e for e in page.errors if "Content Security Policy" not in e or logo not in e]
    _clean(page)


# -- charts and analyses on the page (issue 17) ---------------------------------------------------


def _marks(pg, chart: str, layer: int = 0) -> int:
    """How many items Vega drew in the chart's layer (one SVG path per bar, circle or rule)."""
    fig = pg.locator(f"#ask-result figure[data-chart={chart}]")
    fig.and_(pg.locator("[data-ready=true]")).wait_for()
    return fig.locator("g.role-mark").nth(layer).locator(":scope > *").count()


def _no_overflow(pg) -> None:
    width = pg.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"


def _ask(pg, server: str, query: str) -> None:
    pg.add_init_script(CSP_LISTENER)
    pg.goto(server + "/?" + query)
    pg.locator("#ask-result h3, #ask-result .error-box").first.wait_for()


def test_measures_chart_bars_by_status_and_a_click_opens_the_measure(page, server: str, tmp_path: Path) -> None:
    data = httpx.get(server + "/measures", timeout=30).json()
    dated = [m for m in data["measures"] if m["dates"]]
    _ask(page, server, "ask=measures")
    fig = page.locator("#ask-result figure[data-chart=measures]")
    bars = _marks(page, "measures")
    assert bars == int(fig.get_attribute("data-marks")) >= len(dated) > 10
    # One row per measure with dates; markers for today and the newest source.
    assert _marks(page, "measures", 1) >= 2
    assert "newest source" in fig.inner_text() and "today" in fig.inner_text()
    # Projected statuses have a colour of their own (the seed graph's statuses after its newest source are).
    assert data["evidence"]["projected"]
    assert "projected" in fig.locator("[data-testid=status-legend]").inner_text()
    assert fig.locator("g.role-mark >> nth=0").locator('path[fill="#e0a526"]').count() > 0
    # Downloads: SVG and PNG.
    with page.expect_download() as d:
        fig.get_by_role("button", name="SVG").click()
    svg = Path(d.value.path()).read_text()
    assert svg.startswith("<svg") and svg.count("<path") >= bars
    with page.expect_download() as d:
        fig.get_by_role("button", name="PNG").click()
    assert Path(d.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _violations(page) == []
    fig.locator("g.role-mark").first.locator(":scope > path").first.click()
    page.wait_for_url("**/entities/**")
    assert page.locator("h1").inner_text()
    _clean(page)


def test_concentration_chart_has_a_bar_per_share_with_hhi_and_sources(page, server: str) -> None:
    expected = 0
    for indicator in ("production", "mining", "processing", "magnet_making"):
        d = httpx.get(server + "/concentration", params={"material": "rare earths", "indicator": indicator}).json()
        if d["shares"]:
            expected += len(d["shares"]) + (sum(s["share"] for s in d["shares"]) < 0.995)
    _ask(page, server, "ask=concentration&material=rare+earths")
    assert _marks(page, "concentration") == expected == 16  # 12 countries' mine output, 2 + 2 stated shares
    text = page.inner_text("#ask-result")
    assert "HHI 5024" in text and "HHI 4900" in text and "HHI 8100" in text
    assert page.locator("#ask-result table .chip.source").count() >= 2
    assert page.locator("#ask-result [data-testid=evidence]").count() == 1
    assert _violations(page) == []
    page.locator("#ask-result figure[data-chart=concentration] g.role-mark path").first.click()
    page.wait_for_url("**/entities/china")
    _clean(page)


def test_paths_diagram_marks_restricted_links_and_avoids_a_country(page, server: str) -> None:
    d = httpx.get(server + "/paths", params={"source": "United States", "target": "dysprosium"}).json()
    nodes = sum(len(p["nodes"]) for p in d["paths"])
    links = sum(len(p["steps"]) for p in d["paths"])
    restricted = sum(1 for p in d["paths"] for s in p["steps"] if s["restricted_by"])
    _ask(page, server, "ask=paths&source=United+States&target=dysprosium")
    assert page.input_value("#paths-form input[name=source]") == "United States"
    assert _marks(page, "paths", 0) == links == 49
    assert _marks(page, "paths", 1) == nodes == 62
    assert restricted == 9
    assert f"{restricted} restricted" in page.inner_text("#ask-result figure[data-chart=paths]")
    assert page.locator("#ask-result [data-testid=evidence]").count() == 1
    assert page.locator("#ask-result .api-call a").get_attribute("href").startswith("/paths?")
    # "Avoid China": one click asks again, and the address says so (shareable).
    page.locator("#ask-result .toggles button", has_text="China").click()
    page.wait_for_url("**avoid=China**")
    page.locator("#ask-result h3", has_text="avoiding China").wait_for()
    avoiding = httpx.get(
        server + "/paths", params={"source": "United States", "target": "dysprosium", "avoid": "China"}
    ).json()
    assert _marks(page, "paths", 1) == sum(len(p["nodes"]) for p in avoiding["paths"]) == 23
    assert all(n["label"] != "China" for p in avoiding["paths"] for n in p["nodes"])
    assert _violations(page) == []
    page.locator("#ask-result figure[data-chart=paths] g.role-mark").nth(1).locator("path").first.click()
    page.wait_for_url("**/entities/united-states")
    _clean(page)


def test_names_typed_into_one_field_are_sent_as_typed_and_read_by_the_server(page, server: str) -> None:
    # The page once split the field at commas itself, which broke names that hold one.
    _ask(page, server, "ask=paths&source=United+States&target=dysprosium&avoid=China%2C+Russia")
    page.locator("#ask-result h3", has_text="Russia").wait_for()
    href = page.locator("#ask-result .api-call a").get_attribute("href")
    assert "avoid=China%2C+Russia" in href and href.count("avoid=") == 1
    _clean(page)


def test_disruption_chart_before_and_after(page, server: str) -> None:
    d = httpx.get(server + "/scenarios/disruption", params={"remove": "China"}).json()
    _ask(page, server, "ask=scenario&remove=China")
    assert _marks(page, "disruption") == 6
    assert _marks(page, "sectors") == len(d["sectors_affected"]) == 9
    assert d["note"] in page.inner_text("#ask-result")
    assert _violations(page) == []
    page.locator("#ask-result figure[data-chart=sectors] g.role-mark path").first.click()
    page.wait_for_url("**/entities/**")
    _clean(page)


def test_chokepoints_form_answers_with_its_evidence(page, server: str) -> None:
    page.add_init_script(CSP_LISTENER)
    page.goto(server + "/")
    page.click("#chokepoints-form button")
    page.locator("#ask-result h3", has_text="Chokepoints").wait_for()
    assert "ask=chokepoints" in page.url and "consumer=United+States" in page.url
    assert page.locator("#ask-result [data-testid=evidence]").count() == 1
    assert page.locator("#ask-result table tbody tr").count() >= 3  # restricted flows from China
    page.locator("#ask-result a", has_text="dysprosium oxide").first.click()
    page.wait_for_url("**/entities/dysprosium-oxide")
    assert _violations(page) == []
    _clean(page)


def test_did_you_mean_offers_links(page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#suppliers-form input[name=material]", "terb")
    page.click("#suppliers-form button")
    hint = page.locator("#ask-result .did-you-mean")
    hint.wait_for()
    assert hint.locator("a").count() >= 2
    assert "http" not in hint.inner_text() and ",," not in hint.inner_text()
    assert hint.inner_text().startswith("Did you mean terbium")
    hint.locator("a", has_text="terbium").first.click()
    page.wait_for_url("**/entities/terbium")
    page.errors[:] = [e for e in page.errors if "404" not in e]
    _clean(page)


@pytest.mark.parametrize(
    "where",
    [
        "/",
        "/?ask=measures",
        "/?ask=paths&source=US&target=dysprosium",
        "/?ask=concentration&material=rare+earths",
        "/?ask=scenario&remove=China",
        "/?ask=chokepoints&consumer=US&material=dysprosium",
        "/?ask=suppliers&material=Dy&outside=CN",
        "/entities/china",
        "/entities/lynas-malaysia",
    ],
)
def test_a_phone_scrolls_no_page_sideways(browser, server: str, where: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors, foreign = [], []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: r.url.startswith(server) or foreign.append(r.url))
    pg.add_init_script(CSP_LISTENER)
    pg.goto(server + where)
    if "ask=" in where:
        pg.locator("#ask-result h3").first.wait_for()
        fig = pg.locator("#ask-result figure.chart[data-ready=true]")
        if pg.locator("#ask-result figure.chart").count():
            fig.first.wait_for()
    _no_overflow(pg)
    assert errors == [] and foreign == [] and pg.evaluate("window.__csp") == []
    context.close()


def test_phone_search_is_full_width_and_every_input_has_a_label(browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(server + "/")
    box = pg.locator("#search-input").bounding_box()
    assert box["width"] >= 340
    pg.click("#search-input")
    pg.keyboard.type("lyn", delay=40)
    pg.locator("#search-suggestions li[role=option]").first.wait_for()
    assert pg.locator("#search-suggestions").bounding_box()["width"] >= 340
    # Chromium's accessibility tree: every text box, date, list box and combo box has a name.
    unnamed = pg.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')].filter(e => e.type !== 'hidden')
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)"""
    )
    assert unnamed == []
    snapshot = pg.accessibility.snapshot(interesting_only=True) if hasattr(pg, "accessibility") else None
    if snapshot:

        def walk(node):
            yield node
            for child in node.get("children", []):
                yield from walk(child)

        fields = [n for n in walk(snapshot) if n["role"] in ("textbox", "combobox", "searchbox", "spinbutton")]
        assert fields and all(n.get("name") for n in fields), fields
    context.close()


def test_a_large_neighbourhood_is_grouped_and_collapsed(page, server: str) -> None:
    entity = httpx.get(server + "/entities/china", headers={"Accept": "application/json"}).json()
    assert len(entity["neighbours"]) > 40
    page.add_init_script(CSP_LISTENER)
    page.goto(server + "/entities/china")
    nodes = page.locator("#graph-view svg .node-g")
    nodes.first.wait_for()
    assert nodes.count() <= 20  # China and a readable few, not 48
    more = page.locator("#graph-view svg .node-g.more")
    assert more.count() >= 2
    hidden = sum(int(t.split()[0].lstrip("+")) for t in more.locator("text").all_text_contents())
    assert nodes.count() - more.count() - 1 + hidden == len(entity["neighbours"])
    # The list groups every neighbour by relation; big groups start closed.
    groups = page.locator("#neighbourhood details.neighbour-group")
    assert groups.count() >= 3
    assert page.locator("#neighbourhood details.neighbour-group li").count() == len(entity["neighbours"])
    assert page.locator("#neighbourhood details.neighbour-group:not([open])").count() >= 1
    # "+N imposes" opens that group in the graph.
    before = nodes.count()
    more.filter(has_text="imposes").click()
    assert nodes.count() > before
    assert _violations(page) == []
    _clean(page)


def test_readme_screenshots_exist_and_the_script_makes_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    import re

    shots = re.findall(r"\]\((docs/screenshots/[\w.-]+\.png)\)", readme)
    assert len(shots) == 8
    from bench.screenshots import SHOTS, VIEWPORTS

    made = {f"docs/screenshots/{name}-{device}.png" for name in SHOTS for device in VIEWPORTS}
    assert set(shots) == made
    for shot in shots:
        assert (ROOT / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
