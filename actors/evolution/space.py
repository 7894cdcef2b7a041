"""Genome <-> pymoo variables: a recipe's numeric and discrete genes, or a box-bounded real vector.

pymoo's mixed-variable operators work on dicts of named variables (Real, Integer, Choice,
Binary). A gene the space fixes (one option, or low == high) is not a variable: it is taken
from the template genome (the first parent) when decoding, as is the text gene.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from pymoo.core.variable import Binary, Choice, Integer, Real, Variable

from protocols.evolution import Genome, RealSpace, RealVector, Recipe, RecipeSpace

_NONE = ""  # pymoo's choice arrays hold strings; the default index (None) travels as ""


class SpaceError(ValueError):
    """A genome outside its space (the actor answers 4xx naming `field`)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field)  # both in args: it unpickles (Ray carries it to callers)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class GenomeSpace(Protocol):
    vars: dict[str, Variable]

    def encode(self, genome: Genome) -> dict[str, Any]: ...

    def decode(self, values: dict[str, Any], template: Genome) -> Genome: ...

    def sample(self, n: int, rng: np.random.Generator, template: Genome | None) -> list[Genome]: ...

    def check(self, genome: Genome, field: str) -> None: ...

    def diversity(self, genomes: Sequence[Genome]) -> float: ...


def space_for(space: RealSpace | RecipeSpace) -> GenomeSpace:
    return RealVectorSpace(space) if isinstance(space, RealSpace) else RecipeGenomeSpace(space)


