"""Deployment: a zoo model as one standard ONNX file, checked against PyTorch before it lands.

- onnx_ops.py: what torch.onnx's TorchScript exporter needs to write mmcv's NMS, RoIAlign and
  deformable convolutions as standard ONNX operators, installed only while exporting;
- graphs.py: the detectors' inference as traceable modules (post-processing, NMS and RoI
  extraction inside the graph), one per kind of detector in the zoo;
- export.py: export_model(), the library call behind `bddet export`, with the parity gate.

Running an exported file is inference (engine/onnx_backend.py): `bddet infer model.onnx`.
"""
