#!/usr/bin/env bash
# Renders the `lrp demo` page with headless Chromium into a PNG (the README's
# docs/demo.png): starts the demo on the shipped model and images on a free
# port, waits for frames, screenshots the page, stops the demo.
#   tools/scripts/demo_screenshot.sh BUILD_DIR/tools/lrp [OUT.png]
# Needs chromium (tools/scripts/install_deps.sh browser).
set -euo pipefail

lrp=$(realpath "${1:?usage: demo_screenshot.sh PATH/TO/lrp [OUT.png]}")
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${2:-$root/docs/demo.png}")
mkdir -p "$(dirname "$out")"
log=$(mktemp)
# Relative paths: the page shows them.
cd "$root"
"$lrp" demo --model examples/models/fashion_mnist_cnn.lrpm \
  --images examples/images --listen 127.0.0.1:0 --interval 500 >"$log" &
demo=$!
trap 'kill "$demo" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "demo_screenshot.sh: the demo did not start" >&2; exit 1; }
# Frames at 500 ms: the page shows the image the demo is on after ~2 s.
sleep 2
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=860,540 \
  --virtual-time-budget=4000 --screenshot="$out" "$url" 2>/dev/null
echo "demo_screenshot.sh: wrote $out"
