"""The capabilities a script may call, one module each (files, photos, places, vision,
calendar, documents, media, archives); ``capabilities.registry`` imports every module here
whose name has no ``_`` (``<capability>_<part>`` modules are one capability's helpers).
"""
