/*
 * The API token bar of relgraph's pages (GraphiQL at /graphql, the network view
 * at /explore): plain ES2017, no build step, served by relgraph itself.
 *
 * Both pages keep the token under one localStorage key, so a token saved in one
 * is used by the other, also in another tab. localStorage can be disabled or
 * throw (private windows, strict policies); the token is then kept for this
 * page only.
 *
 * window.relgraphTokenBar.bind({form, input, save, forget, status, onChange})
 * wires a bar's controls and returns {token(), setStatus(message, warn)};
 * onChange(token) runs whenever the token is saved or forgotten.
 */
(function () {
  'use strict';

  var KEY = 'relgraph.token';
  var HINT = 'Paste an API token (relgraph tokens create --email you@example.com)';
  var memoryToken = '';

  function load() {
    try {
      return window.localStorage.getItem(KEY) || '';
    } catch (e) {
      return memoryToken;
    }
  }

  function store(value) {
    memoryToken = value;
    try {
      if (value) {
        window.localStorage.setItem(KEY, value);
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (e) {
      // Kept in memory only.
    }
  }

  function bind(parts) {
    var current = load();
    var onChange = parts.onChange || function () {};

    function setStatus(message, warn) {
      if (parts.status) {
        parts.status.textContent = message;
        parts.status.className = warn ? 'relgraph-hint' : 'relgraph-status';
      }
    }

    function showState() {
      if (current) {
        setStatus('Token saved in this browser.', false);
      } else {
        setStatus(HINT, true);
      }
    }

    function changeTo(value) {
      current = value;
      parts.input.value = value;
      showState();
      onChange(current);
    }

    function save() {
      var value = parts.input.value.trim();
      if (!value) {
        parts.input.focus();
        setStatus(HINT, true);
        return;
      }
      store(value);
      changeTo(value);
    }

    function forget() {
      store('');
      changeTo('');
    }

    parts.form.addEventListener('submit', function (event) {
      event.preventDefault(); // Enter in the token field saves it
      save();
    });
    parts.save.addEventListener('click', save);
    parts.forget.addEventListener('click', forget);
    // A token saved or forgotten on the other page, in another tab, applies here too.
    window.addEventListener('storage', function (event) {
      if (event.key === KEY) {
        changeTo(event.newValue || '');
      }
    });
    parts.input.value = current;
    showState();
    return {
      token: function () {
        return current;
      },
      setStatus: setStatus,
    };
  }

  window.relgraphTokenBar = { bind: bind, HINT: HINT };
})();
