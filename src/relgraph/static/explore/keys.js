/*
 * The graph by keyboard, while it has the focus (it is in the tab order):
 * n / p select the next / previous party (top to bottom), Enter expands it,
 * c centres it, i pins or unpins it, h hides it, arrows pan, + / - zoom,
 * f fits the view, Escape deselects. The details panel and the side bar are
 * ordinary buttons and fields.
 *
 * Defines relgraphExploreParts.keys = { bind(element, view, actions) }.
 * actions: { select(party), expand(id), centre(id), togglePin(id), hide(id), deselect() }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  function bind(element, view, actions) {
    var cy = view.cy;

    function visibleNodesInOrder() {
      return view
        .drawn()
        .toArray()
        .sort(function (a, b) {
          return a.position('y') - b.position('y') || a.position('x') - b.position('x');
        });
    }

    function step(by) {
      var nodes = visibleNodesInOrder();
      if (!nodes.length) {
        return;
      }
      var current = cy.nodes(':selected')[0];
      var index = current ? nodes.indexOf(current) : -1;
      var next = nodes[(index + by + nodes.length) % nodes.length];
      actions.select({ id: next.id() });
      var at = next.renderedPosition();
      if (at.x < 0 || at.y < 0 || at.x > cy.width() || at.y > cy.height()) {
        cy.center(next);
      }
    }

    element.addEventListener('keydown', function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      var selected = cy.nodes(':selected')[0];
      var handled = true;
      switch (event.key) {
        case 'ArrowLeft': cy.panBy({ x: 60, y: 0 }); break;
        case 'ArrowRight': cy.panBy({ x: -60, y: 0 }); break;
        case 'ArrowUp': cy.panBy({ x: 0, y: 60 }); break;
        case 'ArrowDown': cy.panBy({ x: 0, y: -60 }); break;
        case '+': case '=':
          cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
          break;
        case '-':
          cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
          break;
        case 'n': step(1); break;
        case 'p': step(-1); break;
        case 'f': cy.fit(view.drawn(), 40); break;
        case 'Enter': if (selected) { actions.expand(selected.id()); } break;
        case 'c': if (selected) { actions.centre(selected.id()); } break;
        case 'i': if (selected) { actions.togglePin(selected.id()); } break;
        case 'h': if (selected) { actions.hide(selected.id()); } break;
        case 'Escape': actions.deselect(); break;
        default: handled = false;
      }
      if (handled) {
        event.preventDefault();
      }
    });
  }

  parts.keys = { bind: bind };
})();
