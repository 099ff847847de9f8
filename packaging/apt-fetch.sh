#!/usr/bin/env bash
# Downloads Debian packages of one suite and architecture into DIR/debs (emptied first), with an apt configuration
# of its own in DIR/apt: this machine's apt sources and state are not touched. No dependencies are resolved: the
# caller names every package (PACKAGE or PACKAGE=VERSION).
#
# Usage: packaging/apt-fetch.sh DIR SUITE ARCH PACKAGE...
# Environment: DEBIAN_MIRROR (default: the archive of this machine's apt sources).
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 DIR SUITE ARCH PACKAGE..." >&2
    exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd) suite=$2 arch=$3
shift 3
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -v -- '-security' | head -n 1)}
[ -n "$mirror" ] || { echo "error: no Debian archive in this machine's apt sources; set DEBIAN_MIRROR" >&2; exit 1; }
[ -f "$keyring" ] || { echo "error: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }
apt=$dir/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/sources.list.d" "$apt/etc/preferences.d"
touch "$apt/status"
echo "deb [signed-by=$keyring] ${mirror%/} $suite main" > "$apt/etc/sources.list"
# A mirror that is a snapshot serves sid's Release file past its Valid-Until date: not refused for that.
cat > "$apt/apt.conf" <<CONF
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Preferences "$apt/etc/preferences";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
Dir::State::Lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Sandbox::User "root";
Acquire::Check-Valid-Until "false";
CONF
export APT_CONFIG=$apt/apt.conf
apt-get update -qq
rm -rf "$dir/debs"
mkdir -p "$dir/debs"
(cd "$dir/debs" && apt-get download -qq "$@")
