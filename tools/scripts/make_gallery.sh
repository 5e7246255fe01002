#!/usr/bin/env bash
# Regenerates the heatmap gallery under docs/gallery/ (the PNG grids and
# README.md): builds lrp_gallery in ./build (or $LRP_BUILD_DIR) if needed and
# runs it on the shipped models and images. Extra arguments go to
# lrp_gallery, e.g. --panel fashion_mnist_cnn or --columns 'image epsilon'
# (a partial gallery: the committed one uses the defaults).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${LRP_BUILD_DIR:-$root/build}"
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --target lrp_gallery --parallel "$(nproc)"

command="tools/scripts/make_gallery.sh"
for arg in "$@"; do
  command+=" $(printf '%q' "$arg")"
done
mkdir -p "$root/docs/gallery"
cd "$root"
"$build/tools/lrp_gallery" --source-dir . --output-dir docs/gallery --command "$command" "$@"
