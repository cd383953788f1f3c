/*
 * "How is A connected to B, and since when": the API's shortestPath between two
 * parties, drawn into the graph and highlighted, and listed hop by hop with each
 * link's label and the dates of the relation or membership behind it.
 *
 * Defines relgraphExploreParts.paths = { create(options) -> controller }.
 * options: { gql, QUERIES, view (graph.js), list (the <ol> for the hops),
 *            message(text, level), filters() -> {include, asOf}, maxDepth(), onEnds() }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  var KIND_WORDS = { RELATIONS: 'relations', HIERARCHY: 'group structure', MEMBERSHIPS: 'memberships', INTERNAL: 'account managers' };

  function sentence(edge, names) {
    var source = names[edge.source] || 'a staff member';
    var target = names[edge.target] || 'a staff member';
    if (edge.kind === 'MEMBERSHIPS') {
      return source + ' works at ' + target + (edge.label ? ' as ' + edge.label : '');
    }
    return source + ' \u2014 ' + edge.label + ' \u2192 ' + target;
  }

  function period(dates) {
    if (!dates) {
      return '';
    }
    if (dates.unknown) {
      return dates.unknown;
    }
    var text = dates.startDate ? 'since ' + dates.startDate : 'start date not recorded';
    if (dates.endDate) {
      text += ', until ' + dates.endDate;
    }
    return text;
  }

  function create(options) {
    var view = options.view;
    var cy = view.cy;
    var state = { from: null, to: null, result: null, generation: 0 };

    function clearHighlight() {
      cy.elements('.path').removeClass('path');
    }

    function pad(n) {
      return (n < 10 ? '0' : '') + n;
    }

    function iso(year, month, day) {
      return year + '-' + pad(month) + '-' + pad(day);
    }

    // The parent of organisation `id` on each of `days`: an alias per day, at most 30 per
    // request (the API's alias limit).
    async function parentsOn(id, days) {
      var chunks = [];
      for (var start = 0; start < days.length; start += 30) {
        chunks.push(days.slice(start, start + 30));
      }
      var answers = await Promise.all(
        chunks.map(function (chunk) {
          var fields = chunk.map(function (day, i) {
            return 'd' + i + ': parent(asOf: "' + day + '") { id }';
          });
          return options
            .gql('query ExploreHierarchySince($id: ID!) { node(id: $id) { ... on Organisation { ' + fields.join(' ') + ' } } }', {
              id: id,
            })
            .then(function (data) {
              var node = data.node || {};
              return chunk.map(function (day, i) {
                return node['d' + i] ? node['d' + i].id : null;
              });
            });
        })
      );
      return [].concat.apply([], answers);
    }

    // The last of `days` on which the parent was not `parent` (-1: none).
    function lastOther(ids, parent) {
      for (var i = ids.length - 1; i >= 0; i--) {
        if (ids[i] !== parent) {
          return i;
        }
      }
      return -1;
    }

    // Since when `child` has been a subsidiary of `parent` without a break, up to `end`:
    // the API keeps the hierarchy's periods behind parent(asOf:), not as dates of their own,
    // so this narrows the first day down by year, month and day (a few requests).
    async function hierarchySince(child, parent, end) {
      var endYear = parseInt(end.slice(0, 4), 10);
      // New Year's days backwards from `end`, 30 years a request, until one has another parent.
      var year = -1;
      for (var top = endYear; top >= 1900 && year < 0; top -= 30) {
        var years = [];
        for (var y = top; y > top - 30 && y >= 1900; y--) {
          if (iso(y, 1, 1) <= end) {
            years.push(iso(y, 1, 1));
          }
        }
        var ids = await parentsOn(child, years);
        for (var i = 0; i < ids.length && year < 0; i++) {
          if (ids[i] !== parent) {
            year = parseInt(years[i].slice(0, 4), 10);
          }
        }
      }
      if (year < 0) {
        return { startDate: null }; // so since the first day the API knows of: not recorded
      }
      var months = [];
      for (var m = 1; m <= 12; m++) {
        if (iso(year, m, 1) <= end) {
          months.push(iso(year, m, 1));
        }
      }
      var month = lastOther(await parentsOn(child, months), parent) + 1;
      var days = [];
      var length = new Date(Date.UTC(year, month, 0)).getUTCDate();
      for (var d = 1; d <= length; d++) {
        if (iso(year, month, d) <= end) {
          days.push(iso(year, month, d));
        }
      }
      var before = days[lastOther(await parentsOn(child, days), parent)];
      // The day after the last one with another parent (Date.UTC rolls over month ends).
      var since = new Date(Date.UTC(year, month - 1, parseInt(before.slice(8, 10), 10) + 1));
      return { startDate: since.toISOString().slice(0, 10), endDate: null };
    }

    // The dates of one hop, read from the side that holds them (the relation's
    // source party, or the person of a membership).
    async function hopDates(edge, asOf) {
      if (edge.kind === 'HIERARCHY') {
        return hierarchySince(edge.source, edge.target, asOf || new Date().toISOString().slice(0, 10));
      }
      if (edge.kind === 'INTERNAL') {
        return { unknown: 'account manager link' };
      }
      var data = await options.gql(options.QUERIES.hopDates, { id: edge.source, asOf: asOf || null });
      var party = data.node || {};
      if (edge.kind === 'MEMBERSHIPS') {
        var membership = ((party.memberships && party.memberships.nodes) || []).filter(function (m) {
          return m.organisation && m.organisation.id === edge.target;
        })[0];
        return membership || null;
      }
      var relation = ((party.relations && party.relations.edges) || []).filter(function (r) {
        return r.otherParty && r.otherParty.id === edge.target && r.label === edge.label;
      })[0];
      return relation ? relation.relation : null;
    }

    function renderHops(path, names, dates) {
      options.list.textContent = '';
      path.edges.forEach(function (edge, index) {
        var item = document.createElement('li');
        item.className = 'explore-hop';
        item.setAttribute('data-kind', edge.kind);
        var what = document.createElement('span');
        what.textContent = sentence(edge, names);
        var when = document.createElement('span');
        when.className = 'explore-when';
        when.textContent = dates[index] === undefined ? '' : period(dates[index]) || 'dates not visible';
        item.append(what, ' ', when);
        options.list.append(item);
      });
    }

    async function find() {
      if (!state.from || !state.to) {
        options.message('Choose both ends of the path: \u201cPath from here\u201d and \u201cPath to here\u201d in the details, or the from/to buttons of a search result.', 'warn');
        return null;
      }
      state.generation += 1;
      var mine = state.generation;
      var filters = options.filters();
      var depth = options.maxDepth();
      options.list.textContent = '';
      clearHighlight();
      options.message('Looking for a path from ' + state.from.displayName + ' to ' + state.to.displayName + '\u2026');
      try {
        var data = await options.gql(options.QUERIES.path, {
          from: state.from.id,
          to: state.to.id,
          maxDepth: depth,
          include: filters.include,
          asOf: filters.asOf || null,
        });
        if (mine !== state.generation) {
          return null;
        }
        var path = data.shortestPath;
        var via = filters.include.map(function (k) {
          return KIND_WORDS[k];
        }).join(', ');
        var day = filters.asOf ? ' as of ' + filters.asOf : '';
        if (!path) {
          state.result = { found: false };
          options.message(
            'No path from ' + state.from.displayName + ' to ' + state.to.displayName + ' within ' + depth +
              ' links (following ' + via + day + ').',
            'warn'
          );
          return state.result;
        }
        var names = {};
        path.parties.forEach(function (p) {
          names[p.id] = p.displayName;
        });
        // Ends chosen from a link carry no name until the API gives it.
        state.from.displayName = names[state.from.id] || state.from.displayName;
        state.to.displayName = names[state.to.id] || state.to.displayName;
        options.onEnds();
        // Place the path's parties next to the one they are linked from.
        var previous = null;
        path.parties.forEach(function (party) {
          view.merge([party], [], previous || (cy.getElementById(party.id).nonempty() ? null : state.from.id));
          previous = party.id;
        });
        view.merge([], path.edges, null);
        path.edges.forEach(function (edge) {
          cy.getElementById(view.edgeId(edge)).addClass('path');
        });
        path.parties.forEach(function (p) {
          cy.getElementById(p.id).removeClass('hidden filtered').addClass('path');
        });
        var onPath = cy.elements('.path');
        cy.fit(onPath, 60);
        if (cy.zoom() > 1.5) {
          cy.zoom({ level: 1.5, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
        }
        renderHops(path, names, {});
        options.message(
          state.from.displayName + ' to ' + state.to.displayName + ': ' + path.length +
            (path.length === 1 ? ' link' : ' links') + day + ' (highlighted).',
          ''
        );
        var dates = await Promise.all(
          path.edges.map(function (edge) {
            return hopDates(edge, filters.asOf).catch(function () {
              return null;
            });
          })
        );
        if (mine === state.generation) {
          renderHops(path, names, dates);
          state.result = { found: true, path: path, dates: dates };
        }
        return state.result;
      } catch (error) {
        if (mine === state.generation) {
          options.message(error && error.message ? error.message : String(error), 'error');
        }
        return null;
      }
    }

    function setEnd(which, party) {
      state[which] = party ? { id: party.id, displayName: party.displayName || party.label } : null;
      state.result = null;
    }

    function clear() {
      state.generation += 1;
      state.from = null;
      state.to = null;
      state.result = null;
      options.list.textContent = '';
      clearHighlight();
    }

    return { state: state, find: find, setEnd: setEnd, clear: clear, clearHighlight: clearHighlight };
  }

  parts.paths = { create: create };
})();
