"""The /explore network view, served entirely from files inside the package.

Like GraphiQL (see ``ide.py``) the page works offline: it only references
same-origin URLs. Cytoscape.js is vendored into ``static/explore/`` by
``scripts/vendor-cytoscape.sh``; ``explore.js`` and ``explore.css`` next to it
are relgraph's own page code. The page itself needs no token: its GraphQL
calls carry the one saved in the browser (shared with GraphiQL).
"""

from __future__ import annotations

from relgraph.ide import page_html

__all__ = ["explore_html"]

# The empty data: icon keeps browsers from asking for /favicon.ico, which
# relgraph does not serve. The token bar has the same ids and classes as the
# one static/graphiql/relgraph-graphiql.js builds, and explore.js keeps the
# token under the same localStorage key.
_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>relgraph network view</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/explore.css">
</head>
<body>
<noscript>The network view needs JavaScript.</noscript>
<form class="relgraph-bar" id="relgraph-bar" autocomplete="off">
  <label for="relgraph-token">API token</label>
  <input type="password" id="relgraph-token" autocomplete="off" spellcheck="false" placeholder="API token">
  <button type="button" id="relgraph-token-save">Save</button>
  <button type="button" id="relgraph-token-forget">Forget</button>
  <span id="relgraph-status" role="status" aria-live="polite"></span>
  <span class="relgraph-spacer"></span>
  <a href="{endpoint}">GraphiQL</a>
</form>
<div id="explore" data-endpoint="{endpoint}">
  <aside id="explore-side">
    <form id="explore-search-form" role="search" autocomplete="off">
      <label for="explore-search">Find an organisation or person</label>
      <div class="explore-row">
        <input type="search" id="explore-search" placeholder="Name, city, KvK number, email&hellip;">
        <button type="submit" id="explore-search-button">Search</button>
      </div>
    </form>
    <fieldset id="explore-include">
      <legend>Show</legend>
      <label><input type="checkbox" value="RELATIONS" checked> relations</label>
      <label><input type="checkbox" value="HIERARCHY" checked> group structure</label>
      <label><input type="checkbox" value="MEMBERSHIPS" checked> memberships</label>
    </fieldset>
    <ul id="explore-results" aria-label="Search results"></ul>
    <div id="explore-legend">
      <span class="explore-key explore-key-organisation"></span> organisation
      <span class="explore-key explore-key-person"></span> person
      <p>Click a node to expand its neighbourhood.</p>
    </div>
  </aside>
  <div id="explore-graph" aria-label="Network graph"></div>
</div>
<p id="explore-status" role="status" aria-live="polite">Search for a party to start.</p>
<script src="{assets}/cytoscape.min.js"></script>
<script src="{static}/token-bar.js"></script>
<script src="{assets}/explore.js"></script>
</body>
</html>
"""


def explore_html(*, endpoint: str, static_url: str) -> str:
    """Return the network view page for *endpoint*, loading assets from *static_url*.

    *static_url* is where ``ide.STATIC_DIR`` is mounted (e.g. ``"/static"``).
    Raises ``ValueError`` if *endpoint* or *static_url* names another host.
    """
    return page_html(_PAGE, endpoint=endpoint, static_url=static_url, assets="explore")
