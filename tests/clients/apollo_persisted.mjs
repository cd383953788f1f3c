// Apollo Client 4 with its persisted-query link against a live relgraph, as a frontend runs it.
// Usage: node apollo_persisted.mjs URL TOKEN post|get
// Prints one JSON object: what each query returned and every HTTP request the link sent.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, token, mode] = process.argv.slice(2);
const sent = [];

// The fetch the HttpLink uses: node's own, noting what each request carried.
async function recordingFetch(input, init = {}) {
  const target = new URL(typeof input === "string" ? input : input.url);
  const params = init.body ? JSON.parse(init.body) : Object.fromEntries(target.searchParams);
  const extensions =
    typeof params.extensions === "string" ? JSON.parse(params.extensions) : params.extensions;
  const response = await fetch(input, init);
  sent.push({
    method: init.method ?? "GET",
    withQuery: typeof params.query === "string",
    withHash: Boolean(extensions?.persistedQuery?.sha256Hash),
    status: response.status,
    rateLimitRemaining: response.headers.get("x-ratelimit-remaining"),
  });
  return response;
}

const persisted = new PersistedQueryLink({
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  useGETForHashedQueries: mode === "get",
});
const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: persisted.concat(
    new HttpLink({ uri: url, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
  ),
});

const VIEWER = gql`
  query ApolloViewer {
    viewer {
      email
    }
  }
`;
const results = [];
for (let i = 0; i < 2; i++) {
  const { data, error } = await client.query({ query: VIEWER, fetchPolicy: "no-cache" });
  results.push({ data: data ?? null, error: error ? String(error) : null });
}
console.log(JSON.stringify({ results, sent }));
