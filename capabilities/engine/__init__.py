"""The effects engine: the action plan a preview produced, what it does, apply, undo,
crash recovery, holding retention, budgets and the risk policy.
"""
