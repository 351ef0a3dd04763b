"""Kept while recognition.fine_tuning imports it from here: the heartbeat lives in
htr_platform.heartbeat, which documents' export jobs share."""
from htr_platform.heartbeat import beating, owner_gone, stale_cutoff, worker_name  # noqa: F401
