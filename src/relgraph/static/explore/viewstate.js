/*
 * The view's state in the URL's fragment, so a copied link reopens the same
 * view: the party drawn first, the parties expanded (in order), the filters,
 * the as-of date, hidden and pinned parties, the selection and the path's ends.
 * Only IDs and settings travel in the link; names are read from the API again
 * with the token of whoever opens it (who may see less).
 *
 * Defines relgraphExploreParts.viewstate = { encode(state) -> string, decode(string) -> state }.
 * state: { party, expand: [], depth, maxNodes, include: [], kinds: [], types: [] or null,
 *          ended, asOf, hide: [], pin: [], select, from, to }
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  var LISTS = ['expand', 'include', 'kinds', 'types', 'hide', 'pin'];

  function encode(state) {
    var params = new URLSearchParams();
    Object.keys(state).forEach(function (key) {
      var value = state[key];
      if (value === null || value === undefined || value === false || value === '') {
        return;
      }
      if (Array.isArray(value)) {
        if (key !== 'types' && !value.length) {
          return;
        }
        params.set(key, value.join('~'));
      } else {
        params.set(key, value === true ? '1' : String(value));
      }
    });
    return params.toString();
  }

  function decode(text) {
    var params = new URLSearchParams((text || '').replace(/^#/, ''));
    var state = {};
    params.forEach(function (value, key) {
      if (LISTS.indexOf(key) >= 0) {
        state[key] = value ? value.split('~') : [];
      } else if (key === 'ended') {
        state[key] = value === '1';
      } else if (key === 'depth' || key === 'maxNodes' || key === 'pathDepth') {
        var number = parseInt(value, 10);
        if (!isNaN(number)) {
          state[key] = number;
        }
      } else {
        state[key] = value;
      }
    });
    return state;
  }

  parts.viewstate = { encode: encode, decode: decode };
})();
