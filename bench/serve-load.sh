#!/usr/bin/env bash
# Load test of `mmfusion serve`: starts the server on 127.0.0.1, POSTs one JSON post with
# wrk at concurrency 1, 8 and 32, batched (--max-batch $SERVE_BATCH, default 32) and
# unbatched (--max-batch 1), and prints requests/s, p50/p99 latency, 5xx answers,
# connection errors and the server's peak RSS, then the batched/unbatched throughput ratio
# at concurrency 32.
#   bench/serve-load.sh [seconds per run, default 10] [port, default 18080]
# The post is text and a 320x240 JPEG (bench/serve-post.jpg, base64 in the JSON body);
# SERVE_POST=text sends the text alone. Extra server flags can be passed in SERVE_FLAGS
# (e.g. SERVE_FLAGS="--max-wait-ms 10" or SERVE_FLAGS="--run runs/hglnet").
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
port="${2:-18080}"
bin=.build/release/mmfusion
[ -x "$bin" ] || swift build -c release --product mmfusion
command -v wrk >/dev/null || apt-get install -y wrk
post="${SERVE_POST:-image}"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(lscpu | sed -n 's/^Model name: *//p') $(nproc) cores, ${duration}s per run, post: $post"
text="Breaking: the river burst its banks overnight and the old bridge is closed until further notice."
body_file=$(mktemp)
if [ "$post" = text ]; then
  printf '{"text": "%s"}' "$text" > "$body_file"
else
  printf '{"text": "%s", "image": "%s"}' "$text" "$(base64 -w0 bench/serve-post.jpg)" > "$body_file"
fi
export SERVE_BODY_FILE="$body_file"

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -f "$body_file"' EXIT

declare -A at32
for mode in batched unbatched; do
  if [ "$mode" = batched ]; then batch="${SERVE_BATCH:-32}"; else batch=1; fi
  # shellcheck disable=SC2086
  "$bin" serve --host 127.0.0.1 --port "$port" --max-batch "$batch" --max-queue 1024 ${SERVE_FLAGS:-} \
    > "/tmp/mmfusion-serve-$mode.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "/tmp/mmfusion-serve-$mode.log"; exit 1; }
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "server did not become ready"; exit 1; }
  for concurrency in 1 8 32; do
    threads=$(( concurrency < 2 ? 1 : 2 ))
    line=$(wrk -t "$threads" -c "$concurrency" -d "${duration}s" --timeout 30s -s bench/serve-post.lua \
      "http://127.0.0.1:$port" | grep '^RESULT' || true)
    echo "$mode max-batch=$batch concurrency=$concurrency ${line#RESULT }"
    if [ "$concurrency" = 32 ]; then
      at32[$mode]=$(echo "$line" | sed -n 's/.*requests_per_second=\([0-9.]*\).*/\1/p')
    fi
  done
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  echo "$mode peak_rss_mb=$(( rss / 1024 ))"
  stop_server
done
awk -v b="${at32[batched]:-0}" -v u="${at32[unbatched]:-0}" \
  'BEGIN { if (u > 0) printf "batched/unbatched throughput at concurrency 32: %.2fx (target >= 3x)\n", b / u }'
