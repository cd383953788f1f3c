"""The GraphiQL page, served entirely from files inside the package.

Analysts open GraphiQL on machines without internet access, so the page may
only reference same-origin URLs: GraphiQL, React and their CSS are vendored
into ``static/graphiql/`` by ``scripts/vendor-graphiql.sh``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

__all__ = ["STATIC_DIR", "graphiql_html", "load_examples", "page_html", "same_origin"]

#: The package's ``static`` folder; mount it with ``StaticFiles(directory=STATIC_DIR)``.
STATIC_DIR: Path = Path(__file__).resolve().parent / "static"

# The empty data: icon keeps browsers from asking for /favicon.ico, which
# relgraph does not serve.
_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>relgraph GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/graphiql.min.css">
<style>
html, body {{ height: 100%; margin: 0; }}
body {{ display: flex; flex-direction: column; font-family: system-ui, sans-serif; }}
#graphiql {{ flex: 1; min-height: 0; }}
.relgraph-bar {{
  display: flex; flex-wrap: wrap; align-items: center; gap: 8px;
  padding: 6px 12px; font-size: 14px;
  background: #f3f4f7; color: #1b2240; border-bottom: 1px solid #d8dbe3;
}}
.relgraph-bar label {{ display: flex; align-items: center; gap: 6px; }}
.relgraph-bar input, .relgraph-bar select, .relgraph-bar button {{ font: inherit; padding: 3px 8px; }}
.relgraph-bar input {{ width: 22em; }}
.relgraph-bar .relgraph-hint {{ color: #8a5a00; }}
.relgraph-bar .relgraph-status {{ color: #2c7a4b; }}
.relgraph-bar .relgraph-spacer {{ flex: 1; }}
body.graphiql-dark .relgraph-bar {{ background: #1d2436; color: #c5cbd9; border-color: #2f3850; }}
body.graphiql-dark .relgraph-bar .relgraph-hint {{ color: #ffcc66; }}
body.graphiql-dark .relgraph-bar .relgraph-status {{ color: #5fd39a; }}
@media (prefers-color-scheme: dark) {{
  body:not(.graphiql-light) .relgraph-bar {{ background: #1d2436; color: #c5cbd9; border-color: #2f3850; }}
  body:not(.graphiql-light) .relgraph-bar .relgraph-hint {{ color: #ffcc66; }}
  body:not(.graphiql-light) .relgraph-bar .relgraph-status {{ color: #5fd39a; }}
}}
</style>
</head>
<body>
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="graphiql" data-endpoint="{endpoint}" data-explore="/explore">Loading GraphiQL&hellip;</div>
<script type="application/json" id="relgraph-examples">{examples}</script>
<script src="{assets}/react.production.min.js"></script>
<script src="{assets}/react-dom.production.min.js"></script>
<script src="{assets}/graphiql.min.js"></script>
<script src="{static}/token-bar.js"></script>
<script src="{assets}/relgraph-graphiql.js"></script>
</body>
</html>
"""


def _script_json(value: object) -> str:
    # Embedded in a <script> element, the JSON must not be able to end it
    # ("</script>") or switch the HTML parser into its escaped states ("<!--").
    # Escaping every "/" turns "</" into "<\/" and also keeps URLs quoted in
    # example comments from appearing verbatim in the page. Both rewrites are
    # valid JSON escapes, so JSON.parse gets the original text back.
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("/", "\\/").replace("<!--", "\\u003c!--")


def same_origin(url: str, what: str) -> str:
    # The page must work offline: refuse anything that names another host.
    if "://" in url or url.startswith("//"):
        raise ValueError(f"{what} must be a same-origin path, got {url!r}")
    return url


def graphiql_html(*, endpoint: str, static_url: str, examples: list[dict[str, str]]) -> str:
    """Return the GraphiQL page for *endpoint*, loading assets from *static_url*.

    *static_url* is where ``STATIC_DIR`` is mounted (e.g. ``"/static"``);
    *examples* are ``{"name", "description", "query"}`` dicts, see ``load_examples``.
    Raises ``ValueError`` if *endpoint* or *static_url* names another host.
    """
    return page_html(
        _PAGE, endpoint=endpoint, static_url=static_url, assets="graphiql", examples=_script_json(examples)
    )


def page_html(page: str, *, endpoint: str, static_url: str, assets: str, **parts: str) -> str:
    """Fill in `page`, an offline page served by relgraph: its `{static}` and `{assets}`
    (the folder `assets` of STATIC_DIR) under *static_url*, its `{endpoint}`, and `parts`
    as they are. Raises ``ValueError`` if *endpoint* or *static_url* names another host."""
    static = same_origin(static_url, "static_url").rstrip("/")
    return page.format(
        static=html.escape(static),
        assets=html.escape(f"{static}/{assets}"),
        endpoint=html.escape(same_origin(endpoint, "endpoint")),
        **parts,
    )


def load_examples(directory: Path) -> list[dict[str, str]]:
    """Read the ``*.graphql`` files in *directory*, sorted by name.

    The description is the file's leading ``#`` comment block; the query is the
    whole file, comments included, so GraphiQL shows the description on top.
    A missing directory yields no examples.
    """
    if not directory.is_dir():
        return []
    examples: list[dict[str, str]] = []
    for path in sorted(directory.glob("*.graphql"), key=lambda p: p.name):
        if not path.is_file():
            continue
        query = path.read_text(encoding="utf-8")
        description: list[str] = []
        for line in query.splitlines():
            stripped = line.strip()
            if not stripped and not description:
                continue  # blank lines before the comment block
            if not stripped.startswith("#"):
                break
            text = stripped.lstrip("#").strip()
            if text:
                description.append(text)
        examples.append({"name": path.stem, "description": " ".join(description), "query": query})
    return examples
