#!/usr/bin/env bash
# Installs everything Reelkeep needs to build, test and run on Debian 12 (bookworm), from
# Debian's own packages. Safe to run again. Uses sudo when not run as root.
set -euo pipefail

packages=(
    # build
    cmake ninja-build g++ ccache pkg-config
    # fuzzing (fuzz/, ctest fuzz_smoke): clang with its libFuzzer and sanitizer runtimes
    clang libclang-rt-14-dev
    # Qt 6.4: Core/Network/Sql for the engine, Widgets/Gui for the window, Test for the suites
    qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    libgl-dev qt6-qpa-plugins
    # video preview (Qt Multimedia) and the GStreamer codecs it plays H.264 with on Linux
    qt6-multimedia-dev libqt6multimedia6 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
    # SHA-256 of downloads as they stream (libcrypto, hardware-accelerated)
    libssl-dev
    # API keys in the system's secret store
    qtkeychain-qt6-dev
    # window tests and screenshots without a display
    xvfb xauth
    # fonts so the window renders text anywhere
    fonts-dejavu-core
    # chattr: a read-only download folder even root cannot write to (tst_clifaults)
    e2fsprogs
)

run_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: everything is already installed"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
run_as_root apt-get update
run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
