/*
 * relgraph's /explore network view: plain ES2017, no build step. This file
 * wires the page together; the parts are loaded before it (explore.py):
 *   api.js        GraphQL requests (the page's only source of data)
 *   graph.js      the Cytoscape drawing, merging answers, placing new nodes
 *   panel.js      the details panel of the selected party
 *   paths.js      shortest paths between two parties, hop by hop with dates
 *   exports.js    PNG, GraphML and CSV of the current view
 *   viewstate.js  the view's state in the URL
 *   search.js     finding parties
 *   keys.js       the graph by keyboard
 *   filters.js    the filter controls
 * and static/token-bar.js (the API token, shared with GraphiQL).
 *
 * A click on a node selects it and shows its details; a double click (or
 * Enter, or the panel's Expand) expands it. Keys on the focused graph are
 * listed in the legend.
 *
 * For tests and the curious, window.relgraphExplore exposes { cy, load, expand,
 * select, search, draw, findPath, restore, state, paths }.
 */
(function () {
  'use strict';

  // Staff members are not drawn, so INTERNAL links (account managers) only serve paths: off by default.
  var DEFAULT_INCLUDE = ['RELATIONS', 'HIERARCHY', 'MEMBERSHIPS'];
  var P = window.relgraphExploreParts || {};

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

  if (typeof window.cytoscape !== 'function' || !P.api || !P.graph || !P.panel || !P.paths || !P.exports || !P.viewstate || !P.search || !P.keys || !P.filters) {
    setStatus('The network view failed to load: one of its scripts is missing from the static folder.', 'error');
    return;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  // --- API token (static/token-bar.js) and GraphQL ---------------------------------
  var tokenBar = { token: function () { return ''; }, setStatus: function () {} };
  if (window.relgraphTokenBar && byId('relgraph-bar')) {
    tokenBar = window.relgraphTokenBar.bind({
      form: byId('relgraph-bar'),
      input: byId('relgraph-token'),
      save: byId('relgraph-token-save'),
      forget: byId('relgraph-token-forget'),
      status: byId('relgraph-status'),
      onChange: function (token) {
        if (token) {
          loadRelationTypes();
        }
      },
    });
  }
  var gql = P.api.client(endpoint, tokenBar);
  var QUERIES = P.api.QUERIES;

  // --- the drawing -----------------------------------------------------------------
  var view = P.graph.create(byId('explore-graph'));
  var cy = view.cy;
  // The details panel takes width from the graph when it opens: Cytoscape only
  // notices window resizes by itself.
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      cy.resize();
    }).observe(byId('explore-graph'));
  }

  var state = {
    rootId: null,
    generation: 0, // bumped when a new party is drawn: late answers for the old graph are dropped
    loading: 0,
    loads: 0, // neighbourhood answers merged into the current graph
    expanded: [], // in order, for the URL
    truncatedAt: [], // names of the parties whose answer stopped at a limit
    error: null,
    drawMs: null, // time from an answer to the first frame drawn with it (the browser test prints it)
    restoring: false,
  };

  // --- filters (filters.js) ------------------------------------------------------
  var filterControls = P.filters.create({
    gql: gql,
    QUERIES: QUERIES,
    cy: cy,
    hasToken: function () {
      return !!tokenBar.token();
    },
  });
  var filters = filterControls.read;
  var applyKinds = filterControls.applyKinds;
  var loadRelationTypes = filterControls.loadRelationTypes;

  // --- status ----------------------------------------------------------------------
  function showCounts(prefix) {
    var nodes = cy.nodes().length;
    var edges = cy.edges().length;
    var hidden = cy.nodes('.hidden').length;
    var filtered = cy.nodes('.filtered').length;
    var f = filters();
    var text =
      (prefix ? prefix + ' ' : '') +
      nodes + (nodes === 1 ? ' party, ' : ' parties, ') +
      edges + (edges === 1 ? ' connection' : ' connections') +
      (f.asOf ? ' as of ' + f.asOf : '') +
      (hidden ? ' \u00b7 ' + hidden + ' hidden' : '') +
      (filtered ? ' \u00b7 ' + filtered + ' filtered out' : '') +
      ' \u00b7 truncated: ';
    if (state.truncatedAt.length) {
      text +=
        'yes: the answer for ' + state.truncatedAt.join(', ') + ' stopped at ' + f.maxNodes +
        ' parties or 5 links per party, so parties further out and further links are left out' +
        ' (expand the nodes at the edge, raise the limit or narrow the filters)';
    } else {
      text += 'no';
    }
    if (state.loading) {
      text += ' \u00b7 loading\u2026';
    }
    setStatus(text, state.truncatedAt.length ? 'warn' : '');
    statusLine.setAttribute('data-nodes', String(nodes));
    statusLine.setAttribute('data-edges', String(edges));
    statusLine.setAttribute('data-truncated', String(state.truncatedAt.length > 0));
    byId('explore-hidden-count').textContent = String(hidden);
    byId('explore-show-hidden').disabled = hidden === 0;
  }

  // --- loading ---------------------------------------------------------------------
  async function fetchNeighbourhood(id) {
    var f = filters();
    var data = await gql(QUERIES.neighbourhood, {
      id: id,
      depth: f.depth,
      include: f.include,
      relationTypes: f.types,
      maxNodes: f.maxNodes,
      asOf: f.asOf || null,
    });
    var party = data.node;
    if (!party || !party.neighbourhood) {
      throw new P.api.GraphQLError('This party is not there, or not visible to you.');
    }
    return party;
  }

  function hoodParties(hood) {
    return hood.nodes.map(function (n) {
      return { id: n.party.id, kind: n.party.kind, displayName: n.party.displayName, distance: n.distance };
    });
  }

  function dated(label, item) {
    var when = item.endDate ? 'ended ' + item.endDate : item.startDate ? 'from ' + item.startDate : 'not in force';
    return (label || 'member') + ' (' + when + ')';
  }

  // Links not in force on the day, drawn dotted when "include ended links" is on.
  async function addInactive(id) {
    var f = filters();
    if (!f.ended) {
      return;
    }
    var data = await gql(QUERIES.inactive, { id: id, asOf: f.asOf || null });
    var party = data.node || {};
    var parties = [];
    var edges = [];
    if (f.include.indexOf('RELATIONS') >= 0) {
      ((party.relations && party.relations.edges) || []).forEach(function (edge) {
        var r = edge.relation;
        if (r.active || !r.source || !r.target || (f.types && f.types.indexOf(r.type.name) < 0)) {
          return;
        }
        parties.push(r.source, r.target);
        edges.push({ id: 'ended|' + r.id, source: r.source.id, target: r.target.id, kind: 'RELATIONS', label: dated(r.type.name, r) });
      });
    }
    if (f.include.indexOf('MEMBERSHIPS') >= 0) {
      ((party.memberships && party.memberships.nodes) || []).forEach(function (m) {
        var person = m.person || (party.kind === 'PERSON' ? { id: id } : null);
        var organisation = m.organisation || (party.kind === 'ORGANISATION' ? { id: id } : null);
        if (m.active || !person || !organisation) {
          return;
        }
        parties.push(m.person || m.organisation);
        edges.push({ id: 'ended|' + m.id, source: person.id, target: organisation.id, kind: 'MEMBERSHIPS', label: dated(m.jobTitle, m) });
      });
    }
    var added = view.merge(parties, edges, id, { ended: true });
    view.reveal(cy.getElementById(id), added);
  }

  // Draw a neighbourhood answer as a new graph (also what the 2,000-node browser test calls).
  function draw(centre, hood) {
    var started = performance.now();
    cy.elements().remove();
    state.drawMs = null;
    cy.one('render', function () {
      state.drawMs = performance.now() - started;
    });
    cy.startBatch();
    view.merge([{ id: centre.id, kind: centre.kind, displayName: centre.displayName, distance: 0 }].concat(hoodParties(hood)), hood.edges, null);
    cy.getElementById(centre.id).data('root', true).data('expanded', true);
    cy.endBatch();
    applyKinds();
    view.layoutAll();
    if (hood.truncated) {
      state.truncatedAt.push(centre.displayName);
    }
  }

  // Draw a party as the centre of a new graph.
  async function load(id) {
    state.generation += 1;
    var generation = state.generation;
    cy.elements().remove();
    panel.clear();
    paths.clearHighlight();
    state.rootId = id;
    state.expanded = [];
    state.truncatedAt = [];
    state.error = null;
    state.loads = 0;
    state.loading += 1;
    setStatus('Loading the neighbourhood\u2026');
    var party;
    try {
      party = await fetchNeighbourhood(id);
      if (generation !== state.generation) {
        return;
      }
      draw(party, party.neighbourhood);
      await addInactive(id);
      if (generation !== state.generation) {
        return;
      }
      state.loads += 1;
    } catch (error) {
      if (generation === state.generation) {
        state.error = error && error.message ? error.message : String(error);
      }
      return;
    } finally {
      // Also for an answer dropped because another party was picked meanwhile.
      state.loading -= 1;
      if (state.error && generation === state.generation) {
        setStatus(state.error, 'error');
      }
    }
    showCounts(party.displayName + ':');
    remember();
  }

  // Expand a node: merge its neighbourhood, placed beside it, into the current graph.
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
    state.error = null;
    showCounts();
    var party;
    var added;
    try {
      party = await fetchNeighbourhood(id);
      if (generation !== state.generation) {
        return;
      }
      var hood = party.neighbourhood;
      added = view.merge(hoodParties(hood), hood.edges, id);
      cy.getElementById(id).data('expanded', true);
      if (hood.truncated) {
        state.truncatedAt.push(party.displayName);
      }
      applyKinds();
      view.reveal(cy.getElementById(id), added);
      await addInactive(id);
      if (generation !== state.generation) {
        return;
      }
      state.expanded.push(id);
      state.loads += 1;
    } catch (error) {
      if (generation === state.generation) {
        state.error = error && error.message ? error.message : String(error);
      }
      return;
    } finally {
      state.loading -= 1;
      if (state.error && generation === state.generation) {
        setStatus(state.error, 'error');
      }
    }
    showCounts('Expanded ' + party.displayName + ' (' + added.length + ' new):');
    if (panelElement.getAttribute('data-id') === id) {
      panel.show(id, cy.getElementById(id));
    }
    remember();
  }

  // --- selection, panel, pin and hide ----------------------------------------------
  var panelElement = byId('explore-panel');

  function select(party) {
    var node = cy.getElementById(party.id);
    cy.elements(':selected').unselect();
    if (node.nonempty()) {
      node.removeClass('hidden').select();
    }
    panel.show(party.id, node.nonempty() ? node : null);
    remember();
  }

  function centre(id) {
    var node = cy.getElementById(id);
    if (node.nonempty()) {
      cy.center(node);
    }
  }

  function togglePin(id) {
    var node = cy.getElementById(id);
    if (node.nonempty()) {
      view.setPinned(node, !node.hasClass('pinned'));
      panel.show(id, node);
      remember();
    }
  }

  function hide(id) {
    var node = cy.getElementById(id);
    if (node.nonempty()) {
      node.unselect().addClass('hidden');
      panel.clear();
      showCounts();
      remember();
    }
  }

  function drawnCount(id, kind) {
    var node = cy.getElementById(id);
    if (kind === 'SUBSIDIARIES') {
      return node.incomers('edge[kind = "HIERARCHY"]').length;
    }
    return node.connectedEdges('[kind = "' + kind + '"][!ended]').length;
  }

  var panel = P.panel.create({
    element: panelElement,
    gql: gql,
    QUERIES: QUERIES,
    endpoint: endpoint,
    asOf: function () {
      return filters().asOf;
    },
    drawnCount: drawnCount,
    actions: {
      expand: expand,
      centre: centre,
      pin: togglePin,
      hide: hide,
      select: select,
      pathFrom: function (party) {
        setPathEnd('from', party);
      },
      pathTo: function (party) {
        setPathEnd('to', party);
      },
    },
  });

  cy.on('tap', 'node', function (event) {
    select({ id: event.target.id() });
  });
  cy.on('dbltap', 'node', function (event) {
    expand(event.target.id());
  });
  cy.on('tap', function (event) {
    if (event.target === cy) {
      panel.clear();
      remember();
    }
  });
  cy.on('dragfree', 'node', function () {
    remember();
  });

  byId('explore-show-hidden').addEventListener('click', function () {
    cy.nodes('.hidden').removeClass('hidden');
    showCounts();
    remember();
  });

  // --- paths -----------------------------------------------------------------------
  var pathMessage = byId('explore-path-message');
  var paths = P.paths.create({
    gql: gql,
    QUERIES: QUERIES,
    view: view,
    list: byId('explore-path-hops'),
    message: function (text, level) {
      pathMessage.textContent = text;
      pathMessage.className = level ? 'explore-' + level : '';
    },
    filters: filters,
    maxDepth: function () {
      return parseInt(byId('explore-path-depth').value, 10) || 6;
    },
    onEnds: showEnds,
  });

  function showEnds() {
    byId('explore-path-from').textContent = paths.state.from ? paths.state.from.displayName : 'not chosen';
    byId('explore-path-to').textContent = paths.state.to ? paths.state.to.displayName : 'not chosen';
  }

  function setPathEnd(which, party) {
    var name = party.displayName || cy.getElementById(party.id).data('label') || party.id;
    paths.setEnd(which, { id: party.id, displayName: name });
    showEnds();
    remember();
    if (paths.state.from && paths.state.to) {
      return findPath();
    }
    return null;
  }

  async function findPath() {
    var result = await paths.find();
    if (result) {
      byId('explore-path').scrollIntoView({ block: 'start' }); // the hops, in the side bar
    }
    applyKinds();
    showCounts();
    remember();
    return result;
  }

  byId('explore-path-find').addEventListener('click', function () {
    findPath();
  });
  byId('explore-path-clear').addEventListener('click', function () {
    paths.clear();
    showEnds();
    pathMessage.textContent = '';
    remember();
  });

  // --- search ----------------------------------------------------------------------
  var finder = P.search.create({
    gql: gql,
    QUERIES: QUERIES,
    form: byId('explore-search-form'),
    input: byId('explore-search'),
    results: byId('explore-results'),
    pick: function (party) {
      load(party.id);
    },
    pathEnd: setPathEnd,
    status: setStatus,
    drawing: function () {
      return !!state.rootId;
    },
  });
  var search = finder.search;

  // --- filters redraw --------------------------------------------------------------
  // Links, relation types, ended links, date, depth and limit change what the API
  // answers: the current view is drawn again from the API with the same expansions.
  function redraw() {
    if (state.rootId) {
      restore(currentViewState());
    }
  }
  ['explore-include', 'explore-types', 'explore-ended', 'explore-depth', 'explore-max'].forEach(function (id) {
    byId(id).addEventListener('change', redraw);
  });
  byId('explore-asof').addEventListener('change', redraw);
  byId('explore-asof-today').addEventListener('click', function () {
    byId('explore-asof').value = '';
    redraw();
  });
  byId('explore-kinds').addEventListener('change', function () {
    applyKinds();
    showCounts();
    remember();
  });

  // --- export ----------------------------------------------------------------------
  function fileStem() {
    var root = state.rootId ? cy.getElementById(state.rootId).data('label') || 'network' : 'network';
    return 'relgraph-' + root.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
  }
  byId('explore-export-png').addEventListener('click', function () {
    P.exports.download(fileStem() + '.png', P.exports.png(cy));
  });
  byId('explore-export-graphml').addEventListener('click', function () {
    P.exports.download(fileStem() + '.graphml', new Blob([P.exports.graphml(cy)], { type: 'application/graphml+xml' }));
  });
  byId('explore-export-csv').addEventListener('click', function () {
    P.exports.download(fileStem() + '-nodes.csv', new Blob([P.exports.nodesCsv(cy)], { type: 'text/csv' }));
    P.exports.download(fileStem() + '-edges.csv', new Blob([P.exports.edgesCsv(cy)], { type: 'text/csv' }));
  });

  // --- the view in the URL ---------------------------------------------------------
  function currentViewState() {
    var f = filters();
    var selected = cy.nodes(':selected');
    return {
      party: state.rootId,
      expand: state.expanded.slice(),
      depth: f.depth === 1 ? null : f.depth,
      maxNodes: f.maxNodes === 200 ? null : f.maxNodes,
      include: f.include.join() === DEFAULT_INCLUDE.join() ? null : f.include,
      kinds: f.kinds.length === 2 ? null : f.kinds,
      types: f.types,
      ended: f.ended,
      asOf: f.asOf,
      hide: cy.nodes('.hidden').map(function (n) { return n.id(); }),
      pin: cy.nodes('.pinned').map(function (n) { return n.id(); }),
      select: selected.length ? selected[0].id() : panelElement.getAttribute('data-id') || null,
      from: paths.state.from ? paths.state.from.id : null,
      to: paths.state.to ? paths.state.to.id : null,
      pathDepth: parseInt(byId('explore-path-depth').value, 10) === 6 ? null : byId('explore-path-depth').value,
    };
  }

  function remember() {
    if (state.restoring) {
      return;
    }
    var hash = P.viewstate.encode(currentViewState());
    if (location.hash.replace(/^#/, '') !== hash) {
      history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
    }
  }

  function nameOf(id) {
    var node = cy.getElementById(id);
    return node.nonempty() ? node.data('label') : null;
  }

  // Open a view from its state (a link, or a redraw after a filter changed).
  async function restore(saved) {
    state.restoring = true;
    try {
      await filterControls.set(saved, DEFAULT_INCLUDE);
      byId('explore-path-depth').value = String(saved.pathDepth || 6);
      if (!saved.party) {
        return;
      }
      await load(saved.party);
      for (var i = 0; i < (saved.expand || []).length; i++) {
        if (state.rootId !== saved.party) {
          return; // another party was picked meanwhile
        }
        await expand(saved.expand[i]);
      }
      (saved.pin || []).forEach(function (id) {
        var node = cy.getElementById(id);
        if (node.nonempty()) {
          view.setPinned(node, true);
        }
      });
      (saved.hide || []).forEach(function (id) {
        cy.getElementById(id).addClass('hidden');
      });
      // The panel first, as it narrows the graph, which the path's fit then allows for
      // (the panel takes its width at once; the selected party may only come with the path).
      if (saved.select) {
        panel.show(saved.select, cy.getElementById(saved.select));
        cy.resize();
      }
      if (saved.from && saved.to) {
        paths.setEnd('from', { id: saved.from, displayName: nameOf(saved.from) || 'the saved start' });
        paths.setEnd('to', { id: saved.to, displayName: nameOf(saved.to) || 'the saved end' });
        showEnds();
        await paths.find();
      }
      if (saved.select) {
        var chosen = cy.getElementById(saved.select);
        if (chosen.nonempty()) {
          chosen.select();
          panel.show(saved.select, chosen); // with the drawn counts
        }
      }
      applyKinds();
      showCounts(nameOf(saved.party) ? nameOf(saved.party) + ':' : '');
    } finally {
      state.restoring = false;
      remember();
    }
  }

  // --- keyboard --------------------------------------------------------------------
  P.keys.bind(byId('explore-graph'), view, {
    select: select,
    expand: expand,
    centre: centre,
    togglePin: togglePin,
    hide: hide,
    deselect: function () {
      cy.elements(':selected').unselect();
      panel.clear();
      remember();
    },
  });

  window.addEventListener('hashchange', function () {
    if (!state.restoring && location.hash.replace(/^#/, '') !== P.viewstate.encode(currentViewState())) {
      restore(P.viewstate.decode(location.hash));
    }
  });

  window.relgraphExplore = {
    cy: cy,
    load: load,
    expand: expand,
    select: select,
    search: search,
    draw: draw,
    findPath: findPath,
    restore: restore,
    state: state,
    paths: paths,
    exports: P.exports,
  };

  loadRelationTypes();
  if (location.hash.length > 1) {
    restore(P.viewstate.decode(location.hash));
  }
})();
