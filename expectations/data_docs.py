"""Data Docs that open offline: no request to any host but the site itself, and a bounded history.

GX 1.24's page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from
public CDNs, and the navbar logo from GX's S3 bucket with the data context id and a timestamp
in its URL, so every reader's browser calls out (analytics settings do not cover it), and with
no network the index lists nothing: bootstrap-table, from a CDN, is what draws its table.

The site is built with GX's own extension points (``data_docs_site_config``): the site builder,
the index builder and each section builder get a view class of this module. Its template loader
hands GX's templates over with each CDN tag pointing at the copy in ``data_docs_assets/`` (npm
packages, see its README) and the logo at GX's bundled ``static/images``; the site builder
copies those assets to ``static/vendor/``. A template that still loads anything from another
host (a GX upgrade adding an asset) fails to render, and GX logs the error naming the template
and the URL; the offline-docs test fails on it.

``prune_validation_results`` keeps the newest runs' validation results; the index, rebuilt from
the store, then drops the pruned runs and GX deletes their pages.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from great_expectations.render.renderer.site_builder import SiteBuilder
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BaseLoader, Environment

ASSETS = Path(__file__).resolve().parent / "data_docs_assets"
VENDOR_KEY = ("static", "vendor")  # where ASSETS land in the site
MODULE = __name__

# Every asset a GX 1.24 template loads from another host -> its file under ASSETS; None drops
# the tag (Bootstrap's bundle carries Popper).
CDNJS = "https://cdnjs.cloudflare.com/ajax/libs/"
JSDELIVR = "https://cdn.jsdelivr.net/npm/"
UNPKG = "https://unpkg.com/"
FILTER_CONTROL = "dist/extensions/filter-control/bootstrap-table-filter-control"
VENDORED: dict[str, str | None] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/bootstrap.bundle.min.js"
    ),
    f"{CDNJS}popper.js/1.12.9/umd/popper.min.js": None,
    f"{UNPKG}bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    f"{UNPKG}bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    f"{UNPKG}bootstrap-table@1.19.0/{FILTER_CONTROL}.css": (
        "bootstrap-table/bootstrap-table-filter-control.min.css"
    ),
    f"{UNPKG}bootstrap-table@1.19.0/{FILTER_CONTROL}.min.css": (
        "bootstrap-table/bootstrap-table-filter-control.min.css"
    ),
    f"{UNPKG}bootstrap-table@1.19.1/{FILTER_CONTROL}.min.js": (
        "bootstrap-table/bootstrap-table-filter-control.min.js"
    ),
    f"{CDNJS}bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/bootstrap-datepicker.min.css"
    ),
    f"{CDNJS}bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/bootstrap-datepicker.min.js"
    ),
    f"{JSDELIVR}@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark/bootstrap-prefers-dark.min.css"
    ),
    f"{CDNJS}font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    f"{JSDELIVR}vega@5": "vega/vega.min.js",
    f"{JSDELIVR}vega-lite@5": "vega/vega-lite.min.js",
    f"{JSDELIVR}vega-embed@6": "vega/vega-embed.min.js",
}

# The logo: GX's S3 bucket -> the copy GX puts in every site; in dark mode the stylesheet swaps
# in another S3 image: show the same logo inverted instead. Each must be found in the template.
GX_ASSETS_BUCKET = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
EDITS: dict[str, list[tuple[str, str]]] = {
    "top_navbar.j2": [
        (
            f'{{% set static_images_dir = "{GX_ASSETS_BUCKET}" -%}}',
            '{% set static_images_dir = root ~ "static/images/" -%}',
        ),
    ],
    "favicon.j2": [  # GX's relative path is one level short on validation pages
        ('{{ static_images_dir + "favicon.ico" }}', "{{ root }}static/images/favicon.ico"),
    ],
    "data_docs_default_styles.css": [
        (f"url('{GX_ASSETS_BUCKET}full_logo_dark.png')", "none"),
        (
            ".navbar-brand a img {\n    visibility:hidden\n  }",
            ".navbar-brand a img {\n    filter: invert(1) hue-rotate(180deg)\n  }",
        ),
    ],
}

ASSET_TAG = re.compile(
    r"""<(?P<tag>script|link)\b[^>]*?\b(?:src|href)="(?P<url>https?://[^"]+)"[^>]*>(?:\s*</script>)?"""
)
# What makes a browser fetch without a click: an element's src, a stylesheet or icon link, a CSS
# url() or @import. Plain links (<a href>) are navigation and stay.
OUTBOUND = re.compile(
    r"""(?:<(?:script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?"""
    r"""|url\(\s*["']?|@import\s+["']?)(?P<url>(?:https?:)?//[^"')\s>]+)""",
    re.IGNORECASE,
)
ROOT = "root"  # the template variable holding the page's relative path to the site root


