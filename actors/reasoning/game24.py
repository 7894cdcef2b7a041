"""Game of 24: four numbers, + - * /, each number once, reach 24.

States are the numbers left, sorted (so two orders of the same step are one state). The
checker parses the final expression itself (no eval) and computes with exact fractions.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from protocols.reasoning import Passage, ThoughtNode

from .tasks import Step, Verdict

TARGET = Fraction(24)
_NUM = r"-?\d+(?:\.\d+)?(?:/\d+)?"
_TIMES, _DIVIDE = "\u00d7", "\u00f7"  # what models often write for * and /
_STEP = re.compile(rf"({_NUM})\s*([+\-*/{_TIMES}{_DIVIDE}xX])\s*({_NUM})\s*=\s*({_NUM})")
_OPS = {_TIMES: "*", "x": "*", "X": "*", _DIVIDE: "/"}


def fmt(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def parse_numbers(text: str) -> list[Fraction]:
    return [Fraction(token) for token in re.findall(_NUM, text)]


def state_of(numbers: Sequence[Fraction]) -> str:
    return " ".join(fmt(n) for n in sorted(numbers))


def apply(a: Fraction, op: str, b: Fraction) -> Fraction | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return None if b == 0 else a / b
    raise ValueError(f"unknown operator {op!r}")


def legal_steps(numbers: Sequence[Fraction]) -> list[tuple[Fraction, str, Fraction, Fraction, list[Fraction]]]:
    """Every (a, op, b, result, left) one step can make from `numbers`."""
    out = []
    seen: set[tuple[Fraction, str, Fraction]] = set()
    for i, a in enumerate(numbers):
        for j, b in enumerate(numbers):
            if i == j:
                continue
            rest = [n for k, n in enumerate(numbers) if k not in (i, j)]
            for op in "+-*/":
                if op in "+*" and i > j:  # commutative: one order is enough
                    continue
                result = apply(a, op, b)
                if result is None or (a, op, b) in seen:
                    continue
                seen.add((a, op, b))
                out.append((a, op, b, result, [*rest, result]))
    return out


@lru_cache(maxsize=65536)
def _solve(numbers: tuple[Fraction, ...], target: Fraction) -> bool:
    if len(numbers) == 1:
        return numbers[0] == target
    return any(_solve(tuple(sorted(left)), target) for *_, left in legal_steps(list(numbers)))


def can_reach(numbers: Sequence[Fraction], target: Fraction = TARGET) -> bool:
    return _solve(tuple(sorted(numbers)), target)


def format_step(a: Fraction, op: str, b: Fraction, result: Fraction, left: Sequence[Fraction]) -> str:
    return f"{fmt(a)} {op} {fmt(b)} = {fmt(result)} (left: {state_of(left)})"


def parse_step(line: str, state: str) -> Step | None:
    """One legal step from `state`, or None. The 'left' the model wrote is recomputed, not trusted."""
    match = _STEP.search(line)
    if not match:
        return None
    a, b, claimed = Fraction(match.group(1)), Fraction(match.group(3)), Fraction(match.group(4))
    op = _OPS.get(match.group(2), match.group(2))
    pool = parse_numbers(state)
    left = list(pool)
    for operand in (a, b):
        if operand not in left:
            return None
        left.remove(operand)
    result = apply(a, op, b)
    if result is None or result != claimed:
        return None
    left.append(result)
    return Step(format_step(a, op, b, result, left), state_of(left), terminal=len(left) == 1)


# -- the checker: a recursive-descent parser over exact fractions --------------------------

_TOKEN = re.compile(r"\s*(?:(\d+)|(.))")


class ExpressionError(ValueError):
    pass


def _tokens(text: str) -> list[str]:
    out = []
    for number, other in _TOKEN.findall(text):
        if number:
            out.append(number)
        elif other.strip():
            out.append(_OPS.get(other, other))
    return out


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.literals: list[Fraction] = []

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ExpressionError("unexpected end of expression")
        self.pos += 1
        return token

    def expression(self) -> Fraction:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            value = value + self.term() if op == "+" else value - self.term()
        return value

    def term(self) -> Fraction:
        value = self.factor()
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.factor()
            if op == "/" and right == 0:
                raise ExpressionError("division by zero")
            value = value * right if op == "*" else value / right
        return value

    def factor(self) -> Fraction:
        token = self.take()
        if token == "(":
            value = self.expression()
            if self.take() != ")":
                raise ExpressionError("missing ')'")
            return value
        if token.isdigit():
            number = Fraction(int(token))
            self.literals.append(number)
            return number
        raise ExpressionError(f"unexpected {token!r}")


def evaluate_expression(text: str) -> tuple[Fraction, list[Fraction]]:
    """The exact value of an arithmetic expression and the number literals it uses."""
    parser = _Parser(_tokens(text))
    value = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()!r}")
    return value, parser.literals


def check_expression(expression: str, numbers: Sequence[int | Fraction]) -> tuple[bool, str]:
    """Does `expression` (optionally '... = 24') use each of `numbers` exactly once and make 24?"""
    text = expression.strip()
    text = re.sub(r"^\s*answer\s*:\s*", "", text, flags=re.IGNORECASE)
    left, _, right = text.partition("=")
    if right.strip() and right.strip() != "24":
        return False, "does not claim 24"
    try:
        value, literals = evaluate_expression(left)
    except ExpressionError as error:
        return False, f"unparsable: {error}"
    if sorted(literals) != sorted(Fraction(n) for n in numbers):
        return False, "does not use each number exactly once"
    if value != TARGET:
        return False, f"evaluates to {fmt(value)}, not 24"
    return True, "ok"


def expression_of(numbers: Sequence[Fraction], steps: Sequence[str]) -> str | None:
    """Replay a path of 'a op b = c' steps into one expression over the input numbers."""
    pool: list[tuple[Fraction, str]] = [(n, fmt(n)) for n in numbers]
    for thought in steps:
        match = _STEP.search(thought)
        if not match:
            return None
        a, b = Fraction(match.group(1)), Fraction(match.group(3))
        op = _OPS.get(match.group(2), match.group(2))
        taken = []
        for operand in (a, b):
            index = next((i for i, (v, _) in enumerate(pool) if v == operand), None)
            if index is None:
                return None
            taken.append(pool.pop(index))
        result = apply(a, op, b)
        if result is None:
            return None
        pool.append((result, f"({taken[0][1]} {op} {taken[1][1]})"))
    if len(pool) != 1:
        return None
    expr = pool[0][1]
    return expr[1:-1] if expr.startswith("(") and expr.endswith(")") else expr


def load_puzzles(path: str | Path) -> list[list[int]]:
    """The 'Puzzles' column of the ToT paper's CSV, in rank order."""
    with Path(path).open(newline="") as handle:
        return [[int(n) for n in row["Puzzles"].split()] for row in csv.DictReader(handle)]


