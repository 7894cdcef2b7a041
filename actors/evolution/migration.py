"""Ring migration: island i sends its best share r to island (i + 1) mod n, every M generations."""

from __future__ import annotations

from collections.abc import Sequence

from .island import Island


def migration_due(generation: int, interval: int, islands: int) -> bool:
    """After generation `generation` (1-based count of generations done)."""
    return islands > 1 and generation > 0 and generation % interval == 0


def ring_migration(islands: Sequence[Island], rate: float) -> int:
    """Move the emigrants of every island at once (all leave before any arrive); returns how many moved."""
    outgoing = [island.emigrants(rate) for island in islands]
    moved = 0
    for i, (members, evaluations) in enumerate(outgoing):
        islands[(i + 1) % len(islands)].immigrate(members, evaluations)
        moved += len(members)
    return moved
