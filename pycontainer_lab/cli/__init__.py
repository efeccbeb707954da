"""Floor 4, the command line: ``pcl``, which takes Docker's commands and flags.

A command module only parses, calls one function of a lower floor and prints. No rule of how
containers behave lives here.
"""
