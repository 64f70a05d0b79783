"""Offline side of harmlabel: corpus, fine-tuning, evaluation, export, retraining.

`training/` may import `service/` (for the shared text normalisation and the
ONNX runtime); `service/` never imports `training/`.
"""