class Game24Task:
    kind = "game24"

    def initial_state(self, query: str) -> str:
        numbers = parse_numbers(query)
        if len(numbers) < 2:
            raise ValueError("a Game of 24 query needs the numbers to combine")
        return state_of(numbers)

    def propose_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str:
        return (
            "Combine two of the numbers with + - * or / into a new number. List several possible next steps,\n"
            'one per line, each written as "a op b = c (left: the numbers that remain)".\n'
            "Input: 3 5 9 12\nPossible next steps:\n"
            "3 + 5 = 8 (left: 8 9 12)\n12 / 3 = 4 (left: 4 5 9)\n9 - 5 = 4 (left: 3 4 12)\n5 * 3 = 15 (left: 9 12 15)\n"
            f"Input: {state}\nPossible next steps:\n"
        )

    def parse_proposals(self, text: str, state: str) -> list[Step]:
        steps: list[Step] = []
        for line in text.splitlines():
            step = parse_step(line, state)
            if step and all(step.thought != s.thought for s in steps):
                steps.append(step)
        return steps

    def sample_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str:
        return (
            "Game of 24: combine two of the numbers with + - * or / to move closer to 24.\n"
            'Write one step as "a op b = c (left: the numbers that remain)".\n'
            f"Input: {state}\nNext step:"
        )

    def parse_sample(self, text: str, state: str) -> Step | None:
        for line in text.splitlines():
            step = parse_step(line, state)
            if step:
                return step
        return None

    def value_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str:
        return (
            "Can the numbers reach 24 with + - * / using each exactly once? Try a few combinations,\n"
            "then end with one word: sure, likely or impossible.\n"
            "Input: 4 6\n4 * 6 = 24\nsure\n"
            "Input: 2 2 3\n2 * 2 * 3 = 12, (2 + 2) * 3 = 12, too small\nimpossible\n"
            "Input: 5 7 12\n12 * (7 - 5) = 24\nsure\n"
            f"Input: {state}\n"
        )

    def vote_prompt(self, query: str, states: Sequence[str], passages: Sequence[Passage]) -> str:
        choices = "\n".join(f"Choice {i}: {s}" for i, s in enumerate(states, start=1))
        return (
            f"Game of 24 with {query}. Which set of remaining numbers can most surely still reach 24?\n"
            f"{choices}\nAnalyse each choice, then conclude with 'The best choice is N'.\n"
        )

    def value_key(self, state: str) -> str:
        return state

    def checker_label(self, query: str, state: str) -> str | None:
        return "sure" if can_reach(parse_numbers(state)) else "impossible"

    def check(self, query: str, path: Sequence[ThoughtNode]) -> Verdict | None:
        expression = self.answer(query, path)
        if expression is None:
            return Verdict(False, None, "the path does not combine every number")
        ok, reason = check_expression(expression, parse_numbers(query))
        return Verdict(ok, expression, reason)

    def answer(self, query: str, path: Sequence[ThoughtNode]) -> str | None:
        expression = expression_of(parse_numbers(query), [n.thought for n in path if n.parent_id is not None])
        return f"{expression} = 24" if expression is not None and path and path[-1].state == "24" else expression

    def answer_prompt(self, query: str, path: Sequence[ThoughtNode], passages: Sequence[Passage]) -> str:
        steps = "\n".join(n.thought for n in path if n.parent_id is not None)
        return f"Game of 24 with {query}.\nSteps:\n{steps}\nWrite the final expression:"

    # -- the paper's baselines (one call, no search): input-output and chain of thought ----

    def io_prompt(self, query: str) -> str:
        return (
            "Use + - * / and each input number exactly once to make 24.\n"
            "Input: 3 5 9 12\nAnswer: 3 * (5 + 12 - 9) = 24\n"
            f"Input: {state_of(parse_numbers(query))}\nAnswer:"
        )

    def cot_prompt(self, query: str) -> str:
        return (
            "Use + - * / and each input number exactly once to make 24. Combine two numbers per step,\n"
            "then write the whole expression.\n"
            "Input: 3 5 9 12\nSteps:\n5 + 12 = 17 (left: 3 9 17)\n17 - 9 = 8 (left: 3 8)\n3 * 8 = 24 (left: 24)\n"
            "Answer: 3 * (5 + 12 - 9) = 24\n"
            f"Input: {state_of(parse_numbers(query))}\nSteps:\n"
        )

    @staticmethod
    def extract_answer(text: str) -> str | None:
        """The expression a one-shot reply ends with: its last 'Answer:' line, else its first line."""
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        answers = [line for line in lines if line.lower().startswith("answer")]
        if answers:
            return re.sub(r"^answer\s*:\s*", "", answers[-1], flags=re.IGNORECASE)
        return lines[0] if lines else None
