"""The actor base class lives in the generic runtime (supervisors/actor.py); features
import it from here."""

from supervisors.actor import SupervisedActor, tool

__all__ = ["SupervisedActor", "tool"]
