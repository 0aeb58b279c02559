# bddet — set-up, tests and the demo. `make install` then `make test` on a fresh machine.
#
# Why the install is not a plain `pip install -e .`:
# - mmcv 2.x (the full build with compiled ops, once called mmcv-full) has no PyPI wheels for
#   current PyTorch, so it is compiled from its sdist against the torch already in the venv
#   (--no-build-isolation), with setuptools<81 because its setup.py imports pkg_resources (removed in 81);
#   torch 2.14 itself requires setuptools>=77, hence the window >=77,<81.
# - mmcv 2.1.0's setup.py forces -std=c++17, but torch 2.14's headers need C++20: the flag is
#   raised in the unpacked sdist before building.
# - The built wheel is kept in $(WHEELHOUSE) (one per user), so a second install takes seconds.

PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
PIP         := $(PY) -m pip --disable-pip-version-check
WHEELHOUSE  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/bddet/wheels
TORCH_PINS  := torch==2.14.1 torchvision==0.29.1
MMCV_PIN    := mmcv==2.1.0
STAMP       := $(VENV)/.installed

.PHONY: install test demo zoo-table bench-wheels clean-venv

install: $(STAMP)

# The stamp depends on what pins versions, so editing a pin reinstalls.
$(STAMP): pyproject.toml Makefile setup.py bddet/data/_scalabel_reader.c bddet/evaluation/_coco_kernels.c
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q "pip>=23" "setuptools>=77,<81" wheel
	$(PIP) install -q $(TORCH_PINS) "setuptools>=77,<81"
	@$(PY) -c "import importlib.metadata as m; assert m.version('mmcv') == '2.1.0'" 2>/dev/null || $(MAKE) --no-print-directory mmcv
	$(PIP) install -q -e ".[test,export]"
	@touch $(STAMP)
	@echo "bddet installed: $(VENV)/bin/bddet"

.PHONY: mmcv
mmcv:
	@mkdir -p $(WHEELHOUSE)
	@if ! ls $(WHEELHOUSE)/mmcv-2.1.0-*.whl >/dev/null 2>&1; then \
	  set -e; tmp=$$(mktemp -d); \
	  echo "building mmcv 2.1.0 from source (about 15 minutes on 2 cores; done once per machine)"; \
	  $(PIP) download -q --no-deps --no-binary :all: --no-build-isolation -d $$tmp $(MMCV_PIN); \
	  tar -xzf $$tmp/mmcv-2.1.0.tar.gz -C $$tmp; \
	  sed -i 's/-std=c++17/-std=c++20/g' $$tmp/mmcv-2.1.0/setup.py; \
	  MAX_JOBS=$$(nproc) $(PIP) wheel -q --no-deps --no-build-isolation -w $$tmp/dist $$tmp/mmcv-2.1.0; \
	  cp $$tmp/dist/mmcv-2.1.0-*.whl $(WHEELHOUSE)/; rm -rf $$tmp; \
	fi
	$(PIP) install -q --no-deps $(WHEELHOUSE)/mmcv-2.1.0-*.whl

test: install
	$(VENV)/bin/pytest -q

# The whole pipeline on a synthetic sample (not BDD100K; see README): a tiny detector that bddet
# trained on it is downloaded from a loopback mirror (MD5-checked), run by two processes, scored
# with the official metrics, and drawn.
DEMO_DIR ?= demo-workspace
BDDET    := $(abspath $(VENV)/bin/bddet)
demo: install
	rm -rf $(DEMO_DIR)
	$(BDDET) init $(DEMO_DIR) --sample
	@port=$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	  $(PY) -m http.server $$port --bind 127.0.0.1 --directory configs/demo/mirror > /dev/null 2>&1 & server=$$!; \
	  sleep 1; cd $(DEMO_DIR) && $(BDDET) download retinanet_tiny_sample --mirror http://127.0.0.1:$$port/; \
	  status=$$?; kill $$server; exit $$status
	cd $(DEMO_DIR) && $(BDDET) infer --gpus 2 --device cpu
	cd $(DEMO_DIR) && $(BDDET) eval --set val --by timeofday --report report
	cd $(DEMO_DIR) && $(BDDET) vis vis --errors
	cd $(DEMO_DIR) && $(BDDET) infer --images sample-data/videos/val --device cpu
	cd $(DEMO_DIR) && $(BDDET) eval --gt sample-data/labels/box_track_20/val
	cd $(DEMO_DIR) && $(BDDET) vis vis-video --video --errors --gt sample-data/labels/box_track_20/val
	@echo "pictures: $(abspath $(DEMO_DIR))/vis/index.html   report: $(abspath $(DEMO_DIR))/report/index.html"
	@echo "annotated video: $(abspath $(DEMO_DIR))/vis-video/index.html"

# The README's zoo table is generated from the catalogue (tests/test_readme.py checks it).
zoo-table: install
	$(VENV)/bin/python -c "import re,subprocess,pathlib; t=subprocess.run(['$(VENV)/bin/bddet','models','--markdown'],capture_output=True,text=True,check=True).stdout; p=pathlib.Path('README.md'); s=p.read_text(); p.write_text(re.sub(r'(<!-- zoo-table -->\n).*?(<!-- /zoo-table -->)', lambda m: m.group(1)+t+m.group(2), s, flags=re.S))"

# For benchmarks/gpu_infer.sh on a GPU machine without network: the wheels bddet's inference needs
# beyond what a CUDA PyTorch image has (CPython 3.12, manylinux), and mmcv's sdist to compile there.
BENCH_WHEELS := mmengine==0.10.7 mmdet==3.3.0 addict yapf platformdirs termcolor shapely terminaltables \
                pycocotools orjson typer==0.28.0 "setuptools>=77,<81" \
                "onnx==1.23.*" "onnxruntime-gpu==1.31.*" flatbuffers protobuf ml_dtypes
bench-wheels: install
	$(PIP) download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
	  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
	  -d .whl $(BENCH_WHEELS)
	$(PIP) download -q --no-deps --no-binary :all: --no-build-isolation -d .whl $(MMCV_PIN)
	@du -sh .whl

clean-venv:
	rm -rf $(VENV)
