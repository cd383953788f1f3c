/*
 * relgraph's GraphiQL bootstrap: plain ES2017, no build step.
 *
 * Expects the globals of the vendored UMD builds (React, ReactDOM, GraphiQL),
 * a root element <div id="graphiql" data-endpoint="/graphql"> and the example
 * queries as JSON in <script type="application/json" id="relgraph-examples">.
 * Everything is served by relgraph itself: the page must work offline.
 *
 * - Without a token GraphiQL asks for no schema (the answer would only be an
 *   UNAUTHENTICATED error); saving a token mounts GraphiQL afresh, so the schema
 *   is loaded with it and no error of the previous token stays on screen.
 * - Examples open one at a time from the picker, in one "example" tab.
 * - A link may carry a query and variables in its fragment
 *   (/graphql#query=...&variables=...), e.g. a party's card from the network
 *   view: it opens in a new tab; the fragment never reaches the server.
 */
(function () {
  'use strict';


  var root = document.getElementById('graphiql');
  if (!root) {
    return;
  }
  if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.relgraphTokenBar) {
    root.textContent = 'GraphiQL failed to load: its scripts are missing from the static folder.';
    return;
  }
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  var h = React.createElement;

  // --- examples ------------------------------------------------------------
  function readExamples() {
    var node = document.getElementById('relgraph-examples');
    if (!node) {
      return [];
    }
    var parsed;
    try {
      parsed = JSON.parse(node.textContent || '[]');
    } catch (e) {
      return [];
    }
    if (!Array.isArray(parsed)) {
      return [];
    }
    return parsed
      .filter(function (ex) {
        return ex && typeof ex.query === 'string' && ex.query.trim() !== '';
      })
      .map(function (ex) {
        var description = typeof ex.description === 'string' ? ex.description : '';
        var query = ex.query;
        // The description is meant to be the comment on top of the query;
        // files loaded by relgraph already start with it, others may not.
        if (description && query.replace(/^\s+/, '').charAt(0) !== '#') {
          query = '# ' + description + '\n' + query;
        }
        return {
          name: typeof ex.name === 'string' && ex.name ? ex.name : 'example',
          description: description,
          query: query,
        };
      });
  }

  // --- fetcher -------------------------------------------------------------
  // A new fetcher per token: GraphiQL re-runs introspection when the fetcher
  // changes, so saving a token immediately loads the schema it may see.
  function makeFetcher(token) {
    return async function fetcher(graphQLParams, opts) {
      var headers = {
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json',
      };
      if (token) {
        headers.Authorization = 'Bearer ' + token;
      }
      // Headers typed into GraphiQL's headers editor win, e.g. to try
      // another token without saving it.
      if (opts && opts.headers) {
        Object.assign(headers, opts.headers);
      }
      var response = await fetch(endpoint, {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(graphQLParams),
        credentials: 'same-origin',
      });
      if (response.status === 401 || response.status === 403) {
        tokenBar.setStatus(
          token ? 'The server rejected this token (HTTP ' + response.status + ').' : window.relgraphTokenBar.HINT,
          true
        );
      }
      var text = await response.text();
      try {
        return JSON.parse(text);
      } catch (e) {
        // Not GraphQL (a proxy error page, say): show it instead of failing silently.
        return {
          errors: [{ message: 'HTTP ' + response.status + ' ' + response.statusText + ': ' + text.slice(0, 500) }],
        };
      }
    };
  }

  // --- login bar -----------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.append(child);
    });
    return node;
  }

  var tokenInput = el('input', {
    type: 'password',
    id: 'relgraph-token',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'API token',
  });
  var saveButton = el('button', { type: 'button', id: 'relgraph-token-save' }, ['Save']);
  var forgetButton = el('button', { type: 'button', id: 'relgraph-token-forget' }, ['Forget']);
  var status = el('span', { id: 'relgraph-status', role: 'status', 'aria-live': 'polite' });
  var picker = el('select', { id: 'relgraph-examples-picker' });

  var examples = readExamples();
  picker.append(el('option', { value: '' }, [examples.length ? 'Choose an example\u2026' : 'No examples']));
  examples.forEach(function (ex, index) {
    picker.append(el('option', { value: String(index), title: ex.description }, [ex.name]));
  });
  picker.disabled = examples.length === 0;

  var bar = el('form', { class: 'relgraph-bar', id: 'relgraph-bar', autocomplete: 'off' }, [
    el('label', { for: 'relgraph-token' }, ['API token']),
    tokenInput,
    saveButton,
    forgetButton,
    status,
    el('span', { class: 'relgraph-spacer' }),
    el('label', { for: 'relgraph-examples-picker' }, ['Example queries']),
    picker,
    el('a', { href: root.getAttribute('data-explore') || '/explore', id: 'relgraph-explore-link' }, ['Network view']),
  ]);
  root.parentNode.insertBefore(bar, root);

  // --- GraphiQL ------------------------------------------------------------
  var fetcher; // made for the saved token once the bar is bound, below
  var queryOverride; // only used when the editor bridge is unavailable

  // GraphiQL's editor state lives in React context; this invisible toolbar
  // component hands it to the (non-React) example picker.
  var bridge = { ctx: null, pending: null, exampleTab: null };
  var useEditorContext = GraphiQL.React && GraphiQL.React.useEditorContext;

  function EditorBridge() {
    var ctx = useEditorContext({ nonNull: true });
    bridge.ctx = ctx;
    React.useEffect(function () {
      // Runs after addTab() or changeTab() has rendered the tab.
      if (bridge.pending !== null && ctx.queryEditor) {
        var pending = bridge.pending;
        bridge.pending = null;
        ctx.queryEditor.setValue(pending.query);
        if (pending.variables !== undefined && ctx.variableEditor) {
          ctx.variableEditor.setValue(pending.variables);
        }
        if (pending.example && ctx.tabs[ctx.activeTabIndex]) {
          // GraphiQL copies the editor into its tab state a moment later: know the tab by its id.
          bridge.exampleTab = ctx.tabs[ctx.activeTabIndex].id;
        }
      }
    });
    return null;
  }

  var reactRoot = ReactDOM.createRoot(root);
  var mounts = 0; // GraphiQL's key: a new token mounts it afresh

  var DEFAULT_QUERY =
    '# Write a query here, or pick one under "Example queries" above.\n' +
    '# Ctrl-Space completes, Ctrl-Enter runs. Save an API token first.\n' +
    '{\n  viewer { email roles }\n}\n';

  function render() {
    var props = {
      key: 'graphiql-' + mounts,
      fetcher: fetcher,
      // Headers typed in the editor are not written to localStorage: they
      // may hold tokens. The saved token is kept under its own key instead.
      shouldPersistHeaders: false,
      defaultQuery: DEFAULT_QUERY,
    };
    if (/[#&]variables=/.test(location.hash)) {
      props.defaultEditorToolsVisibility = 'variables'; // a handed-over query comes with its variables
    }
    if (!tokenBar.token()) {
      // No schema request without a token: its only answer is UNAUTHENTICATED.
      props.schema = null;
    }
    if (useEditorContext) {
      props.toolbar = { additionalComponent: EditorBridge };
    }
    if (queryOverride !== undefined) {
      props.query = queryOverride;
    }
    reactRoot.render(h(GraphiQL, props));
  }

  function isExample(query) {
    return examples.some(function (ex) {
      return ex.query === query;
    });
  }

  // Tabs of the earlier one-tab-per-example start that were never edited are
  // dropped, so GraphiQL's tab bar does not start out overflowing.
  function pruneExampleTabs() {
    var key = 'graphiql:tabState';
    try {
      var saved = JSON.parse(window.localStorage.getItem(key) || 'null');
      if (!saved || !Array.isArray(saved.tabs)) {
        return;
      }
      var kept = saved.tabs.filter(function (tab) {
        return !isExample(tab.query);
      });
      if (kept.length === saved.tabs.length) {
        return;
      }
      if (kept.length) {
        saved.tabs = kept;
        saved.activeTabIndex = Math.min(saved.activeTabIndex || 0, kept.length - 1);
        window.localStorage.setItem(key, JSON.stringify(saved));
      } else {
        window.localStorage.removeItem(key);
      }
    } catch (e) {
      // Unreadable or unavailable storage: GraphiQL starts with its default tab.
    }
  }

  // Open text in the tab `reuse` finds, else in a new tab.
  function openInTab(pending, reuse) {
    var ctx = bridge.ctx;
    if (!ctx || !ctx.tabs || !ctx.addTab) {
      // Fallback: replace the current editor contents via the query prop.
      queryOverride = pending.query;
      render();
      return;
    }
    bridge.pending = pending;
    for (var i = 0; reuse && i < ctx.tabs.length; i++) {
      if (reuse(ctx.tabs[i])) {
        if (i === ctx.activeTabIndex && ctx.queryEditor) {
          ctx.queryEditor.setValue(pending.query);
          bridge.pending = null;
          if (pending.example) {
            bridge.exampleTab = ctx.tabs[i].id;
          }
        } else {
          ctx.changeTab(i);
        }
        return;
      }
    }
    ctx.addTab();
  }

  // One example at a time: the tab showing an (unedited) example shows the next one.
  function openExample(ex) {
    openInTab({ query: ex.query, example: true }, function (tab) {
      // An example tab the user has edited is theirs; GraphiQL may not have copied a
      // just-opened example into its tab state yet, hence the tab id for a blank one.
      var blank = !tab.query || tab.query === DEFAULT_QUERY;
      return isExample(tab.query) || (tab.id === bridge.exampleTab && blank);
    });
  }

  // A query handed over in the URL's fragment, e.g. a party card from /explore.
  function openFromFragment() {
    if (location.hash.length < 2) {
      return;
    }
    var params = new URLSearchParams(location.hash.slice(1));
    var query = params.get('query');
    if (!query) {
      return;
    }
    history.replaceState(null, '', location.pathname + location.search);
    var variables = params.get('variables');
    function attempt(tries) {
      if (bridge.ctx && bridge.ctx.queryEditor) {
        openInTab({ query: query, variables: variables === null ? undefined : variables }, null);
      } else if (tries > 0) {
        setTimeout(function () {
          attempt(tries - 1);
        }, 100);
      }
    }
    attempt(100);
  }

  var tokenBar = window.relgraphTokenBar.bind({
    form: bar,
    input: tokenInput,
    save: saveButton,
    forget: forgetButton,
    status: status,
    onChange: function (token) {
      fetcher = makeFetcher(token);
      mounts += 1;
      render();
    },
  });
  fetcher = makeFetcher(tokenBar.token());
  picker.addEventListener('change', function () {
    var ex = examples[Number(picker.value)];
    if (picker.value !== '' && ex) {
      openExample(ex);
    }
    picker.value = ''; // so choosing the same example again reopens it
  });

  pruneExampleTabs();
  render();
  openFromFragment();
  window.addEventListener('hashchange', openFromFragment);
})();
