/*
 * The network view's only way to the data: GraphQL requests to relgraph's own
 * endpoint with the saved token. The page sees exactly what the API lets this
 * user see (the same visibility rules); it never reads anything else.
 *
 * Defines relgraphExploreParts.api = { client(endpoint, tokenBar), QUERIES, GraphQLError }.
 */
(function () {
  'use strict';
  var parts = (window.relgraphExploreParts = window.relgraphExploreParts || {});

  function GraphQLError(message) {
    this.message = message;
  }

  // gql(query, variables) resolves to the answer's data. Errors beside data
  // (a field this user may not read) are kept on data.__errors so a caller can
  // say that part is hidden; an answer without data is an error.
  function client(endpoint, tokenBar) {
    return async function gql(query, variables) {
      if (!tokenBar.token()) {
        throw new GraphQLError('No API token: paste one in the bar above and click Save.');
      }
      var response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/graphql-response+json, application/json',
            Authorization: 'Bearer ' + tokenBar.token(),
          },
          body: JSON.stringify({ query: query, variables: variables || {} }),
          credentials: 'same-origin',
        });
      } catch (e) {
        throw new GraphQLError('The server cannot be reached (' + e.message + ').');
      }
      if (response.status === 401 || response.status === 403) {
        tokenBar.setStatus('The server rejected this token (HTTP ' + response.status + ').', true);
        throw new GraphQLError('The server rejected the API token (HTTP ' + response.status + ').');
      }
      var text = await response.text();
      var body;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new GraphQLError('HTTP ' + response.status + ' ' + response.statusText + ': ' + text.slice(0, 300));
      }
      if (!body.data) {
        var first = body.errors && body.errors.length ? body.errors[0].message : '';
        throw new GraphQLError(first || 'The server answered without data (HTTP ' + response.status + ').');
      }
      Object.defineProperty(body.data, '__errors', { value: body.errors || [], enumerable: false });
      return body.data;
    };
  }

  var PARTY = 'id kind displayName';

  var QUERIES = {
    search:
      'query ExploreSearch($search: String!, $first: Int!) {\n' +
      '  organisations(filter: {search: $search}, first: $first) {\n' +
      '    totalCount nodes { ' + PARTY + ' code kvkNumber visitAddress { city } }\n' +
      '  }\n' +
      '  persons(filter: {search: $search}, first: $first) { totalCount nodes { ' + PARTY + ' email } }\n' +
      '}',

    relationTypes: 'query ExploreRelationTypes { relationTypes { name } }',

    neighbourhood:
      'query ExploreNeighbourhood($id: ID!, $depth: Int!, $include: [NeighbourhoodKind!],\n' +
      '    $relationTypes: [String!], $maxNodes: Int!, $asOf: Date) {\n' +
      '  node(id: $id) {\n' +
      '    ... on Party {\n' +
      '      ' + PARTY + '\n' +
      '      neighbourhood(depth: $depth, include: $include, relationTypes: $relationTypes,\n' +
      '          maxNodes: $maxNodes, asOf: $asOf) {\n' +
      '        nodes { distance party { ' + PARTY + ' } }\n' +
      '        edges { source target kind label }\n' +
      '        truncated\n' +
      '      }\n' +
      '    }\n' +
      '  }\n' +
      '}',

    // Links not in force on the day (ended, or not begun yet): the neighbourhood
    // only has those in force, so "include ended links" reads them per party.
    inactive:
      'query ExploreInactiveLinks($id: ID!, $asOf: Date) {\n' +
      '  node(id: $id) {\n' +
      '    ... on Party {\n' +
      '      relations(includeInactive: true, first: 100, asOf: $asOf) {\n' +
      '        edges { relation { id active startDate endDate type { name }\n' +
      '          source { ' + PARTY + ' } target { ' + PARTY + ' } } }\n' +
      '      }\n' +
      '    }\n' +
      '    ... on Organisation {\n' +
      '      memberships(includeInactive: true, first: 100, asOf: $asOf) {\n' +
      '        nodes { id active jobTitle startDate endDate person { ' + PARTY + ' } }\n' +
      '      }\n' +
      '    }\n' +
      '    ... on Person {\n' +
      '      memberships(includeInactive: true, first: 100, asOf: $asOf) {\n' +
      '        nodes { id active jobTitle startDate endDate organisation { ' + PARTY + ' } }\n' +
      '      }\n' +
      '    }\n' +
      '  }\n' +
      '}',

    details:
      'query ExploreDetails($id: ID!, $asOf: Date) {\n' +
      '  node(id: $id) {\n' +
      '    ... on Party {\n' +
      '      ' + PARTY + '\n' +
      '      types { code name }\n' +
      '      relations(first: 1, asOf: $asOf) { totalCount }\n' +
      '    }\n' +
      '    ... on Organisation {\n' +
      '      status\n' +
      '      addresses { kind isHeadOffice lines }\n' +
      '      parent(asOf: $asOf) { ' + PARTY + ' }\n' +
      '      subsidiaries(first: 1, asOf: $asOf) { totalCount }\n' +
      '      memberships(first: 1, asOf: $asOf) { totalCount }\n' +
      '      accountManagers(asOf: $asOf) { id name }\n' +
      '    }\n' +
      '    ... on Person {\n' +
      '      email\n' +
      '      memberships(first: 5, asOf: $asOf) {\n' +
      '        totalCount nodes { jobTitle organisation { ' + PARTY + ' } }\n' +
      '      }\n' +
      '    }\n' +
      '  }\n' +
      '}',

    path:
      'query ExplorePath($from: ID!, $to: ID!, $maxDepth: Int!, $include: [NeighbourhoodKind!], $asOf: Date) {\n' +
      '  shortestPath(fromId: $from, toId: $to, maxDepth: $maxDepth, include: $include, asOf: $asOf) {\n' +
      '    length\n' +
      '    parties { ' + PARTY + ' }\n' +
      '    edges { source target kind label }\n' +
      '  }\n' +
      '}',

    // Since when a hop holds: the dates of the relation or membership behind it.
    hopDates:
      'query ExploreHopDates($id: ID!, $asOf: Date) {\n' +
      '  node(id: $id) {\n' +
      '    ... on Party {\n' +
      '      relations(includeInactive: true, first: 100, asOf: $asOf) {\n' +
      '        edges { label otherParty { id } relation { startDate endDate } }\n' +
      '      }\n' +
      '    }\n' +
      '    ... on Person {\n' +
      '      memberships(includeInactive: true, first: 100, asOf: $asOf) {\n' +
      '        nodes { jobTitle startDate endDate organisation { id } }\n' +
      '      }\n' +
      '    }\n' +
      '  }\n' +
      '}',
  };

  // The card GraphiQL opens for a party ("open the card in GraphiQL"), with its ID as a variable.
  QUERIES.card =
    '# The card of one party, opened from the network view. Run it with the button above.\n' +
    'query PartyCard($id: ID!) {\n' +
    '  node(id: $id) {\n' +
    '    ... on Party {\n' +
    '      id kind displayName\n' +
    '      types { code name }\n' +
    '      addresses { kind isHeadOffice lines }\n' +
    '      relations(first: 20) { totalCount edges { label direction otherParty { id displayName } } }\n' +
    '    }\n' +
    '    ... on Organisation {\n' +
    '      name code kvkNumber status\n' +
    '      ancestors { id name }\n' +
    '      accountManagers { id name }\n' +
    '      subsidiaries(first: 20) { totalCount nodes { id name } }\n' +
    '      memberships(first: 50) { totalCount nodes { jobTitle role person { id displayName } } }\n' +
    '    }\n' +
    '    ... on Person {\n' +
    '      email phone\n' +
    '      memberships(first: 20) { totalCount nodes { jobTitle role organisation { id name } } }\n' +
    '    }\n' +
    '  }\n' +
    '}\n';

  parts.api = { client: client, QUERIES: QUERIES, GraphQLError: GraphQLError };
})();
