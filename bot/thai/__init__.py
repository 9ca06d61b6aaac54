"""Thai as people type it: normalising and tokenising (text), Thai dates (dates), reading typed dates (parse).

A library, not a capability: the engine and every capability use it.
"""
