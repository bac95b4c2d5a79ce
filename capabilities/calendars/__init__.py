"""Calendars behind the ``calendar`` capability: .ics files and CalDAV servers, events,
the identity of an event, and the apply and undo of calendar actions.
"""
