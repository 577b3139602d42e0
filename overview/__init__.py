"""The top layer: what reads every other app and is imported by none.

The participation figures (reach, turnout, contributions, the pulse, what became of
input) read panels, voting and agreements; the demo data (`manage.py seed_demo`) writes
through all their services. Nothing below imports this package (pyproject.toml,
[tool.importlinter]).
"""
