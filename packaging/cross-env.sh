# Sourced by packaging/make-deb.sh and packaging/verify-arm64.sh (bash): what a build for another architecture
# needs. `cross_setup ARCH LINK_DIST` makes (once) the build root, a Debian sid root of this machine's architecture
# with sid's swiftlang, and the Swift SDK for ARCH made of LINK_DIST's C libraries and that swiftlang's runtime for
# ARCH (packaging/swift-sdk.sh), and compiles packaging/sid-runtime-compat.cpp for it. It sets swiftlang (its
# version), build_root, triple, sdks, sdk_name, variant, sysroot (the last four as seen inside the build root) and
# compat (the object, to link with -Xlinker). `in_root ROOT COMMAND...` runs a command in a root with this repository at /src, its working
# folder. Expects top (the repository) and roots (inside it) to be set.

# The git configuration a root needs to resolve the packages as this machine does: its url.<base>.insteadOf
# rewrites, with a local mirror bind-mounted at the same path.
GIT_BINDS=""
root_gitconfig() {
    local key value base
    : > "$1/etc/gitconfig"
    while read -r key value; do
        base=${key#url.}
        base=${base%.insteadof}
        printf '[url "%s"]\n\tinsteadOf = %s\n' "$base" "$value" >> "$1/etc/gitconfig"
        if [ -d "$base" ]; then
            case " $GIT_BINDS " in *" $base:$base "*) ;; *) GIT_BINDS="$GIT_BINDS $base:$base" ;; esac
        fi
    done < <(git config --get-regexp '^url\..*\.insteadof$' || true)
}

in_root() {
    local root=$1
    shift
    IN_ROOT_BIND="$top:/src$GIT_BINDS" IN_ROOT_CWD=/src IN_ROOT_ENV="${IN_ROOT_ENV:-}" "$top/packaging/in-root.sh" "$root" "$@"
}

cross_setup() {
    local arch=$1 link_dist=$2 host_arch
    host_arch=$(dpkg --print-architecture)
    case $arch in
        arm64) triple=aarch64-unknown-linux-gnu ;;
        *) echo "error: no cross build for $arch" >&2; return 1 ;;
    esac
    case $roots in "$top"/*) ;; *) echo "error: ROOTS must be inside the repository for a cross build ($roots)" >&2; return 1 ;; esac
    build_root=$roots/sid-$host_arch
    "$top/packaging/debian-root.sh" "$build_root" sid "$host_arch" swiftlang libc6-dev g++ git pkg-config \
        ca-certificates
    root_gitconfig "$build_root"
    swiftlang=$("$top/packaging/in-root.sh" "$build_root" dpkg-query -W -f='${Version}' swiftlang)
    "$top/packaging/swift-sdk.sh" "$roots/sdk" "$link_dist" "$arch" "$swiftlang" > /dev/null
    sdks=/src/${roots#"$top"/}/sdk
    sdk_name=hoistwatch-$link_dist-$arch
    variant=$sdks/hoistwatch.artifactbundle/$sdk_name
    sysroot=$variant/sysroot
    compat=$variant/sid-runtime-compat.o
    # What sid's static runtime needs of a newer glibc and libstdc++, defined with the older ones' functions, by
    # swiftlang's own clang (Debian installs the toolchain in /usr/libexec/swift).
    in_root "$build_root" /usr/libexec/swift/bin/clang++ --target="$triple" --sysroot="$sysroot" -O2 -fPIC -Wall \
        -Werror -D_FORTIFY_SOURCE=2 -c packaging/sid-runtime-compat.cpp -o "$compat"
}
