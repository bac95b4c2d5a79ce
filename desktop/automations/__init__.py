"""Automations: saved ones (``saved``), the runner that watches their folders (``runner``),
and the folder-watch triggers under it.
"""
