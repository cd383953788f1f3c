/*
 * The current view as files: a PNG of the drawing, GraphML (Gephi, yEd,
 * NetworkX's read_graphml) and two CSV files (nodes, edges) for a spreadsheet.
 * Only what is drawn is exported: hidden and filtered-out nodes and their
 * links are left out, as they are on screen. The files are made in the
 * browser from what the API answered; nothing else is asked for.
 *
 * Defines relgraphExploreParts.exports = { graphml(cy), nodesCsv(cy), edgesCsv(cy), download(name, blob), png(cy) }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  function xml(text) {
    return String(text)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  }

  function shown(cy) {
    var nodes = cy.nodes().filter(function (n) {
      return !n.hasClass('hidden') && !n.hasClass('filtered');
    });
    var edges = nodes.edgesWith(nodes);
    return { nodes: nodes, edges: edges };
  }

  function graphml(cy) {
    var view = shown(cy);
    var lines = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
      '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
      '  <key id="kind" for="node" attr.name="kind" attr.type="string"/>',
      '  <key id="x" for="node" attr.name="x" attr.type="double"/>',
      '  <key id="y" for="node" attr.name="y" attr.type="double"/>',
      '  <key id="elabel" for="edge" attr.name="label" attr.type="string"/>',
      '  <key id="ekind" for="edge" attr.name="kind" attr.type="string"/>',
      '  <key id="ended" for="edge" attr.name="ended" attr.type="boolean"/>',
      '  <graph id="relgraph" edgedefault="directed">',
    ];
    view.nodes.forEach(function (n) {
      lines.push(
        '    <node id="' + xml(n.id()) + '"><data key="label">' + xml(n.data('label')) + '</data>' +
          '<data key="kind">' + xml(n.data('kind')) + '</data>' +
          '<data key="x">' + n.position('x').toFixed(1) + '</data><data key="y">' + n.position('y').toFixed(1) + '</data></node>'
      );
    });
    view.edges.forEach(function (e) {
      lines.push(
        '    <edge source="' + xml(e.data('source')) + '" target="' + xml(e.data('target')) + '">' +
          '<data key="elabel">' + xml(e.data('label')) + '</data><data key="ekind">' + xml(e.data('kind')) + '</data>' +
          '<data key="ended">' + (e.data('ended') ? 'true' : 'false') + '</data></edge>'
      );
    });
    lines.push('  </graph>', '</graphml>', '');
    return lines.join('\n');
  }

  function csvField(value) {
    var text = value === null || value === undefined ? '' : String(value);
    // A leading = + - @ would be run as a formula by a spreadsheet.
    if (/^[=+\-@\t\r]/.test(text)) {
      text = "'" + text;
    }
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csv(rows) {
    return rows
      .map(function (row) {
        return row.map(csvField).join(',');
      })
      .join('\r\n') + '\r\n';
  }

  function nodesCsv(cy) {
    var rows = [['id', 'label', 'kind']];
    shown(cy).nodes.forEach(function (n) {
      rows.push([n.id(), n.data('label'), n.data('kind')]);
    });
    return csv(rows);
  }

  function edgesCsv(cy) {
    var rows = [['source', 'target', 'kind', 'label', 'ended', 'source_label', 'target_label']];
    shown(cy).edges.forEach(function (e) {
      rows.push([
        e.data('source'),
        e.data('target'),
        e.data('kind'),
        e.data('label'),
        e.data('ended') ? 'true' : 'false',
        e.source().data('label'),
        e.target().data('label'),
      ]);
    });
    return csv(rows);
  }

  function download(name, blob) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 10000);
  }

  function png(cy) {
    return cy.png({ output: 'blob', full: true, bg: '#ffffff', scale: 1, maxWidth: 4000, maxHeight: 4000 });
  }

  parts.exports = { graphml: graphml, nodesCsv: nodesCsv, edgesCsv: edgesCsv, download: download, png: png };
})();
