#!/usr/bin/env bash
# Packs each published package, installs the tarballs into a scratch project
# outside the workspace with npm, and runs the smoke scripts beside this file
# through both `import` and `require`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

tarballs=()
for pkg in domain-events outbox-publisher sse-broadcaster event-bus-redis event-stream-client; do
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$scratch" >/dev/null)
done
tarballs=("$scratch"/*.tgz)

cd "$scratch"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "${tarballs[@]}" kysely@0.28.18 zod@4.6.7 pg@8.23.1 hono@4.13.19 ioredis@5.9.3 react@19.3.1 >/dev/null
cp "$root"/.ci/pack-smoke/*.mjs "$root"/.ci/pack-smoke/*.cjs .
for script in $(ls *.mjs *.cjs | grep -v scratch-database); do
  echo "smoke: $script"
  node "$script"
done
