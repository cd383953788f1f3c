/*
 * Finding a party: organisations and persons matching a text, each result with
 * why it matched when its name does not show it (a person found through their
 * email, an organisation through its city or number), a button to draw its
 * network and two to make it a path's start or end.
 *
 * Defines relgraphExploreParts.search = { create(options) -> { search(text) } }.
 * options: { gql, QUERIES, form, input, results, pick(party), pathEnd(which, party),
 *            status(text), drawing() -> whether a network is drawn }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  var PAGE_SIZE = 20;

  function create(options) {
      var searchForm = options.form;
      var searchInput = options.input;
      var results = options.results;

    function note(text) {
      var item = document.createElement('li');
      item.className = 'explore-note';
      item.textContent = text;
      results.append(item);
    }

    // Why a party matched when its name does not show it (a person's email, an organisation's city).
    function matchHint(party, text) {
      var needle = text.toLowerCase();
      if (party.displayName.toLowerCase().indexOf(needle) >= 0) {
        return '';
      }
      var fields = [
        ['email', party.email],
        ['city', party.visitAddress && party.visitAddress.city],
        ['KvK number', party.kvkNumber],
        ['customer number', party.code],
      ];
      for (var i = 0; i < fields.length; i++) {
        if (fields[i][1] && String(fields[i][1]).toLowerCase().indexOf(needle) >= 0) {
          return 'matched on ' + fields[i][0] + ': ' + fields[i][1];
        }
      }
      return 'matched on another field (email, address, number)';
    }

    function smallButton(label, title, handler) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'explore-small';
      button.textContent = label;
      button.title = title;
      button.setAttribute('aria-label', title);
      button.addEventListener('click', handler);
      return button;
    }

    function resultItem(party, text) {
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
      name.title = 'Draw the network of ' + party.displayName;
      button.append(key, name);
      var hint = matchHint(party, text);
      if (hint) {
        var why = document.createElement('span');
        why.className = 'explore-why';
        why.textContent = hint;
        button.append(why);
      }
      button.addEventListener('click', function () {
        var current = results.querySelectorAll('.explore-result[aria-current]');
        for (var i = 0; i < current.length; i++) {
          current[i].removeAttribute('aria-current');
        }
        button.setAttribute('aria-current', 'true');
        options.pick(party);
      });
      var item = document.createElement('li');
      item.className = 'explore-result-row';
      item.append(
        button,
        smallButton('from', 'Path from ' + party.displayName, function () {
          options.pathEnd('from', party);
        }),
        smallButton('to', 'Path to ' + party.displayName, function () {
          options.pathEnd('to', party);
        })
      );
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
        var data = await options.gql(options.QUERIES.search, { search: text, first: PAGE_SIZE });
        results.textContent = '';
        var parties = data.organisations.nodes.concat(data.persons.nodes);
        var total = data.organisations.totalCount + data.persons.totalCount;
        if (!parties.length) {
          note('Nothing found for \u201c' + text + '\u201d.');
          options.status('Nothing found for \u201c' + text + '\u201d: try part of a name, a city or a number.');
          return;
        }
        parties.forEach(function (party) {
          results.append(resultItem(party, text));
        });
        if (total > parties.length) {
          note(total - parties.length + ' more; refine the search to see them.');
        }
        if (!options.drawing()) {
          options.status(total + ' found for \u201c' + text + '\u201d: pick one to draw its network, or use from/to for a path.');
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

    return { search: search };
  }

  parts.search = { create: create };
})();
