"""The Data Docs open with no network, and ask no host but the files themselves.

Each page is opened in headless Chromium with every host name unresolvable, recording what the
page requests over the DevTools protocol (``tests/chromium.py``); dbt's docs get the same check
on the page the pipeline publishes (``tests/publishing/test_quality.py``). The site is built by the
real checks on a small warehouse (``test_checks.build_warehouse``), and GX's stock site for the
same results shows what the check catches: CDN scripts and styles, and the logo from GX's S3
bucket with the data context id, without which the index lists nothing. Old runs are pruned by
``WAREHOUSE_DATA_DOCS_KEEP_RUNS``: the store, the pages and the index keep the newest runs only,
and of a run checked twice (a retry), its newest attempt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import great_expectations as gx
import pytest

from expectations.data_docs import OfflineAssetError, offline_source, outbound_urls
from expectations.runner import DOCS_SITE, data_docs_dir
from tests.chromium import PageLoad, needs_chromium, open_offline
from tests.expectations.test_checks import CHECKED, build_warehouse, check

SUITES = CHECKED[:2]  # two suites: enough for an index of several runs, quick to validate
RUNS = ["run-1", "run-2", "run-3", "run-4"]
KEEP = 2
ROW = re.compile(r'<tr[^>]*data-index="\d+"[^>]*>(.*?)</tr>', re.S)
# Bootstrap's stylesheet applied (its sticky-top navbar), and the icon font loaded where used.
PROBES = {
    "navbar": "getComputedStyle(document.querySelector('nav.navbar')).position",
    "icon_fonts": (
        "[...document.fonts].filter(f => f.family.includes('Font Awesome') && f.status === 'loaded').length"
    ),
    "icons": "document.querySelectorAll('.fas, .far').length",
}


def listed_runs(dom: str) -> list[str]:
    """The run names in the rows bootstrap-table drew on the index (the validation results)."""
    cells = [re.sub(r"<[^>]+>", " ", row).split() for row in ROW.findall(dom)]
    return sorted({word for words in cells for word in words if word in RUNS})


@pytest.fixture(scope="module")
def gx_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Four check runs on a small warehouse, keeping the newest two."""
    folder = tmp_path_factory.mktemp("offline-docs")
    con = build_warehouse(folder / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_DATA_DOCS_KEEP_RUNS", str(KEEP))
        for run in [*RUNS, RUNS[-1]]:  # the last run twice: a retry of a killed attempt
            check(con, folder / "gx", run, SUITES)
    con.close()
    yield folder / "gx"


@pytest.fixture(scope="module")
def stock_site(gx_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same validation results rendered by GX's stock site builder (what the pipeline built
    before): the input the offline check must fail on."""
    context = gx.get_context(mode="file", context_root_dir=str(gx_dir))
    target = tmp_path_factory.mktemp("stock-site")
    context.variables.data_docs_sites = {
        "stock": {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(target)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }
    context.build_data_docs(site_names=["stock"])  # in memory only: the context's file keeps its site
    return target


@needs_chromium
def test_the_stock_gx_site_calls_cdns_and_gx_s3_and_lists_nothing_offline(
    stock_site: Path, gx_dir: Path
) -> None:
    page = open_offline(stock_site / "index.html", PROBES)
    hosts = {re.sub(r"^https?://([^/]+)/.*", r"\1", url) for url in page.outbound}
    assert {"cdn.jsdelivr.net", "unpkg.com", "code.jquery.com", "maxcdn.bootstrapcdn.com"} <= hosts, hosts
    logo = [url for url in page.outbound if "great-expectations-web-assets.s3" in url]
    context_id = gx.get_context(mode="file", context_root_dir=str(gx_dir)).variables.data_context_id
    assert logo and f"dataContextId={context_id}" in logo[0]
    assert listed_runs(page.dom) == []  # bootstrap-table never loaded: the index table is empty
    assert page.values["navbar"] == "static"  # unstyled
    assert outbound_urls((stock_site / "index.html").read_text())


@needs_chromium
def test_the_data_docs_index_lists_the_kept_runs_with_no_outbound_request(gx_dir: Path) -> None:
    index = data_docs_dir(gx_dir) / "index.html"
    page = open_offline(index, PROBES)
    assert page.outbound == [], page.outbound
    assert page.failed == {}, page.failed  # every vendored file is in the site
    assert any("/static/vendor/bootstrap-table/" in url for url in page.requests)
    assert listed_runs(page.dom) == RUNS[-KEEP:]
    assert page.values["navbar"] == "sticky"
    assert all(f'title="{suite}"' in page.dom or f">{suite}<" in page.dom for suite in SUITES)
    assert outbound_urls(index.read_text()) == []


@needs_chromium
def test_each_validation_and_suite_page_renders_offline(gx_dir: Path) -> None:
    site = data_docs_dir(gx_dir)
    pages = sorted((site / "validations").rglob("*.html")) + sorted((site / "expectations").rglob("*.html"))
    assert len(pages) == KEEP * len(SUITES) + len(SUITES)
    loads: list[PageLoad] = [open_offline(page, PROBES) for page in pages[:: len(SUITES)]]
    for load in loads:
        assert load.outbound == [] and load.failed == {}, (load.url, load.outbound, load.failed)
        assert load.values["navbar"] == "sticky", load.url
        assert load.values["icon_fonts"] >= 1 or load.values["icons"] == 0, load.url
    assert any(load.values["icons"] for load in loads)  # a validation page draws its check icons
    for page in pages:
        assert outbound_urls(page.read_text()) == [], page


def test_old_runs_are_pruned_from_the_store_and_the_site(gx_dir: Path) -> None:
    results = {path.parent.parent.name for path in (gx_dir / "uncommitted" / "validations").rglob("*.json")}
    assert results == set(RUNS[-KEEP:])
    pages = {path.parent.parent.name for path in (data_docs_dir(gx_dir) / "validations").rglob("*.html")}
    assert pages == set(RUNS[-KEEP:])
    index = (data_docs_dir(gx_dir) / "index.html").read_text()
    assert all(run not in index for run in RUNS[:-KEEP]) and all(run in index for run in RUNS[-KEEP:])
    # A retried run keeps its newest attempt only, in the store and in the pages.
    for folder in (gx_dir / "uncommitted" / "validations", data_docs_dir(gx_dir) / "validations"):
        attempts = {path.parent.name for path in folder.rglob("*") if path.parent.parent.name == RUNS[-1]}
        assert len(attempts) == 1, attempts
    # No folder of a pruned run is left behind.
    assert not [p for p in gx_dir.rglob("*") if p.is_dir() and any(run in p.name for run in RUNS[:-KEEP])]


def test_the_context_keeps_the_offline_site_and_gx_s3_is_gone_from_every_file(gx_dir: Path) -> None:
    sites = gx.get_context(mode="file", context_root_dir=str(gx_dir)).variables.data_docs_sites
    assert sites[DOCS_SITE]["class_name"] == "OfflineSiteBuilder"
    for path in data_docs_dir(gx_dir).rglob("*"):
        if path.suffix in {".html", ".css", ".js"}:
            assert "great-expectations-web-assets" not in path.read_text(errors="replace"), path


def test_an_unvendored_asset_in_a_template_stops_the_render() -> None:
    source = '<link rel="stylesheet" href="https://cdn.example.org/new.css"/>'
    with pytest.raises(OfflineAssetError, match=r"page\.j2 loads https://cdn\.example\.org/new\.css"):
        offline_source("page.j2", source)
    with pytest.raises(OfflineAssetError, match=r"still loads //cdn\.example\.org/x\.png"):
        offline_source("section.j2", "<img src='//cdn.example.org/x.png'>")
    with pytest.raises(OfflineAssetError, match=r"top_navbar\.j2 no longer holds"):
        offline_source("top_navbar.j2", "<nav></nav>")
    assert offline_source("section.j2", '<a href="https://docs.example.org">docs</a>')  # a link is no request


def test_the_keep_runs_setting_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import DATA_DOCS_KEEP_RUNS, data_docs_keep_runs

    monkeypatch.delenv("WAREHOUSE_DATA_DOCS_KEEP_RUNS", raising=False)
    assert data_docs_keep_runs() == DATA_DOCS_KEEP_RUNS == 30
    monkeypatch.setenv("WAREHOUSE_DATA_DOCS_KEEP_RUNS", "7")
    assert data_docs_keep_runs() == 7
    for bad in ("0", "-3", "ten"):
        monkeypatch.setenv("WAREHOUSE_DATA_DOCS_KEEP_RUNS", bad)
        with pytest.raises(ValueError, match="WAREHOUSE_DATA_DOCS_KEEP_RUNS"):
            data_docs_keep_runs()


def test_the_published_site_is_replaced_whole_and_a_killed_copy_is_removed(tmp_path: Path) -> None:
    """The copy BI and the team read is renamed into place; what a killed copy left (a temporary
    folder named by its dead process, or the fixed names of earlier versions) goes at the next
    publish, another live publish's copy stays."""
    import os
    import subprocess
    import sys
    import time

    from core.scratch import temp_path
    from expectations.runner import publish_data_docs

    site = data_docs_dir(tmp_path / "gx")
    site.mkdir(parents=True)
    (site / "index.html").write_text("new site")
    target = tmp_path / "published" / "data_docs"
    target.mkdir(parents=True)
    (target / "index.html").write_text("old site")
    (target / "stale.html").write_text("a page the new site no longer has")
    code = (
        "import sys; from pathlib import Path; from core.scratch import temp_path; "
        "folder = temp_path(Path(sys.argv[1])); folder.mkdir(); "
        "(folder / 'index.html').write_text('half'); print(folder)"
    )
    killed = Path(
        subprocess.run(
            [sys.executable, "-c", code, str(target)], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    legacy = [target.with_name(".data_docs.tmp"), target.with_name(".data_docs.old")]
    for folder in legacy:
        folder.mkdir()
    live = temp_path(target)  # this process's: a publish still copying, with its source's old times
    live.mkdir()
    os.utime(live, (time.time() - 7 * 3600,) * 2)

    assert publish_data_docs(tmp_path / "gx", target) == target / "index.html"
    assert (target / "index.html").read_text() == "new site" and not (target / "stale.html").exists()
    assert not killed.exists() and not any(folder.exists() for folder in legacy)
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(
        ["data_docs", ".data_docs.lock", live.name]
    )
