#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages given as arguments that are not installed
# yet. Runs apt-get update once, only when something is missing. Uses sudo when
# not root.
set -euo pipefail
missing=()
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
	echo "These packages are needed but this is not a Debian/Ubuntu system: ${missing[*]}" >&2
	echo "Install their equivalents with your package manager and run make again." >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null; then SUDO=sudo; else
		echo "Need root to install: ${missing[*]}" >&2; exit 1
	fi
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
