"""Agents: the Agent actor, its registry (the agents supervisor), and their plain engines."""
