"""The granted APIs a script may call (files, photos, places, vision, calendar).

Knows no Qt and no model provider. ``base`` turns one definition per function
into prompt stubs, validation and grant text; ``dispatch`` routes the
sandbox's calls; ``registry`` finds the capability modules.
"""
