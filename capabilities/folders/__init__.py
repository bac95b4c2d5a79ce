"""Granted folders: which folders a run may touch, safe resolution and open-folder handles,
the preview overlay, the changes apply and undo make, and the holding area.
"""
