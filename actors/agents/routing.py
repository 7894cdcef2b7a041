"""The chat router: which agent type should answer a message, and why (keyword scores).

Each type lists weighted keywords (configs/agents.yaml). A message scores, per type,
the sum of the weights of its words that are keywords (each keyword counts once). The
highest score wins if it reaches the minimum; ties go to the type listed first. Else
the default type answers. The reason names the words that decided.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from protocols.agents import AgentType, RouteDecision

_WORD = re.compile(r"[a-z0-9_]+|[+*=]")


class ChatRouter:
    def __init__(self, types: Mapping[str, AgentType], default_type: str, min_score: float = 1.0) -> None:
        if default_type not in types:
            raise ValueError(f"the default agent type '{default_type}' is not a known type")
        self.types = types
        self.default_type = default_type
        self.min_score = min_score

    def scores(self, message: str) -> dict[str, tuple[float, list[str]]]:
        words = set(_WORD.findall(message.lower()))
        result: dict[str, tuple[float, list[str]]] = {}
        for name, agent_type in self.types.items():
            hits = sorted(k for k in agent_type.keywords if k.lower() in words)
            result[name] = (sum(agent_type.keywords[k] for k in hits), hits)
        return result

    def route(self, message: str) -> RouteDecision:
        scored = self.scores(message)
        best = max(scored, key=lambda name: scored[name][0])  # max keeps the first of ties
        best_score, hits = scored[best]
        numbers = {name: score for name, (score, _) in scored.items() if score > 0}
        if best_score >= self.min_score and best_score > 0:
            reason = f"keywords {', '.join(repr(h) for h in hits)} scored {best_score:g} for '{best}'"
            return RouteDecision(agent_type=best, reason=reason, scores=numbers)
        why = f"best score {best_score:g} < {self.min_score:g}" if best_score > 0 else "no keyword matched"
        return RouteDecision(
            agent_type=self.default_type, reason=f"{why}: default type '{self.default_type}'", scores=numbers
        )
