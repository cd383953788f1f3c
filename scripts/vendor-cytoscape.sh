#!/usr/bin/env bash
# Vendor Cytoscape.js into the relgraph package for the /explore network view.
#
# Like GraphiQL (see scripts/vendor-graphiql.sh), the network view must work on
# machines without internet access, so relgraph serves Cytoscape itself from
# src/relgraph/static/explore/. This script fetches a pinned tarball from the
# npm registry with `npm pack`, checks it against a pinned integrity hash and
# copies only:
#
#   cytoscape.min.js     Cytoscape.js minified UMD build -> global `cytoscape`
#   LICENSE.cytoscape    its licence (MIT), next to it
#
# Cytoscape has no runtime dependencies, loads no fonts, styles or workers of
# its own, and 3.34.4 ships no source map comment; the script fails should a
# future version reference one.
#
# explore.js and explore.css (relgraph's own page code) live in the same folder;
# the script leaves them alone.
#
# Usage: scripts/vendor-cytoscape.sh   (needs node + npm and the npm registry)
set -euo pipefail

CYTOSCAPE_VERSION="3.34.4"
# `npm view cytoscape@<version> dist.integrity`; a mismatch means the registry
# served something other than what was reviewed.
CYTOSCAPE_INTEGRITY="sha512-msY99tMY8iWTg+sIPGfSqDcPNOt4xcj+v/K/7qUFaCUxxlqnMkUYLBjRUzn9W5CU/R2hrmtJa5+UtovrEM2ctg=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/src/relgraph/static/explore"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

meta="$(cd "$WORK" && npm pack --silent --json "cytoscape@$CYTOSCAPE_VERSION")"
got="$(node -e 'const m = JSON.parse(process.argv[1])[0]; console.log(m.integrity)' "$meta")"
tarball="$(node -e 'const m = JSON.parse(process.argv[1])[0]; console.log(m.filename)' "$meta")"
if [[ "$got" != "$CYTOSCAPE_INTEGRITY" ]]; then
    echo "error: cytoscape@$CYTOSCAPE_VERSION integrity mismatch" >&2
    echo "  expected $CYTOSCAPE_INTEGRITY" >&2
    echo "  got      $got" >&2
    exit 1
fi
mkdir -p "$WORK/cytoscape"
# npm tarballs put everything under package/.
tar -xzf "$WORK/$tarball" -C "$WORK/cytoscape" --strip-components=1

mkdir -p "$DEST"
# Remove only what this script owns.
rm -f "$DEST/cytoscape.min.js" "$DEST/LICENSE.cytoscape"
cp "$WORK/cytoscape/dist/cytoscape.min.js" "$DEST/cytoscape.min.js"
cp "$WORK/cytoscape/LICENSE" "$DEST/LICENSE.cytoscape"

# Offline check: the browser must not be sent to another host for a map.
if grep -q 'sourceMappingURL' "$DEST/cytoscape.min.js"; then
    echo "error: cytoscape.min.js references a source map" >&2
    exit 1
fi
if ! grep -q "version=\"$CYTOSCAPE_VERSION\"" "$DEST/cytoscape.min.js"; then
    echo "error: cytoscape.min.js does not report version $CYTOSCAPE_VERSION" >&2
    exit 1
fi

echo "vendored cytoscape@$CYTOSCAPE_VERSION into ${DEST#"$ROOT"/}:"
(cd "$DEST" && ls -l cytoscape.min.js LICENSE.cytoscape)
