"""Measuring models on pages and lines with ground truth: the command-line reports. The top
layer: it may use every other part of ml, and nothing in ml uses it."""