def _numeric_diversity(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[float]:
    """Per gene: the standard deviation of the values scaled to [0, 1] (uniform: ~0.29), doubled."""
    width = np.where(high > low, high - low, 1.0)
    scaled = (values - low) / width
    return list(np.clip(2.0 * scaled.std(axis=0), 0.0, 1.0))


def _choice_diversity(column: Sequence[Any]) -> float:
    """1 - the share of the most common value (0: all equal)."""
    if not column:
        return 0.0
    _, counts = np.unique(np.array([str(v) for v in column]), return_counts=True)
    return float(1.0 - counts.max() / len(column))


class RealVectorSpace:
    def __init__(self, space: RealSpace) -> None:
        self.lower = np.array(space.lower, dtype=float)
        self.upper = np.array(space.upper, dtype=float)
        self.vars: dict[str, Variable] = {
            f"x{i}": Real(bounds=(lo, hi)) for i, (lo, hi) in enumerate(zip(space.lower, space.upper, strict=True))
        }

    def encode(self, genome: Genome) -> dict[str, Any]:
        assert isinstance(genome, RealVector)
        return {f"x{i}": value for i, value in enumerate(genome.x)}

    def decode(self, values: dict[str, Any], template: Genome) -> Genome:
        x = np.array([float(values[f"x{i}"]) for i in range(len(self.lower))])
        return RealVector(x=[float(v) for v in np.clip(x, self.lower, self.upper)])

    def sample(self, n: int, rng: np.random.Generator, template: Genome | None) -> list[Genome]:
        X = rng.uniform(self.lower, self.upper, size=(n, len(self.lower)))
        return [RealVector(x=[float(v) for v in row]) for row in X]

    def check(self, genome: Genome, field: str) -> None:
        if not isinstance(genome, RealVector):
            raise SpaceError("a real space takes real vectors", field)
        if len(genome.x) != len(self.lower):
            raise SpaceError(f"the vector needs {len(self.lower)} values", field)
        x = np.array(genome.x)
        if np.any(x < self.lower) or np.any(x > self.upper):
            raise SpaceError("the vector lies outside the bounds", field)

    def diversity(self, genomes: Sequence[Genome]) -> float:
        if len(genomes) < 2:
            return 0.0
        X = np.array([g.x for g in genomes if isinstance(g, RealVector)], dtype=float)
        return float(np.mean(_numeric_diversity(X, self.lower, self.upper)))


# recipe gene path -> (kind, space attribute); a path is "section.field" or a top-level field
_CHOICES = {
    "model": "models",
    "reasoning.mode": "modes",
    "reasoning.generate": "generate",
    "reasoning.evaluate": "evaluate",
    "retrieval.index": "indexes",
    "retrieval.mode": "retrieval_modes",
}
_INTEGERS = {
    "reasoning.beam_width": "beam_width",
    "reasoning.max_depth": "max_depth",
    "reasoning.samples": "samples",
    "retrieval.k": "retrieval_k",
    "retrieval.rrf_k": "rrf_k",
    "max_tokens": "max_tokens",
}
_REALS = {"temperature": "temperature"}


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node[part]
    return node


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


class RecipeGenomeSpace:
    def __init__(self, space: RecipeSpace) -> None:
        self.space = space
        self.options: dict[str, list[Any]] = {}
        self.vars: dict[str, Variable] = {}
        for path, attr in _CHOICES.items():
            options = [_NONE if o is None else str(o) for o in getattr(space, attr)]
            self.options[path] = options
            if len(set(options)) > 1:
                self.vars[path] = Choice(options=options)
        for path, attr in _INTEGERS.items():
            bounds = getattr(space, attr)
            if bounds.high > bounds.low:
                self.vars[path] = Integer(bounds=(bounds.low, bounds.high))
        if space.temperature.high > space.temperature.low:
            self.vars["temperature"] = Real(bounds=(space.temperature.low, space.temperature.high))
        for tool in space.tools:
            self.vars[f"tool:{tool}"] = Binary()

    def encode(self, genome: Genome) -> dict[str, Any]:
        assert isinstance(genome, Recipe)
        data = genome.model_dump(mode="json")
        out: dict[str, Any] = {}
        for name in self.vars:
            if name.startswith("tool:"):
                out[name] = name[5:] in genome.tools
            else:
                value = _get(data, name)
                out[name] = _NONE if value is None else value
        return out

    def decode(self, values: dict[str, Any], template: Genome) -> Genome:
        assert isinstance(template, Recipe)
        data = template.model_dump(mode="json")
        for name, value in values.items():
            if name.startswith("tool:"):
                continue
            if name in _CHOICES:
                _set(data, name, None if value == _NONE else str(value))
            elif name in _INTEGERS:
                bounds = getattr(self.space, _INTEGERS[name])
                _set(data, name, int(np.clip(round(float(value)), bounds.low, bounds.high)))
            else:
                bounds = self.space.temperature
                _set(data, name, float(np.clip(float(value), bounds.low, bounds.high)))
        if self.space.tools:
            keep = [t for t in template.tools if t not in self.space.tools]
            data["tools"] = keep + [t for t in self.space.tools if bool(values.get(f"tool:{t}", t in template.tools))]
        return Recipe.model_validate(data)

    def sample(self, n: int, rng: np.random.Generator, template: Genome | None) -> list[Genome]:
        """Random recipes around the template's text gene (the space has no prompt of its own)."""
        if template is None:
            template = Recipe(model=self.space.models[0])
        out: list[Genome] = []
        for _ in range(n):
            values: dict[str, Any] = {}
            for name, var in self.vars.items():
                values[name] = var.sample(1, random_state=rng)[0]
            base = self._fixed(template)
            out.append(self.decode(values, base))
        return out

    def _fixed(self, template: Genome) -> Recipe:
        """The template with every gene the space fixes set to the space's single value."""
        assert isinstance(template, Recipe)
        data = template.model_dump(mode="json")
        for path, options in self.options.items():
            if path not in self.vars:
                _set(data, path, None if options[0] == _NONE else options[0])
        for path, attr in _INTEGERS.items():
            if path not in self.vars:
                _set(data, path, getattr(self.space, attr).low)
        if "temperature" not in self.vars:
            data["temperature"] = self.space.temperature.low
        return Recipe.model_validate(data)

    def check(self, genome: Genome, field: str) -> None:
        if not isinstance(genome, Recipe):
            raise SpaceError("a recipe space takes recipes", field)
        data = genome.model_dump(mode="json")
        for path, options in self.options.items():
            value = _get(data, path)
            if (_NONE if value is None else str(value)) not in options:
                raise SpaceError(f"{path}={value!r} is not among the space's options", f"{field}.{path}")
        for path, attr in _INTEGERS.items():
            bounds = getattr(self.space, attr)
            if not bounds.low <= _get(data, path) <= bounds.high:
                raise SpaceError(f"{path} must lie within [{bounds.low}, {bounds.high}]", f"{field}.{path}")
        if not self.space.temperature.low <= genome.temperature <= self.space.temperature.high:
            raise SpaceError("temperature lies outside the space", f"{field}.temperature")

    def diversity(self, genomes: Sequence[Genome]) -> float:
        """Mean over the genes: spread of the numeric ones, variety of the discrete ones and the prompt."""
        recipes = [g for g in genomes if isinstance(g, Recipe)]
        if len(recipes) < 2:
            return 0.0
        encoded = [self.encode(r) for r in recipes]
        parts: list[float] = []
        numeric = [n for n, v in self.vars.items() if isinstance(v, Integer | Real)]
        if numeric:
            X = np.array([[float(e[n]) for n in numeric] for e in encoded])
            low = np.array([self.vars[n].bounds[0] for n in numeric], dtype=float)
            high = np.array([self.vars[n].bounds[1] for n in numeric], dtype=float)
            parts.extend(_numeric_diversity(X, low, high))
        for name, var in self.vars.items():
            if isinstance(var, Choice | Binary):
                parts.append(_choice_diversity([e[name] for e in encoded]))
        parts.append(_choice_diversity([r.system_prompt for r in recipes]))
        return float(np.mean(parts))
