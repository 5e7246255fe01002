#!/usr/bin/env bash
# The main job: set everything up, build, and explain the prediction of the
# shipped Fashion-MNIST model on a shipped test image with a relevance
# heatmap (and the heatmap blended over the image).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/tools/scripts/install_deps.sh"
"$root/tools/scripts/build.sh" >/dev/null
lrp="${LRP_BUILD_DIR:-$root/build}/tools/lrp"
out="$root/out"
model="$root/examples/models/fashion_mnist_cnn.lrpm"
image="${1:-$root/examples/images/fashion_mnist_test_0_ankle_boot.png}"
mkdir -p "$out"

"$lrp" explain --model "$model" --input "$image" --composite epsilon-gamma-box --top 3 \
  --relevance "$out/relevance.npy" --heatmap "$out/heatmap.png" --overlay "$out/overlay.png"
echo "wrote $out/heatmap.png, $out/overlay.png and $out/relevance.npy"
