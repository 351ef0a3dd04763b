"""Pure PyTorch/OpenCV handwriting recognition: no Django here (see DESIGN.md)."""
