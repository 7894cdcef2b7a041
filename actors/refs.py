"""Reaching actors: see supervisors/refs.py (ActorRef and the await helpers)."""

from supervisors.refs import ActorRef, await_ref, call, ref, unwrap

__all__ = ["ActorRef", "await_ref", "call", "ref", "unwrap"]