class OfflineAssetError(RuntimeError):
    """A Data Docs template loads something from another host that the project does not vendor."""


def outbound_urls(text: str) -> list[str]:
    """The URLs on other hosts that ``text`` (HTML, a template, CSS) makes a browser fetch."""
    return [match["url"] for match in OUTBOUND.finditer(text)]


def offline_source(name: str, source: str) -> str:
    """GX's template ``name`` with its CDN and S3 assets pointed at the site's own copies."""
    for old, new in EDITS.get(name, []):
        if old not in source:
            raise OfflineAssetError(
                f"Data Docs template {name} no longer holds {old!r}: Great Expectations changed it; "
                "update EDITS in expectations/data_docs.py"
            )
        source = source.replace(old, new)

    def local(match: re.Match[str]) -> str:
        url = match["url"]
        if url not in VENDORED:
            raise OfflineAssetError(
                f"Data Docs template {name} loads {url}, which expectations/data_docs_assets does not "
                "hold: vendor it from its npm package (see the README there) and map it in VENDORED"
            )
        path = VENDORED[url]
        if path is None:
            return ""
        href = f"{{{{ {ROOT} }}}}{'/'.join(VENDOR_KEY)}/{path}"
        if match["tag"] == "script":
            return f'<script src="{href}"></script>'
        return f'<link rel="stylesheet" href="{href}">'

    source = ASSET_TAG.sub(local, source)
    left = outbound_urls(source)
    if left:
        raise OfflineAssetError(
            f"Data Docs template {name} still loads {', '.join(left)} from another host: vendor it "
            "or edit it out in expectations/data_docs.py"
        )
    return source


class OfflineLoader(BaseLoader):
    """GX's template loader, each template made offline as it is read."""

    def __init__(self, inner: BaseLoader):
        self.inner = inner

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        return offline_source(template, source), filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def site_root(document: Any) -> str:
    """The relative path from a rendered page to the site root (mirrors GX's ``top_navbar.j2``)."""
    kind = getattr(document, "renderer_type", None) or ""
    dots = (getattr(document, "expectation_suite_name", None) or "").count(".")
    if "ValidationResults" in kind or "ProfilingResults" in kind:
        return "../" * (dots + 4)  # validations/<suite parts>/<run name>/<run time>/<batch>.html
    if "ExpectationSuite" in kind:
        return "../" * (dots + 1)  # expectations/<suite parts>.html
    return ""


def _no_tracking(url: str, add_datetime: bool = True) -> str:
    """GX appends the data context id and the build time to the logo's URL; the logo is local."""
    return url


class _Offline:
    env: Environment

    def _make_offline(self) -> None:
        loader = self.env.loader
        if loader is None:
            raise RuntimeError("Great Expectations' page view has no template loader")
        self.env.loader = OfflineLoader(loader)
        self.env.filters["add_data_context_id_to_url"] = _no_tracking


class OfflinePageView(_Offline, DefaultJinjaPageView):
    """GX's page view (expectation suites, validation results) with the site's own assets."""

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
        super().__init__(custom_styles_directory, custom_views_directory)
        self._make_offline()

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> Any:
        return super().render(document, template, **{ROOT: site_root(document), **kwargs})


