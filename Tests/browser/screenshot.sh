#!/usr/bin/env bash
# Screenshots the server's web page with a prediction shown, in headless Chromium.
# The page reads `#text=...` from its address, classifies that text through
# POST /v1/predict and draws the bars; the screenshot is taken after the answer.
#   Tests/browser/screenshot.sh [output.png, default /tmp/mmfusion-serve-page.png] [port, default 18081]
set -euo pipefail
cd "$(dirname "$0")/../.."
output="${1:-/tmp/mmfusion-serve-page.png}"
port="${2:-18081}"
bin=.build/release/mmfusion
[ -x "$bin" ] || swift build -c release --product mmfusion
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { apt-get install -y chromium; browser=$(command -v chromium); }

"$bin" serve --host 127.0.0.1 --port "$port" --labels "negative,neutral,positive" > /tmp/mmfusion-serve-screenshot.log 2>&1 &
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat /tmp/mmfusion-serve-screenshot.log; exit 1; }
  sleep 0.2
done
text="The%20river%20burst%20its%20banks%20overnight%3B%20the%20old%20bridge%20is%20closed."
profile=$(mktemp -d)
"$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" --hide-scrollbars \
  --window-size=900,800 --virtual-time-budget=10000 --screenshot="$output" \
  "http://127.0.0.1:$port/#text=$text" 2>/dev/null
rm -rf "$profile"
echo "wrote $output"
