#!/usr/bin/env bash
# The main job: set everything up, build, run a model on a shipped image and
# explain its prediction with a relevance heatmap.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/tools/scripts/install_deps.sh"
"$root/tools/scripts/build.sh" >/dev/null
lrp="${LRP_BUILD_DIR:-$root/build}/tools/lrp"
out="$root/out"
image="$root/examples/images/fashion_mnist_test_0.npy"
mkdir -p "$out"

"$lrp" zoo small-cnn -o "$out/small-cnn.lrpm"
"$lrp" info "$out/small-cnn.lrpm"
"$lrp" run --model "$out/small-cnn.lrpm" --input "$image" --output "$out/output.npy"
"$lrp" explain --model "$out/small-cnn.lrpm" --input "$image" --composite epsilon-gamma-box \
  --relevance "$out/relevance.npy" --heatmap "$out/heatmap.png"
echo "wrote $out/output.npy, $out/relevance.npy and $out/heatmap.png"
