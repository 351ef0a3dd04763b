"""Reading line images into text: the CRNN, its codec, CTC decoding, the model file and the
``Recognizer`` the platform uses. Uses ml.layout only (``python -m ml.read`` also segments pages)."""
