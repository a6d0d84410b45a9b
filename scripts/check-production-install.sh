#!/usr/bin/env bash
# The production install, as docs/deployment.md and the Dockerfile do it: the
# built application copied into a fresh folder, `npm ci --omit=dev`, then
# `node dist/main.js` in production mode against a database of its own
# (MONGODB_URI), after applying the migrations as a deploy does, signing with a key
# pair made by the documented command. Checks readiness, a sign-up (which signs in), one query, a
# clean SIGTERM, and that nothing development-only was loaded. Needs `npm run
# build` and a ferretdb binary (scripts/install-ferretdb.sh). Exits non-zero on
# any failure; leaves nothing running or behind.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
server_pid=""
db_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  [ -n "$db_pid" ] && kill -TERM "$db_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() { echo "production install: FAILED: $*" >&2; [ -f "$work/server.log" ] && tail -20 "$work/server.log" >&2; exit 1; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

echo "production install: copying dist/ and the manifests to $work/app"
[ -f dist/main.js ] || fail "dist/main.js is missing: run npm run build first"
mkdir -p "$work/app"
cp -r dist package.json package-lock.json .npmrc "$work/app/"

echo "production install: npm ci --omit=dev"
(cd "$work/app" && npm ci --omit=dev --no-audit --no-fund >"$work/npm.log" 2>&1) || { cat "$work/npm.log" >&2; fail "npm ci --omit=dev"; }
for dev in jest ts-jest @nestjs/testing @nestjs/cli eslint fast-check autocannon playwright-core; do
  [ ! -e "$work/app/node_modules/$dev" ] || fail "a development dependency was installed: $dev"
done

ferretdb="${FERRETDB_BIN:-$(command -v ferretdb || echo "$(go env GOPATH 2>/dev/null)/bin/ferretdb")}"
[ -x "$ferretdb" ] || fail "no ferretdb binary (bash scripts/install-ferretdb.sh)"
db_port=$(free_port)
mkdir -p "$work/db"
"$ferretdb" --handler=sqlite --sqlite-url="file:$work/db/" --state-dir="$work/db" \
  --listen-addr="127.0.0.1:$db_port" --debug-addr=- --telemetry=disable --log-level=error &
db_pid=$!

echo "production install: generating a key pair as docs/deployment.md says (node dist/auth/keys/generate-keys.cli.js)"
(cd "$work/app" && env -i PATH="$PATH" HOME="$HOME" node dist/auth/keys/generate-keys.cli.js --alg ES256 --out "$work/keys" >"$work/keys.log" 2>&1) ||
  { cat "$work/keys.log" >&2; fail "generating keys in the production install"; }
private_key=$(ls "$work"/keys/jwt-ES256-*-private.pem 2>/dev/null | head -1)
[ -n "$private_key" ] && [ -f "${private_key%-private.pem}-public.pem" ] || fail "no key pair in $work/keys"
echo "production install: without MONGODB_URI and CORS_ORIGINS, production refuses to start"
refused=$(cd "$work/app" && env -i PATH="$PATH" HOME="$HOME" NODE_ENV=production JWT_PRIV_KEY_FILE="$private_key" \
  timeout 30 node dist/main.js 2>&1) && fail "started without MONGODB_URI and CORS_ORIGINS"
echo "$refused" | grep -q '^ *MONGODB_URI (or DB_URI) is required in production' || fail "no refusal naming MONGODB_URI: $refused"
echo "$refused" | grep -q '^ *CORS_ORIGINS is required in production' || fail "no refusal naming CORS_ORIGINS: $refused"
[ ! -e "$work/app/.data" ] || fail "an embedded database was started (.data/ exists)"

echo "production install: node dist/maintenance/migrate.cli.js up (once per deploy, before the service)"
(cd "$work/app" && env -i PATH="$PATH" HOME="$HOME" NODE_ENV=production \
  MONGODB_URI="mongodb://127.0.0.1:$db_port/production_check" node dist/maintenance/migrate.cli.js up >"$work/migrate.log" 2>&1) ||
  { cat "$work/migrate.log" >&2; fail "the migrations did not apply"; }
(cd "$work/app" && env -i PATH="$PATH" HOME="$HOME" NODE_ENV=production \
  MONGODB_URI="mongodb://127.0.0.1:$db_port/production_check" node dist/maintenance/migrate.cli.js status --check >"$work/migrate.log" 2>&1) ||
  { cat "$work/migrate.log" >&2; fail "migrations pending or indexes missing after up"; }

port=$(free_port)
cat > "$work/loaded.js" <<'EOF'
// Preloaded: at exit, the modules this process loaded (to prove none is development-only).
process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\n')));
EOF
echo "production install: starting node dist/main.js (NODE_ENV=production) on port $port"
(cd "$work/app" && exec env -i PATH="$PATH" HOME="$HOME" \
  NODE_ENV=production PORT="$port" HOST=127.0.0.1 \
  MONGODB_URI="mongodb://127.0.0.1:$db_port/production_check" CORS_ORIGINS=https://app.example.com \
  JWT_PRIV_KEY_FILE="$private_key" \
  LOG_LEVEL=info LOADED_MODULES_FILE="$work/loaded.txt" \
  node --require "$work/loaded.js" dist/main.js >"$work/server.log" 2>&1) &
server_pid=$!

started=$SECONDS
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" = 200 ]; do
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
  [ $((SECONDS - started)) -lt 60 ] || fail "not ready within 60 s"
  sleep 0.5
done
echo "production install: ready after $((SECONDS - started)) s"

signup=$(curl -s -i -H 'content-type: application/json' \
  -d '{"username":"prod.check","password":"a-long-enough-password","primary_email":"prod.check@example.com"}' \
  "http://127.0.0.1:$port/auth/signup")
echo "$signup" | head -1 | grep -q ' 201' || fail "sign-up did not answer 201: $(echo "$signup" | head -1)"
# Production without COOKIE_DOMAIN names the access cookie __Host-token (docs/auth.md).
token=$(echo "$signup" | tr -d '\r' | sed -n 's/^set-cookie: __Host-token=\([^;]*\);.*/\1/ip' | head -1)
echo "$signup" | tr -d '\r' | grep -qi '^set-cookie: __Host-token=.*; Secure' || fail "the cookie is not Secure"
[ -n "$token" ] || fail "no __Host-token cookie after sign-up"
answer=$(curl -s -H 'content-type: application/json' -H "cookie: __Host-token=$token" \
  -d '{"query":"{ viewer { username } }"}' "http://127.0.0.1:$port/graphql")
[ "$answer" = '{"data":{"viewer":{"username":"prod.check"}}}' ] || fail "unexpected answer: $answer"
echo "production install: signed up, signed in and queried"

kill -TERM "$server_pid"
for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server_pid" 2>/dev/null && fail "still running 10 s after SIGTERM"
wait "$server_pid" && code=0 || code=$?
server_pid=""
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
grep -q 'Shut down cleanly' "$work/server.log" || fail "no 'Shut down cleanly' in the log"

if grep -E 'node_modules/(mongodb-memory-server[^/]*|graphiql|react|react-dom|jest[^/]*|ts-jest|typescript|@nestjs/testing)/|/dist/graphiql/' "$work/loaded.txt"; then
  fail "development-only modules were loaded (above)"
fi
echo "production install: passed ($(wc -l <"$work/loaded.txt") modules loaded, none development-only; clean SIGTERM)"
