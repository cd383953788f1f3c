/*
 * The drawing: one Cytoscape instance, its style (colours and line styles the
 * legend explains), merging API answers into it, and placing what is added.
 *
 * Readability rules: a first draw fits the view; later additions are placed in
 * a ring beside the party they came from and never zoom the rest out (the view
 * only pans to them). Labels disappear below a readable size as one zooms out
 * (min-zoomed-font-size) and come back on zooming in. Pinned nodes are locked:
 * no layout moves them. Hidden nodes stay in the graph, undrawn.
 *
 * Defines relgraphExploreParts.graph = { create(container) -> view }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  var COLOURS = { ORGANISATION: '#2f6db5', PERSON: '#e08a1e', PATH: '#c2185b', ENDED: '#9aa1b1' };
  // Above this many nodes a first draw uses the concentric layout (rings by
  // distance): force-directed layouts take seconds at 2,000 nodes.
  var FORCE_LAYOUT_LIMIT = 150;

  var STYLE = [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        'background-color': '#7a8194',
        color: '#1b2240',
        'font-size': 11,
        'min-zoomed-font-size': 8,
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
    { selector: 'node.pinned', style: { 'border-style': 'double', 'border-width': 5, 'border-color': '#1b2240' } },
    { selector: 'node:selected', style: { 'overlay-color': '#1b2240', 'overlay-opacity': 0.2, 'min-zoomed-font-size': 0 } },
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
        'min-zoomed-font-size': 8,
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
      style: { width: 3, 'line-color': COLOURS.ORGANISATION, 'target-arrow-color': COLOURS.ORGANISATION, 'target-arrow-shape': 'triangle-backcurve' },
    },
    // Memberships (person -> organisation, labelled with the job title): dashed, in the person colour.
    {
      selector: 'edge[kind = "MEMBERSHIPS"]',
      style: { 'line-style': 'dashed', 'line-color': COLOURS.PERSON, 'target-arrow-color': COLOURS.PERSON, 'target-arrow-shape': 'circle', 'arrow-scale': 0.6 },
    },
    // Links not in force on the day (ended or not begun): dotted and faded, whatever their kind.
    {
      selector: 'edge[?ended]',
      style: { 'line-style': 'dotted', 'line-color': COLOURS.ENDED, 'target-arrow-color': COLOURS.ENDED, opacity: 0.75, width: 1.5 },
    },
    { selector: '.path', style: { 'z-index': 10 } },
    { selector: 'edge.path', style: { width: 5, 'line-color': COLOURS.PATH, 'target-arrow-color': COLOURS.PATH, 'min-zoomed-font-size': 0, 'font-weight': 'bold' } },
    { selector: 'node.path', style: { 'border-color': COLOURS.PATH, 'border-width': 4, 'min-zoomed-font-size': 0 } },
    { selector: '.hidden, .filtered', style: { display: 'none' } },
  ];

  function edgeId(edge) {
    return 'edge|' + edge.kind + '|' + edge.source + '|' + edge.target + '|' + edge.label;
  }

  function create(container) {
    var cy = cytoscape({
      container: container,
      elements: [],
      minZoom: 0.05,
      maxZoom: 3,
      // Large graphs stay smooth to pan: while the view moves, a snapshot is
      // moved instead of redrawing every element.
      textureOnViewport: true,
      hideEdgesOnViewport: true,
      style: STYLE,
    });

    function centroid() {
      var nodes = drawn();
      if (!nodes.length) {
        return { x: 0, y: 0 };
      }
      var x = 0;
      var y = 0;
      nodes.forEach(function (n) {
        x += n.position('x');
        y += n.position('y');
      });
      return { x: x / nodes.length, y: y / nodes.length };
    }

    // Rings of new nodes on the far side of `around` from the rest of the
    // graph, each ring holding as many as fit 48 px apart on a half circle.
    function ringPositions(around, count) {
      var origin = around.position();
      var middle = centroid();
      var heading = Math.atan2(origin.y - middle.y, origin.x - middle.x);
      if (cy.nodes().length <= count + 1 || (origin.x === middle.x && origin.y === middle.y)) {
        heading = 0;
      }
      var span = cy.nodes().length <= count + 1 ? 2 * Math.PI : Math.PI;
      var positions = [];
      var radius = 110;
      var left = count;
      while (left > 0) {
        var fit = Math.max(1, Math.floor((span * radius) / 48));
        var here = Math.min(left, fit);
        for (var i = 0; i < here; i++) {
          var angle = heading - span / 2 + (span * (i + 0.5)) / here;
          positions.push({ x: origin.x + radius * Math.cos(angle), y: origin.y + radius * Math.sin(angle) });
        }
        left -= here;
        radius += 70;
      }
      return positions;
    }

    // Merge parties and links into the graph. `from` is the ID new parties are
    // placed around (null on a first draw: the layout places them). Returns the
    // collection of added nodes.
    function merge(parties, edges, from, extra) {
      var fresh = [];
      var seen = {}; // a party can come twice in one answer (two links to it)
      parties.forEach(function (party) {
        if (party && party.id && !seen[party.id] && cy.getElementById(party.id).empty()) {
          seen[party.id] = true;
          fresh.push(party);
        }
      });
      var around = from ? cy.getElementById(from) : cy.collection();
      var positions = around.nonempty() ? ringPositions(around, fresh.length) : [];
      var added = cy.add(
        fresh.map(function (party, index) {
          return {
            group: 'nodes',
            data: {
              id: party.id,
              label: party.displayName,
              kind: party.kind,
              distance: party.distance === undefined ? 9 : party.distance,
              expanded: false,
              root: false,
            },
            position: positions[index] || { x: 0, y: 0 },
          };
        })
      );
      var links = [];
      edges.forEach(function (edge) {
        var id = edge.id || edgeId(edge);
        // INTERNAL links point at staff users, which are not drawn; links to
        // parties beyond a truncated answer have nothing to attach to either.
        if (cy.getElementById(id).nonempty() || cy.getElementById(edge.source).empty() || cy.getElementById(edge.target).empty()) {
          return;
        }
        var data = { id: id, source: edge.source, target: edge.target, kind: edge.kind, label: edge.label || '' };
        Object.keys(extra || {}).forEach(function (key) {
          data[key] = extra[key];
        });
        Object.keys(edge.data || {}).forEach(function (key) {
          data[key] = edge.data[key];
        });
        links.push({ group: 'edges', data: data });
      });
      cy.add(links);
      return added;
    }

    // Rings around the start, one band per distance, spaced so that nodes
    // do not overlap: linear in the node count (Cytoscape's concentric layout
    // checks overlaps pairwise and takes seconds at 2,000 nodes). Pinned nodes stay.
    function ringsByDistance(nodes) {
      var levels = {};
      nodes.forEach(function (node) {
        if (!node.locked()) {
          var d = node.data('distance');
          (levels[d] = levels[d] || []).push(node);
        }
      });
      var radius = 0;
      cy.startBatch();
      Object.keys(levels)
        .map(Number)
        .sort(function (a, b) {
          return a - b;
        })
        .forEach(function (distance) {
          var ring = levels[distance];
          var left = ring.length;
          var index = 0;
          if (distance === 0 && ring.length === 1) {
            ring[0].position({ x: 0, y: 0 });
            return;
          }
          while (left > 0) {
            radius += 90;
            var fit = Math.max(1, Math.floor((2 * Math.PI * radius) / 46));
            var here = Math.min(left, fit);
            for (var i = 0; i < here; i++) {
              var angle = (2 * Math.PI * i) / here;
              ring[index + i].position({ x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
            }
            index += here;
            left -= here;
          }
        });
      cy.endBatch();
      return radius;
    }

    // What is drawn, by class: the :visible selector computes every element's style.
    function drawn() {
      return cy.nodes().not('.hidden, .filtered');
    }

    function layoutAll() {
      var shown = drawn();
      var visible = shown.union(shown.edgesWith(shown));
      var options;
      if (cy.nodes().length <= FORCE_LAYOUT_LIMIT) {
        options = {
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
          numIter: 1500,
          randomize: true,
        };
      } else {
        var radius = ringsByDistance(shown);
        // Fit by the rings' size: a bounding box would measure every label first.
        var zoom = Math.max(cy.minZoom(), Math.min(1, Math.min(cy.width(), cy.height()) / (2 * radius + 120)));
        cy.viewport({ zoom: zoom, pan: { x: cy.width() / 2, y: cy.height() / 2 } });
        return;
      }
      visible.layout(options).run();
    }

    // After an addition: keep the zoom, pan so the new nodes are in view.
    function reveal(around, added) {
      if (!added.length) {
        return;
      }
      var box = added.union(around).renderedBoundingBox();
      if (box.x1 < 0 || box.y1 < 0 || box.x2 > cy.width() || box.y2 > cy.height()) {
        var model = added.union(around).boundingBox();
        cy.pan({
          x: cy.width() / 2 - cy.zoom() * (model.x1 + model.x2) / 2,
          y: cy.height() / 2 - cy.zoom() * (model.y1 + model.y2) / 2,
        });
      }
    }

    function setPinned(node, pinned) {
      if (pinned) {
        node.addClass('pinned').lock();
      } else {
        node.removeClass('pinned').unlock();
      }
    }

    return {
      cy: cy,
      merge: merge,
      layoutAll: layoutAll,
      reveal: reveal,
      drawn: drawn,
      setPinned: setPinned,
      edgeId: edgeId,
      COLOURS: COLOURS,
    };
  }

  parts.graph = { create: create };
})();
