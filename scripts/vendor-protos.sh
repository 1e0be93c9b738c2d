#!/usr/bin/env bash
# Copies the few third-party .proto files the API imports into third_party/, from the npm packages
# that ship them (no schema registry is reachable from here, and `buf breaking --against .git#...`
# cannot see node_modules). Run it again only to upgrade them; the copies are committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent google-proto-files@5.0.3 grpc-health-check@2.1.0 @grpc/reflection@1.0.4 >/dev/null
for f in *.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
dest="$root/third_party/googleapis"
mkdir -p "$dest/google/api" "$dest/google/rpc"
cp google-proto-files-5.0.3/package/google/api/{annotations,http}.proto "$dest/google/api/"
cp google-proto-files-5.0.3/package/google/rpc/{status,error_details}.proto "$dest/google/rpc/"
grpc="$root/third_party/grpc"
mkdir -p "$grpc/grpc/health/v1" "$grpc/grpc/reflection/v1"
cp grpc-health-check-2.1.0/package/proto/health/v1/health.proto "$grpc/grpc/health/v1/"
cp grpc-reflection-1.0.4/package/build/proto/grpc/reflection/v1/reflection.proto "$grpc/grpc/reflection/v1/"
echo "vendored into third_party/"
