#!/usr/bin/env bash
# Refreshes the vendored ECharts from the npm registry package `echarts`.
#   scripts/vendor-echarts.sh 6.1.0
set -euo pipefail
VERSION=${1:?usage: vendor-echarts.sh VERSION}
DEST="$(cd "$(dirname "$0")/.." && pwd)/crates/zx-server/assets"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack "echarts@$VERSION" >/dev/null && tar xzf echarts-*.tgz)
cp "$TMP/package/dist/echarts.min.js" "$DEST/echarts.min.js"
cp "$TMP/package/LICENSE" "$DEST/echarts.LICENSE"
sed -i "s/Apache ECharts [0-9.]*,/Apache ECharts $VERSION,/" "$DEST/README.md"
echo "echarts $VERSION vendored into $DEST"
