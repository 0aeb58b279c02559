"""The compiled parts of bddet: the Scalabel reader and the evaluator's loops (plain C, no NumPy
headers: arrays cross as buffers). Everything else is in pyproject.toml."""
from setuptools import Extension, setup

# No fused multiply-add: the evaluator's numbers must be pycocotools', bit for bit.
FLAGS = ["-O3", "-ffp-contract=off", "-fno-fast-math", "-std=c11", "-D_GNU_SOURCE"]

setup(ext_modules=[
    Extension("bddet.data._scalabel_reader", ["bddet/data/_scalabel_reader.c"], extra_compile_args=FLAGS),
    Extension("bddet.evaluation._coco_kernels", ["bddet/evaluation/_coco_kernels.c"], extra_compile_args=FLAGS,
              extra_link_args=["-pthread"]),
])
