#!/usr/bin/env bash
# Vendor GraphiQL + React into the relgraph package so the IDE works offline.
#
# Analysts run GraphiQL on machines without internet access, so every asset the
# page loads must be served by relgraph itself from files inside the Python
# package (src/relgraph/static/graphiql/). This script fetches pinned tarballs
# from the npm registry with `npm pack`, checks them against pinned integrity
# hashes, and copies only the production files we need:
#
#   graphiql.min.js / graphiql.min.css   GraphiQL UMD build (bundles graphql-js,
#                                        CodeMirror 5 and the fonts) -> global `GraphiQL`
#   react.production.min.js              React UMD build       -> global `React`
#   react-dom.production.min.js          ReactDOM UMD build    -> global `ReactDOM`
#   LICENSE.<package>                    each package's licence, next to its assets
#
# Version choice: graphiql 3.9.0 is the newest 3.x, the line whose UMD build and
# props (defaultTabs, query, toolbar.additionalComponent) relgraph-graphiql.js
# is written against (4.x reworked the plugin/editor APIs; 5.x ships no UMD
# build at all). Its peerDependencies accept react/react-dom ^16.8 || ^17 || ^18,
# and React 18.3.1 is the newest 18.x, the last React with umd/ builds (React 19
# dropped them). graphiql 3.9.0 is compiled with the React Compiler but bundles
# react-compiler-runtime, which polyfills the memo cache on React 18.
#
# Post-processing (kept minimal, and checked below):
#   * graphiql.min.js ends with `//# sourceMappingURL=index.umd.js.map`. We do
#     not ship the 4 MB map, so the comment is stripped (otherwise devtools
#     requests a file that 404s).
#   * graphiql.min.css embeds its fonts as data: URIs in 3.9.0. Should a future
#     version `@import` remote fonts (e.g. Google Fonts), those lines are
#     stripped so the browser never reaches for a CDN; the script then fails
#     if any remote url()/@import survives.
#
# Usage: scripts/vendor-graphiql.sh   (needs node + npm and the npm registry)
set -euo pipefail

GRAPHIQL_VERSION="3.9.0"
REACT_VERSION="18.3.1"
REACT_DOM_VERSION="18.3.1"

# `npm view <pkg>@<version> dist.integrity`; a mismatch means the registry
# served something other than what was reviewed.
GRAPHIQL_INTEGRITY="sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA=="
REACT_INTEGRITY="sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
REACT_DOM_INTEGRITY="sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/src/relgraph/static/graphiql"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch NAME VERSION INTEGRITY -> unpacks into $WORK/NAME
fetch() {
    local name="$1" version="$2" integrity="$3" meta got tarball
    meta="$(cd "$WORK" && npm pack --silent --json "$name@$version")"
    got="$(node -e 'const m = JSON.parse(process.argv[1])[0]; console.log(m.integrity)' "$meta")"
    tarball="$(node -e 'const m = JSON.parse(process.argv[1])[0]; console.log(m.filename)' "$meta")"
    if [[ "$got" != "$integrity" ]]; then
        echo "error: $name@$version integrity mismatch" >&2
        echo "  expected $integrity" >&2
        echo "  got      $got" >&2
        exit 1
    fi
    mkdir -p "$WORK/$name"
    # npm tarballs put everything under package/.
    tar -xzf "$WORK/$tarball" -C "$WORK/$name" --strip-components=1
}

fetch graphiql "$GRAPHIQL_VERSION" "$GRAPHIQL_INTEGRITY"
fetch react "$REACT_VERSION" "$REACT_INTEGRITY"
fetch react-dom "$REACT_DOM_VERSION" "$REACT_DOM_INTEGRITY"

mkdir -p "$DEST"
# Remove only what this script owns: relgraph-graphiql.js lives here too.
rm -f "$DEST/graphiql.min.js" "$DEST/graphiql.min.css" \
    "$DEST/react.production.min.js" "$DEST/react-dom.production.min.js" \
    "$DEST/LICENSE.graphiql" "$DEST/LICENSE.react" "$DEST/LICENSE.react-dom"

# JS: drop the sourceMappingURL comment (the map is not shipped).
sed -e '/^\/\/# sourceMappingURL=/d' \
    "$WORK/graphiql/graphiql.min.js" >"$DEST/graphiql.min.js"

# CSS: drop source map comments and any remote @import (fonts from a CDN).
sed -E \
    -e 's#/\*[#@] sourceMappingURL=[^*]*\*/##g' \
    -e 's#@import[[:space:]]+(url\()?["'"'"']?(https?:)?//[^;]*;##g' \
    "$WORK/graphiql/graphiql.min.css" >"$DEST/graphiql.min.css"

cp "$WORK/react/umd/react.production.min.js" "$DEST/react.production.min.js"
cp "$WORK/react-dom/umd/react-dom.production.min.js" "$DEST/react-dom.production.min.js"

cp "$WORK/graphiql/LICENSE" "$DEST/LICENSE.graphiql"
cp "$WORK/react/LICENSE" "$DEST/LICENSE.react"
cp "$WORK/react-dom/LICENSE" "$DEST/LICENSE.react-dom"

# Offline check: nothing the browser loads may point at another host.
# (Plain https:// strings in the JS are links, error-decoder URLs and SVG
# namespaces; they are never fetched. What gets fetched at load time is CSS
# @import/url() and source maps.)
fail=0
if grep -Eq '@import' "$DEST/graphiql.min.css"; then
    echo "error: graphiql.min.css still has an @import" >&2
    fail=1
fi
if grep -Eq 'url\([[:space:]]*["'"'"']?(https?:)?//' "$DEST/graphiql.min.css"; then
    echo "error: graphiql.min.css references a remote url()" >&2
    fail=1
fi
if grep -l 'sourceMappingURL' "$DEST"/*.js "$DEST"/*.css 2>/dev/null | grep -v 'relgraph-graphiql.js'; then
    echo "error: vendored files still reference source maps" >&2
    fail=1
fi
if [[ "$fail" -ne 0 ]]; then
    exit 1
fi

echo "vendored graphiql@$GRAPHIQL_VERSION react@$REACT_VERSION react-dom@$REACT_DOM_VERSION into ${DEST#"$ROOT"/}:"
(cd "$DEST" && ls -l graphiql.min.js graphiql.min.css react.production.min.js \
    react-dom.production.min.js LICENSE.graphiql LICENSE.react LICENSE.react-dom)
