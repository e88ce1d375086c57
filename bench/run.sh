#!/usr/bin/env bash
# Runs one mmfusion benchmark and its reference back to back on this machine, so the two
# figures in docs/performance.md come from the same run.
#   bench/run.sh gemm|conv|attention|train-step|train|images|bert|resnet50|fusion-models|allreduce|clip-vit|swin-t|deberta [python]
#   (train: MODEL=<id> bench/run.sh train times one registry model, every model without it)
# python: an interpreter with torch (default: $PYTHON, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:?usage: bench/run.sh <what> [python]}"
python="${2:-${PYTHON:-python3}}"
bin=.build/release/mmfusion
[ -x "$bin" ] || swift build -c release
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(lscpu | sed -n 's/^Model name: *//p') $(nproc) cores"
echo "## mmfusion"
if [ "$what" = allreduce ]; then
  # Two ranks on this machine; root is allowed because CI containers run as root.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  ranks="${RANKS:-2}"
  mpirun -np "$ranks" --oversubscribe "$bin" bench allreduce
  echo "## reference"
  mpicc -O2 bench/allreduce_reference.c -o /tmp/allreduce_reference
  mpirun -np "$ranks" --oversubscribe /tmp/allreduce_reference
  exit 0
fi
"$bin" bench "$what" ${MODEL:+--model "$MODEL"}
echo "## reference"
case "$what" in
  gemm) "$python" -c "
import time, torch
torch.set_num_threads(2)
for n in (256, 512, 1024, 2048):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    ts = []
    for _ in range(10):
        t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
    ts.sort(); print(f'torch.matmul {n}x{n}x{n}  {2*n**3/ts[len(ts)//2]/1e9:8.2f} GFLOP/s')
" ;;
  conv) "$python" bench/conv_pytorch.py ;;
  attention) "$python" bench/attention_pytorch.py ;;
  train-step) "$python" bench/heads_pytorch.py ;;
  train) "$python" bench/train_pytorch.py ${MODEL:+--model "$MODEL"} ;;
  images) "$python" bench/images_pytorch.py ;;
  bert) "$python" bench/bert_pytorch.py ;;
  fusion-models) "$python" bench/fusion_models_pytorch.py ;;
  resnet50) "$python" bench/resnet50_pytorch.py ;;
  clip-vit) "$python" bench/clip_vit_pytorch.py ;;
  swin-t) "$python" bench/swin_pytorch.py ;;
  deberta) "$python" bench/deberta_pytorch.py ;;
  *) echo "no reference script for $what" >&2; exit 2 ;;
esac
