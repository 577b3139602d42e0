"""Proposals, amendments and votes (see the voting issue)."""
