"""Report figures: aggregate queries in the database, a little arithmetic in Python.

Every selector takes the viewer's `Scope` and a `ReportFilter`; none returns a row about
a single citizen, and counts of citizens below five are suppressed before they leave.
"""
