"""``python -m ml.train --train ... --val ... --out ...``: train a recognition model (ml.train.loop)."""
from ml.train.loop import main

main()
