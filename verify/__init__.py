"""``alv verify EXPORT``: recompute every outcome and hash of an exported meeting.

Independent of the services on purpose (standard library only): see check.py.
"""
