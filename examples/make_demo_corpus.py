"""Write ``examples/data/demo.jsonl``: a small, original Alpaca-format corpus for trying selector out.

About 400 English records in five sources (the ``source`` field): arithmetic word problems, unit conversions,
short Python snippets, sentence rewriting and definitions. Responses vary from a few characters to a few thousand;
some records are near-duplicates, a few answers are written in the first person and a few are very short, so that
the filters and the selection have something to do. Every record is generated here from templates (no third-party
data). Deterministic: running it again writes the same bytes.

    python examples/make_demo_corpus.py
"""

# ruff: noqa: E501  (data tables of code and text are clearer on one line)
from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "demo.jsonl"
SEED = 20240601

NAMES = ["Ana", "Bilal", "Chen", "Dara", "Emeka", "Freya", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lina"]
ITEMS = [("apples", "apple"), ("pencils", "pencil"), ("marbles", "marble"), ("stickers", "sticker"), ("books", "book")]


def arithmetic(rng: random.Random, i: int) -> dict[str, str]:
    name, other = rng.sample(NAMES, 2)
    plural, _single = rng.choice(ITEMS)
    a, b, c = rng.randint(12, 90), rng.randint(2, 11), rng.randint(1, 9)
    kind = i % 4
    if kind == 0:
        q = f"{name} has {a} {plural} and gives {b} to {other}. How many {plural} does {name} have left?"
        steps = [f"{name} starts with {a} {plural}.", f"Giving away {b} leaves {a} - {b} = {a - b}."]
        ans = a - b
    elif kind == 1:
        q = f"A box holds {b} {plural}. How many {plural} are in {c + 1} boxes?"
        steps = [f"Each box holds {b} {plural}.", f"{c + 1} boxes hold {c + 1} x {b} = {(c + 1) * b}."]
        ans = (c + 1) * b
    elif kind == 2:
        total = b * (c + 1)
        q = f"{name} shares {total} {plural} equally among {c + 1} friends. How many does each friend get?"
        steps = [f"There are {total} {plural} and {c + 1} friends.", f"{total} / {c + 1} = {b}."]
        ans = b
    else:
        q = f"{name} buys {c + 1} {plural} at {b} dollars each and pays with a {a + 100} dollar note. What is the change?"
        cost = (c + 1) * b
        steps = [
            f"The {plural} cost {c + 1} x {b} = {cost} dollars.",
            f"The change is {a + 100} - {cost} = {a + 100 - cost}.",
        ]
        ans = a + 100 - cost
    style = i % 7
    if style == 0:
        out = str(ans)  # a very short answer
    elif style == 1:
        out = "I think the answer is " + str(ans) + ". " + " ".join(steps)  # first person
    elif style == 2:
        out = " ".join(steps) + f" So the answer is {ans}." + _long_tail(rng, "arithmetic")
    else:
        out = " ".join(steps) + f" The answer is {ans}."
    return {"instruction": "Solve the word problem and show the steps.", "input": q, "output": out}


UNITS = [
    ("kilometres", "miles", 0.621371),
    ("miles", "kilometres", 1.609344),
    ("kilograms", "pounds", 2.204623),
    ("litres", "US gallons", 0.264172),
    ("metres", "feet", 3.280840),
    ("inches", "centimetres", 2.54),
]


def conversion(rng: random.Random, i: int) -> dict[str, str]:
    src, dst, factor = UNITS[i % len(UNITS)]
    value = rng.choice([1, 2, 5, 10, 12, 25, 40, 100, 250]) + (i // len(UNITS)) % 3
    result = value * factor
    if i % 9 == 4:
        instr, out = f"Convert {value} {src} to {dst}.", f"{result:.2f}"
    elif i % 11 == 3:
        instr = f"Convert {value} {src} to {dst}."
        out = f"In my experience it is easiest to multiply: {value} x {factor} = {result:.2f} {dst}."
    else:
        instr = f"How many {dst} are in {value} {src}?"
        out = (
            f"One of the {src[:-1] if src.endswith('s') else src} units equals {factor} {dst}. "
            f"Multiply: {value} x {factor} = {result:.3f}. So {value} {src} is about {result:.2f} {dst}."
        )
        if i % 5 == 0:
            out += _long_tail(rng, "conversion")
    return {"instruction": instr, "input": "", "output": out}


SNIPPETS = [
    (
        "reverse a string",
        "def reverse(text: str) -> str:\n    return text[::-1]",
        "Slicing with a step of -1 walks the string backwards.",
    ),
    (
        "sum the even numbers in a list",
        "def sum_even(xs: list[int]) -> int:\n    return sum(x for x in xs if x % 2 == 0)",
        "The generator keeps only the even values and sum adds them.",
    ),
    (
        "count words in a sentence",
        "def count_words(sentence: str) -> int:\n    return len(sentence.split())",
        "split() without arguments splits on any run of whitespace.",
    ),
    (
        "check whether a number is prime",
        "def is_prime(n: int) -> bool:\n    if n < 2:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True",
        "Trial division up to the square root is enough.",
    ),
    (
        "find the largest value in a dictionary",
        "def key_of_max(d: dict) -> object:\n    return max(d, key=d.get)",
        "max with key=d.get compares the values but returns the key.",
    ),
    (
        "remove duplicates while keeping order",
        "def unique(xs: list) -> list:\n    return list(dict.fromkeys(xs))",
        "Dictionaries keep insertion order, so fromkeys drops repeats in order.",
    ),
    (
        "read a text file into a list of lines",
        "def read_lines(path: str) -> list[str]:\n    with open(path, encoding='utf-8') as f:\n        return f.read().splitlines()",
        "splitlines drops the line endings.",
    ),
    (
        "compute the factorial of n",
        "def factorial(n: int) -> int:\n    result = 1\n    for k in range(2, n + 1):\n        result *= k\n    return result",
        "A loop avoids recursion limits for large n.",
    ),
]


def python_snippet(rng: random.Random, i: int) -> dict[str, str]:
    task, code, why = SNIPPETS[i % len(SNIPPETS)]
    verb = rng.choice(["Write a Python function to", "Show Python code that can", "Give a short Python function to"])
    out = f"```python\n{code}\n```\n\n{why}"
    if i % 6 == 2:
        out += _long_tail(rng, "code")
    if i % 13 == 5:
        out = "I would write it like this:\n\n" + out
    return {"instruction": f"{verb} {task}.", "input": "", "output": out}


SENTENCES = [
    "The meeting that was scheduled for Monday has been moved by the manager to Wednesday afternoon.",
    "Due to the fact that it was raining, the match was postponed until a later date.",
    "In spite of the fact that the shop was small, it had a very wide range of products.",
    "The report was written by the team in a hurry and contains a number of errors.",
    "At this point in time we are not in a position to offer a refund.",
    "The garden, which is located behind the house, is full of roses that are red.",
    "It is absolutely essential that every single person attends the safety briefing.",
    "The new library is being built by the city and will be opened next spring.",
]
REWRITES = [
    "The manager moved Monday's meeting to Wednesday afternoon.",
    "Because it was raining, the match was postponed.",
    "Although the shop was small, it sold a wide range of products.",
    "The team wrote the report in a hurry, and it contains several errors.",
    "We cannot offer a refund now.",
    "The garden behind the house is full of red roses.",
    "Everyone must attend the safety briefing.",
    "The city is building the new library and will open it next spring.",
]


def rewriting(rng: random.Random, i: int) -> dict[str, str]:
    k = i % len(SENTENCES)
    instr = rng.choice(
        [
            "Rewrite the sentence to be more concise.",
            "Make this sentence shorter and clearer.",
            "Rewrite in plain English.",
        ]
    )
    out = REWRITES[k]
    if i % 10 == 7:
        out = "I changed it to: " + out
    if i % 8 == 3:
        out += (
            " The rewrite uses the active voice, drops filler phrases such as 'due to the fact that' and 'at this point"
            " in time', and keeps the facts of the original."
        )
    return {"instruction": instr, "input": SENTENCES[k], "output": out}


TERMS = {
    "photosynthesis": "the process by which green plants use light energy to turn water and carbon dioxide into sugar and oxygen",
    "inflation": "a general rise in prices across an economy, which lowers what a unit of money can buy",
    "an algorithm": "a finite sequence of well-defined steps that solves a problem or computes a result",
    "erosion": "the gradual wearing away of rock or soil by water, wind or ice",
    "a prime number": "a whole number greater than one whose only divisors are one and itself",
    "democracy": "a system of government in which power rests with the people, who rule directly or through elected representatives",
    "an ecosystem": "a community of living things together with the physical environment they interact with",
    "a metaphor": "a figure of speech that describes something by saying it is something else",
    "gravity": "the force by which masses attract one another",
    "a budget": "a plan that sets out expected income and spending over a period of time",
}


def definition(rng: random.Random, i: int) -> dict[str, str]:
    term, meaning = list(TERMS.items())[i % len(TERMS)]
    instr = rng.choice([f"Define {term}.", f"What is {term}?", f"Explain {term} in one sentence."])
    out = f"{term[0].upper() + term[1:]} is {meaning}."
    if i % 4 == 1:
        out += _long_tail(rng, "definition")
    elif i % 12 == 6:
        out = "My understanding is that " + out[0].lower() + out[1:]
    elif i % 15 == 9:
        out = meaning.split(",")[0].split(" ")[1] + "."
    return {"instruction": instr, "input": "", "output": out}


TAILS = {
    "arithmetic": [
        "Checking the result by working backwards is a good habit: undo each step in reverse order and you should "
        "arrive at the starting numbers again.",
        "Word problems become easier when you first write down what is known, then what is asked, and only then pick "
        "the operation that links them.",
        "Units matter even in simple problems; keeping the word for the objects next to every number avoids mixing "
        "up counts, prices and totals.",
    ],
    "conversion": [
        "Conversion factors are exact for some units (an inch is defined as 2.54 centimetres) and rounded for others, "
        "so keep a few extra digits until the final step.",
        "To convert in the other direction, divide by the same factor instead of multiplying.",
        "A quick estimate catches slips: a kilometre is a bit more than half a mile, and a kilogram is a bit more than "
        "two pounds.",
    ],
    "code": [
        "The function has no side effects, which makes it easy to test with a handful of small inputs, including the "
        "empty case.",
        "Type hints document what the function expects and returns; tools such as mypy can check them without running "
        "the code.",
        "For very large inputs, measure before optimising: the simple version is often fast enough and is easier to "
        "read.",
    ],
    "definition": [
        "The idea appears in many school subjects, and examples from everyday life help to make it concrete.",
        "Related terms are often confused with it, so it helps to compare them side by side and note what differs.",
        "Historians and scientists have refined the meaning over time, and specialist texts may use a narrower sense.",
    ],
}


def _long_tail(rng: random.Random, kind: str) -> str:
    """Extra explanatory paragraphs: some responses reach LIMA's 1,200-4,096 character range."""
    n = rng.choice([1, 2, 6, 10, 16])
    parts = [rng.choice(TAILS[kind]) for _ in range(n)]
    return "\n\n" + "\n\n".join(parts)


GENERATORS = {
    "arithmetic": (arithmetic, 140),
    "unit_conversion": (conversion, 100),
    "python_snippets": (python_snippet, 50),
    "rewriting": (rewriting, 50),
    "definitions": (definition, 60),
}


def build(seed: int = SEED) -> list[dict[str, str]]:
    """The demo records in a fixed order (sources interleaved), each with a ``source`` field."""
    rng = random.Random(seed)
    per_source = {
        name: [dict(gen(rng, i), source=name) for i in range(count)] for name, (gen, count) in GENERATORS.items()
    }
    records: list[dict[str, str]] = []
    longest = max(len(v) for v in per_source.values())
    for i in range(longest):
        for name in GENERATORS:
            if i < len(per_source[name]):
                records.append(per_source[name][i])
    return records


def main() -> None:
    records = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUT}")


if __name__ == "__main__":
    main()
