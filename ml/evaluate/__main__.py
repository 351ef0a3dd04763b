"""``python -m ml.evaluate MODEL DATA [DATA ...]``: measure a recognition model (ml.evaluate.recognition)."""
from ml.evaluate.recognition import main

main()
