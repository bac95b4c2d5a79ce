"""The Qt-free core every front end uses: the ``Assistant`` facade and the one chore flow,
planning (recipes, the model), settings, keys and Errand's paths. Imports no front end.
"""
