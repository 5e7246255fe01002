#!/usr/bin/env bash
# The main job: set everything up, build, and run a model end to end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/tools/scripts/install_deps.sh"
"$root/tools/scripts/build.sh" >/dev/null
lrp="${LRP_BUILD_DIR:-$root/build}/tools/lrp"
out="$root/out"
mkdir -p "$out"

"$lrp" zoo small-cnn -o "$out/small-cnn.lrpm"
"$lrp" info "$out/small-cnn.lrpm"
"$lrp" run --model "$out/small-cnn.lrpm" \
  --input "$root/examples/images/fashion_mnist_test_0.npy" --output "$out/small-cnn-output.npy"
echo "wrote $out/small-cnn-output.npy"
