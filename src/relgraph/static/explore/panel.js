/*
 * The details panel of the selected party: what it is, where it sits and how
 * many links it has (as the API answers for this user and day), with actions:
 * expand, centre here, pin, hide, use as a path's end, and open the party's
 * card in GraphiQL (a link to the GraphiQL page with the card query and the
 * party's ID filled in, in the URL's fragment, which never reaches the server).
 *
 * Defines relgraphExploreParts.panel = { create(options) -> { show(id), clear() } }.
 * options: { element, gql, QUERIES, endpoint, asOf(), actions: {expand, centre,
 *            pin, hide, pathFrom, pathTo, select}, drawnCount(id, kind) }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.append(child);
      }
    });
    return node;
  }

  function cardLink(endpoint, query, id) {
    var params = new URLSearchParams();
    params.set('query', query);
    params.set('variables', JSON.stringify({ id: id }, null, 2));
    return endpoint + '#' + params.toString();
  }

  function create(options) {
    var element = options.element;
    var generation = 0;

    function row(term, value) {
      return [el('dt', {}, [term]), el('dd', {}, [value])];
    }

    function partyButton(party) {
      if (!party) {
        return 'none';
      }
      var button = el('button', { type: 'button', class: 'explore-link', 'data-id': party.id }, [party.displayName]);
      button.addEventListener('click', function () {
        options.actions.select(party);
      });
      return button;
    }

    function counted(total, id, kind) {
      var drawn = options.drawnCount(id, kind);
      return total === null || total === undefined ? 'not visible to you' : total + ' (' + drawn + ' drawn)';
    }

    function action(label, name, handler, extra) {
      var button = el('button', Object.assign({ type: 'button', 'data-action': name }, extra || {}), [label]);
      button.addEventListener('click', handler);
      return button;
    }

    function render(party, node) {
      var id = party.id;
      var dl = el('dl', {});
      var items = [];
      items = items.concat(row('Kind', party.kind === 'PERSON' ? 'person' : 'organisation'));
      var types = (party.types || []).map(function (t) {
        return t.name;
      });
      items = items.concat(row('Types', types.length ? types.join(', ') : 'none'));
      if (party.kind === 'ORGANISATION') {
        items = items.concat(row('Parent', partyButton(party.parent)));
        var office = (party.addresses || []).filter(function (a) {
          return a.isHeadOffice;
        })[0];
        items = items.concat(row('Head office', office ? office.lines.join(', ') : 'none recorded'));
        items = items.concat(row('People', counted(party.memberships && party.memberships.totalCount, id, 'MEMBERSHIPS')));
        items = items.concat(row('Subsidiaries', counted(party.subsidiaries && party.subsidiaries.totalCount, id, 'SUBSIDIARIES')));
        var managers = party.accountManagers
          ? party.accountManagers.map(function (u) {
              return u.name;
            }).join(', ') || 'none'
          : 'not visible to you';
        items = items.concat(row('Account managers', managers));
      } else {
        if (party.email) {
          items = items.concat(row('Email', party.email));
        }
        var works = el('ul', { class: 'explore-plain' });
        ((party.memberships && party.memberships.nodes) || []).forEach(function (m) {
          works.append(el('li', {}, [partyButton(m.organisation), m.jobTitle ? ' (' + m.jobTitle + ')' : '']));
        });
        items = items.concat(row('Works at', works.childNodes.length ? works : 'no organisation'));
      }
      items = items.concat(row('Relations', counted(party.relations && party.relations.totalCount, id, 'RELATIONS')));
      items.forEach(function (item) {
        dl.append(item);
      });

      var pinned = node && node.hasClass('pinned');
      var actions = el('div', { class: 'explore-actions' }, [
        action('Expand', 'expand', function () {
          options.actions.expand(id);
        }, node && node.data('expanded') ? { disabled: 'disabled', title: 'Already expanded' } : {}),
        action('Centre here', 'centre', function () {
          options.actions.centre(id);
        }),
        action(pinned ? 'Unpin' : 'Pin', 'pin', function () {
          options.actions.pin(id);
        }),
        action('Hide', 'hide', function () {
          options.actions.hide(id);
        }),
        action('Path from here', 'path-from', function () {
          options.actions.pathFrom(party);
        }),
        action('Path to here', 'path-to', function () {
          options.actions.pathTo(party);
        }),
      ]);
      var card = el('a', { href: cardLink(options.endpoint, options.QUERIES.card, id), class: 'explore-card', target: '_blank', rel: 'noopener' }, [
        'Open the card in GraphiQL',
      ]);
      var hidden = party.__errors && party.__errors.length
        ? el('p', { class: 'explore-note' }, ['Some of this party\u2019s details are not visible to you.'])
        : null;
      element.textContent = '';
      [
        el('h2', { id: 'explore-panel-title' }, [party.displayName]),
        el('p', { class: 'explore-note' }, [options.asOf() ? 'As of ' + options.asOf() + ' (names as today).' : 'As of today.']),
        dl,
        hidden,
        actions,
        card,
      ].forEach(function (child) {
        if (child) {
          element.append(child);
        }
      });
      element.hidden = false;
      element.setAttribute('data-id', id);
    }

    async function show(id, node) {
      generation += 1;
      var mine = generation;
      element.hidden = false;
      element.setAttribute('data-id', '');
      element.textContent = '';
      element.append(el('p', { class: 'explore-note' }, ['Loading the details\u2026']));
      try {
        var data = await options.gql(options.QUERIES.details, { id: id, asOf: options.asOf() || null });
        if (mine !== generation) {
          return;
        }
        if (!data.node) {
          throw new Error('This party is not there, or not visible to you.');
        }
        var party = data.node;
        Object.defineProperty(party, '__errors', { value: data.__errors, enumerable: false });
        render(party, node);
      } catch (error) {
        if (mine === generation) {
          element.textContent = '';
          element.append(el('p', { class: 'explore-error' }, [error && error.message ? error.message : String(error)]));
        }
      }
    }

    function clear() {
      generation += 1;
      element.textContent = '';
      element.hidden = true;
      element.removeAttribute('data-id');
    }

    return { show: show, clear: clear };
  }

  parts.panel = { create: create, el: el, cardLink: cardLink };
})();
