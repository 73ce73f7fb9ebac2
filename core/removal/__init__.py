"""Removal: plans that take a person through uninstalling a finding's app, and their execution.

model.py holds the plan's frozen data; builder.py makes a plan from a finding; executor.py runs
one step at a time; verification.py re-reads the device to prove the app is gone.
"""
