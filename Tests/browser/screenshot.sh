#!/usr/bin/env bash
# Screenshots the server's web page with a prediction for a post with text and an image,
# in headless Chromium. The page reads `#text=...&image=data:...` from its address, fills
# the form as if the text were typed and the image dropped, classifies the post through
# POST /v1/predict and draws the bars; the screenshot is taken after the answer.
#   Tests/browser/screenshot.sh [output.png] [port] [run directory] [image] [text]
# Without a run directory the untrained late-fusion model is served (its probabilities
# mean nothing; the page and API are the same).
set -euo pipefail
cd "$(dirname "$0")/../.."
output="${1:-/tmp/mmfusion-serve-page.png}"
port="${2:-18081}"
run="${3:-}"
image="${4:-Tests/Fixtures/images/jpeg_baseline_61x47.jpg}"
text="${5:-The river burst its banks overnight; the old bridge is closed.}"
bin=.build/release/mmfusion
[ -x "$bin" ] || swift build -c release --product mmfusion
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { apt-get install -y chromium; browser=$(command -v chromium); }

if [ -n "$run" ]; then
  "$bin" serve --host 127.0.0.1 --port "$port" --run "$run" > /tmp/mmfusion-serve-screenshot.log 2>&1 &
else
  "$bin" serve --host 127.0.0.1 --port "$port" --labels "negative,neutral,positive" > /tmp/mmfusion-serve-screenshot.log 2>&1 &
fi
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat /tmp/mmfusion-serve-screenshot.log; exit 1; }
  sleep 0.2
done
case "${image,,}" in
  *.png) media=image/png ;; *.gif) media=image/gif ;; *.webp) media=image/webp ;; *.bmp) media=image/bmp ;; *) media=image/jpeg ;;
esac
# Percent-encodes stdin for the address fragment.
encode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""), end="")'; }
fragment="text=$(printf '%s' "$text" | encode)&image=$(printf 'data:%s;base64,%s' "$media" "$(base64 -w0 "$image")" | encode)"
profile=$(mktemp -d)
"$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" --hide-scrollbars \
  --window-size=900,900 --virtual-time-budget=15000 --screenshot="$output" \
  "http://127.0.0.1:$port/#$fragment" 2>/dev/null
rm -rf "$profile"
echo "wrote $output"
