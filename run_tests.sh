#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite with CTest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# `browser`: headless Chromium, so the demo's page test runs (about 10 s).
"$root/tools/scripts/install_deps.sh" browser
"$root/tools/scripts/build.sh"
ctest --test-dir "${LRP_BUILD_DIR:-$root/build}" --parallel "$(nproc)" --output-on-failure "$@"
