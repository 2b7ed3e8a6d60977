"""Shipping the course's models: export (ONNX, torch.export), an HTTP service, drift monitoring."""
