#!/bin/bash
# Build DPDK's own client_server_mp (mp_server, mp_client) from the sources
# Debian's dpdk-doc package ships, into $1 (default bench/ref-build).
set -eu
src=/usr/share/dpdk/examples/multi_process/client_server_mp
out=${1:-$(dirname "$0")/ref-build}
[ -d "$src" ] || { echo "build-reference: $src missing: apt-get install dpdk-doc" >&2; exit 1; }
mkdir -p "$out"
flags="-O3 $(pkg-config --cflags libdpdk)"
libs="$(pkg-config --static --libs libdpdk)"
# Static like mpmaster, so both sides start and run the same DPDK code.
if [ ! -x "$out/mp_server" ] || [ "$src/mp_server/main.c" -nt "$out/mp_server" ]; then
	# shellcheck disable=SC2086
	cc $flags -I"$src/shared" -I"$src/mp_server" -o "$out/mp_server" \
		"$src"/mp_server/*.c $libs
fi
if [ ! -x "$out/mp_client" ] || [ "$src/mp_client/client.c" -nt "$out/mp_client" ]; then
	# shellcheck disable=SC2086
	cc $flags -I"$src/shared" -o "$out/mp_client" "$src/mp_client/client.c" $libs
fi
echo "$out"
