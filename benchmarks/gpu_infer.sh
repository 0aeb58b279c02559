#!/usr/bin/env bash
# bench_infer.py on a GPU machine that has CUDA, nvcc and PyTorch but no network, in one command.
#
#   make bench-wheels                          # here, with network: .whl/ (wheels + mmcv's sdist)
#   bash benchmarks/gpu_infer.sh [bench_infer.py arguments]   # there, from the repository root
#
# It installs bddet's inference dependencies from .whl/ into /tmp/site (the machine's own torch,
# numpy, OpenCV and rich are used as they are), compiles mmcv 2.1.0's ops for the GPU it finds
# (about 6 minutes on 16 cores: no mmcv wheel exists for current PyTorch), then runs the
# benchmark: by default BDD100K-sized runs at batch 8, the issue's goal (>= 1.5x DetInferencer),
# with the ONNX export on ONNX Runtime's CUDA provider too (BDDET_ORT_TENSORRT=1: TensorRT's first).
set -euo pipefail
cd "$(dirname "$0")/.."
wheels=${WHEELS:-.whl}
site=${SITE:-/tmp/site}
python=${PYTHON:-python3}
started=$(date +%s)
say() { echo "[$(( $(date +%s) - started )) s] $*"; }

if [ ! -f "$wheels"/mmcv-2.1.0.tar.gz ]; then
  echo "error: $wheels/mmcv-2.1.0.tar.gz: no such file; run \`make bench-wheels\` where there is network" >&2
  exit 1
fi
$python -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" "$wheels"/*.whl
export PYTHONPATH="$site:$PWD"   # setuptools < 81 from there too: mmcv's setup.py imports pkg_resources
$python -c "import torch; assert torch.cuda.is_available(), 'no GPU'; print(torch.__version__, torch.cuda.get_device_name())"

if ! $python -c "import mmcv.ops" 2>/dev/null; then
  arch=$($python -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability())')
  say "compiling mmcv 2.1.0 for compute capability $arch"
  build=$(mktemp -d)
  tar -xzf "$wheels"/mmcv-2.1.0.tar.gz -C "$build"
  # mmcv 2.1.0 forces C++17; PyTorch >= 2.13's headers need C++20 (C++20 builds the older ones too)
  sed -i 's/-std=c++17/-std=c++20/g' "$build"/mmcv-2.1.0/setup.py
  FORCE_CUDA=1 MMCV_WITH_OPS=1 TORCH_CUDA_ARCH_LIST="$arch" MAX_JOBS=$(nproc) \
    $python -m pip wheel -q --no-deps --no-build-isolation -w "$build"/dist "$build"/mmcv-2.1.0
  $python -m pip install -q --no-index --no-deps --no-compile --target "$site" "$build"/dist/mmcv-*.whl
  say "mmcv built"
fi
$python -c "import mmcv.ops, mmdet, bddet.engine.infer; print('mmcv', mmcv.__version__, 'mmdet', mmdet.__version__)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

if [ $# -eq 0 ]; then
  set -- --images 500 --batch-size 8 --workers 8 --repeat 3
fi
# ONNX Runtime's CUDA provider (onnxruntime-gpu from .whl/) adds `bddet infer <export>.onnx` as a third side
if $python -c "import onnxruntime as o, sys; sys.exit('CUDAExecutionProvider' not in o.get_available_providers())" 2>/dev/null; then
  set -- "$@" --onnx
  say "ONNX Runtime: $($python -c 'import onnxruntime as o; print(o.__version__, o.get_available_providers())')"
fi
say "bench_infer.py --device cuda $*"
$python benchmarks/bench_infer.py --device cuda "$@"
say "done"
