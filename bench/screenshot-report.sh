#!/usr/bin/env bash
# Renders the HTML report of a run in headless Chromium to a PNG, to look at it.
# Not part of `make test`.
#
#   bench/screenshot-report.sh [run-dir] [out-dir]
#
# Without a run directory it writes a sample one (bench/sample-run.py; needs Python with
# numpy and safetensors, $PYTHON or python3). Writes <out-dir>/report/index.html and
# <out-dir>/report.png (default out-dir: .build/report-screenshot). Needs `chromium`
# (Debian: apt-get install chromium) or $CHROMIUM.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${2:-.build/report-screenshot}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
run="${1:-}"
if [[ -z "$run" ]]; then
    run="$("${PYTHON:-python3}" bench/sample-run.py "$out/sample")"
fi
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [[ -z "$chromium" ]]; then
    echo "chromium not found: apt-get install chromium, or set CHROMIUM" >&2
    exit 1
fi
swift build -c release --product mmfusion >/dev/null
.build/release/mmfusion report --run "$run" --out "$out/report"
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="${WIDTH:-1200},${HEIGHT:-7000}" --screenshot="$out/report.png" "file://$out/report/index.html" 2>/dev/null
echo "$out/report.png"
