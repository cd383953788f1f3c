"""The /explore network view, served entirely from files inside the package.

Like GraphiQL (see ``ide.py``) the page works offline: it only references
same-origin URLs. Cytoscape.js is vendored into ``static/explore/`` by
``scripts/vendor-cytoscape.sh``; the other scripts there (``explore.js`` wires
the parts ``api.js``, ``graph.js``, ``panel.js``, ``paths.js``, ``exports.js``,
``viewstate.js``, ``search.js``, ``keys.js`` and ``filters.js``) and
``explore.css`` are relgraph's own page code. The page itself needs no token:
its GraphQL calls carry the one saved in the browser (shared with GraphiQL), so
it sees what the API lets that user see, no more.
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
    <ul id="explore-results" aria-label="Search results"></ul>
    <details id="explore-filters" open>
      <summary>Filters</summary>
      <fieldset id="explore-include">
        <legend>Links</legend>
        <label><input type="checkbox" value="RELATIONS" checked> relations</label>
        <label><input type="checkbox" value="HIERARCHY" checked> group structure</label>
        <label><input type="checkbox" value="MEMBERSHIPS" checked> memberships</label>
        <label><input type="checkbox" value="INTERNAL"> account managers (paths only)</label>
      </fieldset>
      <fieldset id="explore-kinds">
        <legend>Parties</legend>
        <label><input type="checkbox" value="ORGANISATION" checked> organisations</label>
        <label><input type="checkbox" value="PERSON" checked> persons</label>
      </fieldset>
      <fieldset id="explore-types">
        <legend>Relation types</legend>
        <div id="explore-types-list"></div>
      </fieldset>
      <label class="explore-line"><input type="checkbox" id="explore-ended"> include ended links (dotted)</label>
      <div class="explore-line">
        <label for="explore-asof">As of</label>
        <input type="date" id="explore-asof" min="1900-01-01" max="2199-12-31">
        <button type="button" id="explore-asof-today">Today</button>
      </div>
      <div class="explore-line">
        <label for="explore-depth">Depth</label>
        <select id="explore-depth"><option>1</option><option>2</option><option>3</option></select>
        <label for="explore-max">Limit</label>
        <select id="explore-max"><option>50</option><option selected>200</option><option>500</option><option>1000</option></select>
      </div>
    </details>
    <section id="explore-path" aria-labelledby="explore-path-title">
      <h2 id="explore-path-title">Path between two parties</h2>
      <p>From: <strong id="explore-path-from">not chosen</strong><br>
         To: <strong id="explore-path-to">not chosen</strong></p>
      <div class="explore-line">
        <label for="explore-path-depth">Within</label>
        <select id="explore-path-depth"><option>2</option><option>3</option><option>4</option><option>5</option><option selected>6</option><option>7</option><option>8</option></select>
        links
        <button type="button" id="explore-path-find">Find path</button>
        <button type="button" id="explore-path-clear">Clear</button>
      </div>
      <p id="explore-path-message" role="status" aria-live="polite"></p>
      <ol id="explore-path-hops" aria-label="The path, link by link"></ol>
    </section>
    <section id="explore-view" aria-label="View">
      <h2>View</h2>
      <div class="explore-line">
        <span><span id="explore-hidden-count">0</span> hidden</span>
        <button type="button" id="explore-show-hidden" disabled>Show hidden</button>
      </div>
      <div class="explore-line">
        Export:
        <button type="button" id="explore-export-png">PNG</button>
        <button type="button" id="explore-export-graphml">GraphML</button>
        <button type="button" id="explore-export-csv">CSV</button>
      </div>
      <p class="explore-note">The address bar holds this view: copy it to share or reopen it.</p>
    </section>
    <section id="explore-legend" aria-label="Legend">
      <h2>Legend</h2>
      <ul class="explore-plain">
        <li><span class="explore-key explore-key-organisation"></span> organisation</li>
        <li><span class="explore-key explore-key-person"></span> person</li>
        <li><span class="explore-line-key explore-line-relations"></span> relation (arrow: as labelled)</li>
        <li><span class="explore-line-key explore-line-hierarchy"></span> subsidiary of</li>
        <li><span class="explore-line-key explore-line-memberships"></span> works at (job title)</li>
        <li><span class="explore-line-key explore-line-ended"></span> ended or not begun</li>
        <li><span class="explore-line-key explore-line-path"></span> path</li>
        <li><span class="explore-key explore-key-pinned"></span> pinned; dark border: expanded</li>
      </ul>
      <p>Click a node for its details, double-click to expand. Labels appear as you zoom in.</p>
      <p>Keys in the graph: n / p next / previous party, Enter expand, c centre, i pin, h hide,
         arrows pan, + / &minus; zoom, f fit, Esc deselect.</p>
    </section>
  </aside>
  <div id="explore-graph" tabindex="0" role="application"
       aria-label="Network graph. Keys: n and p select the next or previous party, Enter expands it, c centres, i pins, h hides, arrows pan, plus and minus zoom, f fits."></div>
  <aside id="explore-panel" aria-live="polite" aria-label="Details of the selected party" hidden></aside>
</div>
<p id="explore-status" role="status" aria-live="polite">Search for a party to start.</p>
<script src="{assets}/cytoscape.min.js"></script>
<script src="{static}/token-bar.js"></script>
<script src="{assets}/api.js"></script>
<script src="{assets}/graph.js"></script>
<script src="{assets}/panel.js"></script>
<script src="{assets}/paths.js"></script>
<script src="{assets}/exports.js"></script>
<script src="{assets}/viewstate.js"></script>
<script src="{assets}/search.js"></script>
<script src="{assets}/keys.js"></script>
<script src="{assets}/filters.js"></script>
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
