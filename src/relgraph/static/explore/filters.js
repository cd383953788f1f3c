/*
 * The filter controls of the side bar: which links to follow, which relation
 * types (listed from the API), which party kinds, ended links, the as-of date,
 * depth and limit. Party kinds are applied in the page (the start party and a
 * path stay drawn); the rest are arguments of the API's neighbourhood.
 *
 * Defines relgraphExploreParts.filters = { create(options) -> controls }.
 * options: { gql, QUERIES, cy, hasToken() }.
 * controls: { read() -> {include, kinds, types (null: all), ended, asOf, depth, maxNodes},
 *             set(saved, defaultInclude) -> promise, loadRelationTypes() -> promise, applyKinds() }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  function byId(id) {
    return document.getElementById(id);
  }

  function checked(selector) {
    return Array.prototype.filter
      .call(document.querySelectorAll(selector + ' input[type=checkbox]'), function (box) {
        return box.checked;
      })
      .map(function (box) {
        return box.value;
      });
  }

  function setChecked(selector, values) {
    Array.prototype.forEach.call(document.querySelectorAll(selector + ' input[type=checkbox]'), function (box) {
      box.checked = values.indexOf(box.value) >= 0;
    });
  }

  function create(options) {
    var cy = options.cy;
    var listing = null; // the relation types' request, made once
    var pendingTypes = null; // relation types from a link, ticked once the list is there

    function read() {
      var typeBoxes = document.querySelectorAll('#explore-types input[type=checkbox]');
      var types = checked('#explore-types');
      return {
        include: checked('#explore-include'),
        kinds: checked('#explore-kinds'),
        // All relation types ticked (or none listed yet) is no filter.
        types: typeBoxes.length && types.length < typeBoxes.length ? types : null,
        ended: byId('explore-ended').checked,
        asOf: byId('explore-asof').value || '',
        depth: parseInt(byId('explore-depth').value, 10) || 1,
        maxNodes: parseInt(byId('explore-max').value, 10) || 200,
      };
    }

    async function list() {
      var box = byId('explore-types-list');
      try {
        var data = await options.gql(options.QUERIES.relationTypes, {});
        box.textContent = '';
        data.relationTypes.forEach(function (type) {
          var input = document.createElement('input');
          input.type = 'checkbox';
          input.value = type.name;
          input.checked = pendingTypes ? pendingTypes.indexOf(type.name) >= 0 : true;
          var label = document.createElement('label');
          label.append(input, ' ' + type.name);
          box.append(label);
        });
        pendingTypes = null;
      } catch (error) {
        box.textContent = error && error.message ? error.message : String(error);
        listing = null; // ask again next time
      }
    }

    function loadRelationTypes() {
      if (!options.hasToken()) {
        return Promise.resolve();
      }
      if (!listing) {
        listing = list();
      }
      return listing;
    }

    async function set(saved, defaultInclude) {
      setChecked('#explore-include', saved.include || defaultInclude);
      setChecked('#explore-kinds', saved.kinds || ['ORGANISATION', 'PERSON']);
      byId('explore-ended').checked = !!saved.ended;
      byId('explore-asof').value = saved.asOf || '';
      byId('explore-depth').value = String(saved.depth || 1);
      byId('explore-max').value = String(saved.maxNodes || 200);
      if (saved.types) {
        pendingTypes = saved.types;
        setChecked('#explore-types', saved.types);
        await loadRelationTypes();
      } else {
        pendingTypes = null;
        Array.prototype.forEach.call(document.querySelectorAll('#explore-types input[type=checkbox]'), function (box) {
          box.checked = true;
        });
      }
    }

    function applyKinds() {
      var kinds = read().kinds;
      cy.startBatch();
      cy.nodes().forEach(function (node) {
        var out = kinds.indexOf(node.data('kind')) < 0 && !node.data('root') && !node.hasClass('path');
        node.toggleClass('filtered', out);
      });
      cy.endBatch();
    }

    return { read: read, set: set, loadRelationTypes: loadRelationTypes, applyKinds: applyKinds };
  }

  parts.filters = { create: create };
})();
