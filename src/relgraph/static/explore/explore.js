/*
 * relgraph's /explore network view: plain ES2017, no build step.
 *
 * Expects the global `cytoscape` (vendored UMD build, static/explore/) and the
 * markup of explore.py: the token bar (#relgraph-bar), a search form, a results
 * list, the graph container #explore[data-endpoint] > #explore-graph and the
 * status line #explore-status. Everything is served by relgraph itself: the
 * page must work offline.
 *
 * The API token bar is static/token-bar.js, shared with GraphiQL.
 *
 * For tests and the curious, window.relgraphExplore exposes { cy, load, expand,
 * search, state }; tapping a node (cy.$id(id).emit('tap')) expands it.
 */
(function () {
  'use strict';

  var PAGE_SIZE = 20;
  var DEPTH = 1;

  var root = document.getElementById('explore');
  var statusLine = document.getElementById('explore-status');
  if (!root || !statusLine) {
    return;
  }
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';

  function setStatus(message, level) {
    statusLine.textContent = message;
    statusLine.className = level ? 'explore-' + level : '';
  }

  if (typeof window.cytoscape !== 'function') {
    setStatus('The network view failed to load: cytoscape.min.js is missing from the static folder.', 'error');
    return;
  }

  // --- API token (static/token-bar.js) ------------------------------------
  var tokenBar = { token: function () { return ''; }, setStatus: function () {} };
  if (window.relgraphTokenBar && document.getElementById('relgraph-bar')) {
    tokenBar = window.relgraphTokenBar.bind({
      form: document.getElementById('relgraph-bar'),
      input: document.getElementById('relgraph-token'),
      save: document.getElementById('relgraph-token-save'),
      forget: document.getElementById('relgraph-token-forget'),
      status: document.getElementById('relgraph-status'),
    });
  }

  // --- GraphQL -------------------------------------------------------------
  function GraphQLError(message) {
    this.message = message;
  }

  async function gql(query, variables) {
    if (!tokenBar.token()) {
      throw new GraphQLError('No API token: paste one in the bar above and click Save.');
    }
    var response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/graphql-response+json, application/json',
          Authorization: 'Bearer ' + tokenBar.token(),
        },
        body: JSON.stringify({ query: query, variables: variables || {} }),
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new GraphQLError('The server cannot be reached (' + e.message + ').');
    }
    if (response.status === 401 || response.status === 403) {
      tokenBar.setStatus('The server rejected this token (HTTP ' + response.status + ').', true);
      throw new GraphQLError('The server rejected the API token (HTTP ' + response.status + ').');
    }
    var text = await response.text();
    var body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new GraphQLError('HTTP ' + response.status + ' ' + response.statusText + ': ' + text.slice(0, 300));
    }
    if (body.errors && body.errors.length) {
      throw new GraphQLError(body.errors[0].message || 'The server answered with an error.');
    }
    if (!body.data) {
      throw new GraphQLError('The server answered without data (HTTP ' + response.status + ').');
    }
    return body.data;
  }

  var SEARCH_QUERY =
    'query ExploreSearch($search: String!, $first: Int!) {\n' +
    '  organisations(filter: {search: $search}, first: $first) { totalCount nodes { id kind displayName } }\n' +
    '  persons(filter: {search: $search}, first: $first) { totalCount nodes { id kind displayName } }\n' +
    '}';

  var NEIGHBOURHOOD_QUERY =
    'query ExploreNeighbourhood($id: ID!, $depth: Int!, $include: [NeighbourhoodKind!]) {\n' +
    '  node(id: $id) {\n' +
    '    ... on Party {\n' +
    '      id kind displayName\n' +
    '      neighbourhood(depth: $depth, include: $include) {\n' +
    '        nodes { distance party { id kind displayName } }\n' +
    '        edges { source target kind label }\n' +
    '        truncated\n' +
    '      }\n' +
    '    }\n' +
    '  }\n' +
    '}';

  // --- the graph -----------------------------------------------------------
  var COLOURS = { ORGANISATION: '#2f6db5', PERSON: '#e08a1e' };

  var cy = cytoscape({
    container: document.getElementById('explore-graph'),
    elements: [],
    minZoom: 0.2,
    maxZoom: 3,
    wheelSensitivity: 0.3,
    style: [
      {
        selector: 'node',
        style: {
          label: 'data(label)',
          'background-color': '#7a8194',
          color: '#1b2240',
          'font-size': 11,
          'text-valign': 'bottom',
          'text-margin-y': 4,
          'text-wrap': 'ellipsis',
          'text-max-width': 140,
          'text-background-color': '#ffffff',
          'text-background-opacity': 0.8,
          'text-background-padding': 1,
          width: 26,
          height: 26,
          'border-width': 2,
          'border-color': '#ffffff',
        },
      },
      {
        selector: 'node[kind = "ORGANISATION"]',
        style: { 'background-color': COLOURS.ORGANISATION, shape: 'round-rectangle', width: 30, height: 24 },
      },
      { selector: 'node[kind = "PERSON"]', style: { 'background-color': COLOURS.PERSON, shape: 'ellipse' } },
      { selector: 'node[?expanded]', style: { 'border-color': '#1b2240' } },
      { selector: 'node[?root]', style: { 'border-width': 4, 'font-weight': 'bold', width: 36, height: 32 } },
      { selector: 'node:selected', style: { 'overlay-color': '#1b2240', 'overlay-opacity': 0.15 } },
      {
        selector: 'edge',
        style: {
          label: 'data(label)',
          width: 1.5,
          'curve-style': 'bezier',
          'line-color': '#8a92a6',
          'target-arrow-color': '#8a92a6',
          'target-arrow-shape': 'triangle',
          'arrow-scale': 0.8,
          'font-size': 9,
          color: '#3c4356',
          'text-rotation': 'autorotate',
          'text-background-color': '#ffffff',
          'text-background-opacity': 0.85,
          'text-background-padding': 1,
        },
      },
      // Relations between parties: solid grey arrows (source -> target of the relation type).
      { selector: 'edge[kind = "RELATIONS"]', style: { 'line-color': '#6b7280', 'target-arrow-color': '#6b7280' } },
      // Group structure: heavier, in the organisation colour, subsidiary -> parent ("subsidiary of").
      {
        selector: 'edge[kind = "HIERARCHY"]',
        style: { width: 3, 'line-color': '#2f6db5', 'target-arrow-color': '#2f6db5', 'target-arrow-shape': 'triangle-backcurve' },
      },
      // Memberships (person -> organisation, labelled with the job title): dashed, in the person colour.
      {
        selector: 'edge[kind = "MEMBERSHIPS"]',
        style: { 'line-style': 'dashed', 'line-color': '#e08a1e', 'target-arrow-color': '#e08a1e', 'target-arrow-shape': 'circle', 'arrow-scale': 0.6 },
      },
      { selector: 'edge[kind = "INTERNAL"]', style: { 'line-style': 'dotted' } },
    ],
  });

  var state = {
    rootId: null,
    generation: 0, // bumped when a new party is picked: late answers for the old graph are dropped
    loading: 0,
    loads: 0, // neighbourhood answers merged into the current graph
    truncated: false,
    error: null,
  };

  function includeKinds() {
    var boxes = document.querySelectorAll('#explore-include input[type=checkbox]');
    var kinds = [];
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].checked) {
        kinds.push(boxes[i].value);
      }
    }
    return kinds;
  }

  function edgeId(edge) {
    return 'edge|' + edge.kind + '|' + edge.source + '|' + edge.target + '|' + edge.label;
  }

  function showCounts(prefix) {
    var nodes = cy.nodes().length;
    var edges = cy.edges().length;
    var text =
      (prefix ? prefix + ' ' : '') +
      nodes + (nodes === 1 ? ' party, ' : ' parties, ') +
      edges + (edges === 1 ? ' connection' : ' connections') +
      ' \u00b7 truncated: ' + (state.truncated ? 'yes (the server stopped at its node limit; expand nodes to see more)' : 'no');
    if (state.loading) {
      text += ' \u00b7 loading\u2026';
    }
    setStatus(text, state.truncated ? 'warn' : '');
    statusLine.setAttribute('data-nodes', String(nodes));
    statusLine.setAttribute('data-edges', String(edges));
    statusLine.setAttribute('data-truncated', String(state.truncated));
  }

  // Merge one neighbourhood into the graph; returns how many nodes were new.
  function merge(centre, hood) {
    var around = cy.getElementById(centre.id);
    var origin = around.nonempty() ? around.position() : { x: 0, y: 0 };
    var added = [];
    var parties = [centre].concat(
      hood.nodes.map(function (n) {
        return n.party;
      })
    );
    parties.forEach(function (party, index) {
      if (!party || cy.getElementById(party.id).nonempty()) {
        return;
      }
      // New nodes start in a ring around the party they were found from.
      var angle = (2 * Math.PI * index) / parties.length;
      added.push({
        group: 'nodes',
        data: { id: party.id, label: party.displayName, kind: party.kind, expanded: false, root: false },
        position: { x: origin.x + 120 * Math.cos(angle), y: origin.y + 120 * Math.sin(angle) },
      });
    });
    cy.add(added);
    var edges = [];
    hood.edges.forEach(function (edge) {
      var id = edgeId(edge);
      // INTERNAL edges point at staff users, which are not drawn; edges to
      // parties beyond a truncated answer have nothing to attach to either.
      if (cy.getElementById(id).nonempty() ||
          cy.getElementById(edge.source).empty() ||
          cy.getElementById(edge.target).empty()) {
        return;
      }
      edges.push({
        group: 'edges',
        data: { id: id, source: edge.source, target: edge.target, kind: edge.kind, label: edge.label || '' },
      });
    });
    cy.add(edges);
    cy.getElementById(centre.id).data('expanded', true);
    return added.length;
  }

  function runLayout(first) {
    var layout = cy.layout({
      name: 'cose',
      animate: false,
      fit: true,
      padding: 40,
      nodeDimensionsIncludeLabels: true,
      idealEdgeLength: function () {
        return 110;
      },
      nodeRepulsion: function () {
        return 400000;
      },
      nodeOverlap: 20,
      gravity: 0.4,
      numIter: 2000,
      randomize: first,
    });
    layout.run();
  }

  async function fetchNeighbourhood(id) {
    var data = await gql(NEIGHBOURHOOD_QUERY, { id: id, depth: DEPTH, include: includeKinds() });
    var party = data.node;
    if (!party || !party.neighbourhood) {
      throw new GraphQLError('This party is not there, or not visible to you.');
    }
    return party;
  }

  // Load a party as the centre of a new graph.
  async function load(id) {
    state.generation += 1;
    var generation = state.generation;
    cy.elements().remove();
    state.rootId = id;
    state.truncated = false;
    state.error = null;
    state.loads = 0;
    state.loading += 1;
    setStatus('Loading the neighbourhood\u2026');
    try {
      var party = await fetchNeighbourhood(id);
      if (generation !== state.generation) {
        return;
      }
      merge(party, party.neighbourhood);
      cy.getElementById(party.id).data('root', true);
      state.truncated = party.neighbourhood.truncated;
      state.loads += 1;
      runLayout(true);
      state.loading -= 1;
      showCounts(party.displayName + ':');
    } catch (error) {
      if (generation === state.generation) {
        state.loading -= 1;
        fail(error);
      }
    }
  }

  // Expand a node: merge its neighbourhood into the current graph.
  async function expand(id) {
    var node = cy.getElementById(id);
    if (node.empty()) {
      return;
    }
    if (node.data('expanded')) {
      showCounts(node.data('label') + ' is already expanded.');
      return;
    }
    var generation = state.generation;
    state.loading += 1;
    showCounts();
    try {
      var party = await fetchNeighbourhood(id);
      if (generation !== state.generation) {
        return;
      }
      var added = merge(party, party.neighbourhood);
      state.truncated = state.truncated || party.neighbourhood.truncated;
      state.loads += 1;
      runLayout(false);
      state.loading -= 1;
      showCounts('Expanded ' + party.displayName + ' (' + added + ' new):');
    } catch (error) {
      if (generation === state.generation) {
        state.loading -= 1;
        fail(error);
      }
    }
  }

  function fail(error) {
    state.error = error && error.message ? error.message : String(error);
    setStatus(state.error, 'error');
  }

  cy.on('tap', 'node', function (event) {
    expand(event.target.id());
  });

  // --- search --------------------------------------------------------------
  var searchForm = document.getElementById('explore-search-form');
  var searchInput = document.getElementById('explore-search');
  var results = document.getElementById('explore-results');

  function note(text) {
    var item = document.createElement('li');
    item.className = 'explore-note';
    item.textContent = text;
    results.append(item);
  }

  function resultItem(party) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'explore-result';
    button.setAttribute('data-id', party.id);
    button.setAttribute('data-kind', party.kind);
    var key = document.createElement('span');
    key.className = 'explore-key explore-key-' + party.kind.toLowerCase();
    var name = document.createElement('span');
    name.className = 'explore-name';
    name.textContent = party.displayName;
    name.title = party.displayName;
    button.append(key, name);
    button.addEventListener('click', function () {
      var current = results.querySelectorAll('.explore-result[aria-current]');
      for (var i = 0; i < current.length; i++) {
        current[i].removeAttribute('aria-current');
      }
      button.setAttribute('aria-current', 'true');
      load(party.id);
    });
    var item = document.createElement('li');
    item.append(button);
    return item;
  }

  async function search(text) {
    text = (text || '').trim();
    results.textContent = '';
    if (!text) {
      searchInput.focus();
      return;
    }
    note('Searching\u2026');
    try {
      var data = await gql(SEARCH_QUERY, { search: text, first: PAGE_SIZE });
      results.textContent = '';
      var parties = data.organisations.nodes.concat(data.persons.nodes);
      var total = data.organisations.totalCount + data.persons.totalCount;
      if (!parties.length) {
        note('Nothing found for \u201c' + text + '\u201d.');
        return;
      }
      parties.forEach(function (party) {
        results.append(resultItem(party));
      });
      if (total > parties.length) {
        note(total - parties.length + ' more; refine the search to see them.');
      }
    } catch (error) {
      results.textContent = '';
      note(error && error.message ? error.message : String(error));
    }
  }

  searchForm.addEventListener('submit', function (event) {
    event.preventDefault();
    search(searchInput.value);
  });

  // Other kinds of link: draw the current party again with them.
  document.getElementById('explore-include').addEventListener('change', function () {
    if (state.rootId) {
      load(state.rootId);
    }
  });

  window.relgraphExplore = { cy: cy, load: load, expand: expand, search: search, state: state };
})();