class OfflineIndexPageView(_Offline, DefaultJinjaIndexPageView):
    """GX's index page view with the site's own assets."""

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
        super().__init__(custom_styles_directory, custom_views_directory)
        self._make_offline()

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> Any:
        return super().render(document, template, **{ROOT: "", **kwargs})


class OfflineSiteBuilder(SiteBuilder):
    """GX's site builder that also puts the vendored assets in the site's ``static/vendor/``.

    GX copies its stylesheet template into ``static/styles/`` too (no page links it: each page
    inlines it); the copy is replaced by its offline form so that no file names GX's bucket.
    """

    def build(self, resource_identifiers: Any = None, build_index: bool = True) -> Any:
        built = super().build(resource_identifiers=resource_identifiers, build_index=build_index)
        backend = self.target_store.store_backends["static_assets"]
        styles = ("static", "styles", "data_docs_default_styles.css")
        if backend.has_key(styles):
            backend.set(styles, offline_source(styles[-1], backend.get(styles)), content_type="text/css")
        for path in sorted(ASSETS.rglob("*")):
            if path.is_file() and path.name != "README.md":
                content_type, encoding = mimetypes.guess_type(path.name, strict=False)
                backend.set(
                    (*VENDOR_KEY, *path.relative_to(ASSETS).parts),
                    path.read_bytes(),
                    content_encoding=encoding,
                    content_type=content_type or "application/octet-stream",
                )
        return built


def data_docs_site_config(base_directory: str) -> dict[str, Any]:
    """The local site's configuration: GX's defaults with this module's builder and views, and
    without GX's tutorial buttons and walkthrough (links to GX's site, not this warehouse's)."""
    page_view = {"module_name": MODULE, "class_name": OfflinePageView.__name__}
    return {
        "module_name": MODULE,
        "class_name": OfflineSiteBuilder.__name__,
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": base_directory},
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "view": {"module_name": MODULE, "class_name": OfflineIndexPageView.__name__},
        },
        "site_section_builders": {
            "expectations": {"view": page_view},
            "validations": {"view": page_view},
            "profiling": {"view": page_view},
        },
    }


def prune_validation_results(context: Any, keep_runs: int) -> list[str]:
    """Delete the validation results of all but the ``keep_runs`` newest runs (by run name, the
    newest by the latest time any of its validations ran), and of a kept run's earlier attempts
    (a retry, or a run killed part-way, validates a suite again under the same run name: its
    newest result stands); the names of the pruned runs.

    The index is rebuilt from this store, so the next Data Docs build lists only the kept runs and
    deletes the pages of the others.
    """
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    if keep_runs < 1:
        raise ValueError(f"keep_runs must be at least 1, got {keep_runs}")
    store = context.validation_results_store
    keys = [key for key in store.list_keys() if isinstance(key, ValidationResultIdentifier)]
    latest: dict[str, Any] = {}
    for key in keys:
        name = key.run_id.run_name
        if name not in latest or key.run_id.run_time > latest[name]:
            latest[name] = key.run_id.run_time
    kept = set(sorted(latest, key=lambda name: (latest[name], name), reverse=True)[:keep_runs])
    newest: dict[tuple[str, str], Any] = {}
    for key in keys:
        attempt = (key.run_id.run_name, key.expectation_suite_identifier.name)
        newest[attempt] = max(newest.get(attempt, key.run_id.run_time), key.run_id.run_time)
    for key in keys:
        attempt = (key.run_id.run_name, key.expectation_suite_identifier.name)
        if key.run_id.run_name not in kept or key.run_id.run_time < newest[attempt]:
            store.remove_key(key)
    return sorted(set(latest) - kept)


def remove_empty_folders(folder: Path) -> None:
    """Remove the folders left empty under ``folder`` (pruned runs' page and result folders)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
