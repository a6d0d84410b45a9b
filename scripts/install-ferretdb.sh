#!/usr/bin/env bash
# Builds FerretDB v1.24.2 (SQLite backend) into Go's bin folder.
#
# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds
# a binary that panics at start ("Invalid build/version/version.txt"), because
# FerretDB embeds its version from a file that is generated in its own
# repository and absent from the Go module. So: fetch the module through the
# Go module proxy, copy it, write that file, and build from the copy.
set -euo pipefail
version="${FERRETDB_VERSION:-v1.24.2}"
gobin="$(go env GOBIN)"
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
dest="${1:-$gobin/ferretdb}"

if [ -x "$dest" ] && "$dest" --version >/dev/null 2>&1; then
  echo "ferretdb already installed at $dest"
  exit 0
fi

started=$SECONDS
echo "Building FerretDB $version once (1 to 4 minutes; Ctrl-C stops it, run again to resume)..." >&2
echo "  fetching the module through the Go module proxy..." >&2
src_dir="$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[ -d "$src_dir" ] || { echo "could not download FerretDB $version" >&2; exit 1; }

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$src_dir/." "$work/"
chmod -R u+w "$work"
echo "$version" > "$work/build/version/version.txt"
echo "  listing its packages (downloads the dependencies)..." >&2
total="$(cd "$work" && go list -deps ./cmd/ferretdb | wc -l)"
echo "  compiling $total packages..." >&2
mkdir -p "$(dirname "$dest")"
(cd "$work" && go build -v -trimpath -o "$dest.tmp" ./cmd/ferretdb 2>&1 |
  awk -v total="$total" -v start="$SECONDS" '{ n++; if (n % 25 == 0) printf "  %d/%d packages compiled, %ds\n", n, total, systime() - start_time; fflush() } BEGIN { start_time = systime() }' >&2)
mv "$dest.tmp" "$dest"
"$dest" --version >/dev/null
echo "FerretDB $version installed at $dest in $((SECONDS - started)) s" >&2
caches="$(du -sch "$(go env GOCACHE)" "$(go env GOMODCACHE)" 2>/dev/null | tail -1 | cut -f1)"
echo "  Go's build and module caches now take ${caches:-some} of disk; \`go clean -cache -modcache\` reclaims them (FerretDB keeps working)." >&2
