"""Pure PyTorch/OpenCV handwriting recognition: no Django here (see DESIGN.md).

Stages, each importing only those before it (tests/ml/test_architecture.py checks it):
ml.layout (page dataclasses, formats) <- ml.read (lines to text) <- ml.segment (pages to lines)
<- ml.train <- ml.evaluate.
"""
