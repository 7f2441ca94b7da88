"""Tiny inline fixtures shared by the reading and writing tests: one or two records per format, in any container."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

RECORDS: dict[str, list[dict[str, Any]]] = {
    "alpaca": [
        {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"},
        {"instruction": "Translate to French: «cat»", "input": "", "output": "chat"},
    ],
    "sharegpt": [
        {"id": "c1", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]},
        {"id": "c2", "conversations": [{"from": "human", "value": "2+2?"}, {"from": "gpt", "value": "4"}]},
    ],
    "openai": [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"},
                      {"role": "assistant", "content": "Because."}]},
    ],
    "dolly": [
        {"instruction": "Summarise.", "context": "A long text.", "response": "Short.", "category": "summarization"},
        {"instruction": "Name a fruit.", "context": "", "response": "Pear.", "category": "open_qa"},
    ],
    "prompt_completion": [{"prompt": "2+2=", "completion": "4"}, {"prompt": "3+3=", "completion": "6"}],
    "prompt_response": [{"prompt": "Name a colour.", "response": "Blue."}, {"prompt": "A number?", "response": "7"}],
    "question_answer": [{"question": "Capital of France?", "answer": "Paris"}, {"question": "1+1?", "answer": "2"}],
    "self_instruct": [
        {"id": "t1", "instruction": "Give the antonym.",
         "instances": [{"input": "hot", "output": "cold"}, {"input": "up", "output": "down"}]},
        {"id": "t2", "instruction": "Say hello.", "instances": [{"input": "", "output": "Hello."}]},
    ],
    "natural_instructions": [
        {"Definition": ["Answer yes or no."], "Positive Examples": [{"input": "Is fire hot?", "output": "Yes"}],
         "Instances": [{"input": "Is ice cold?", "output": ["Yes"]}, {"input": "Is the sea dry?", "output": ["No"]},
                       {"input": "Is snow white?", "output": ["Yes"]}]},
    ],
}  # fmt: skip

FLAT_STRING_FORMATS = ("alpaca", "dolly", "prompt_completion", "prompt_response", "question_answer")
CONTAINERS = ("json", "jsonl", "jsonl.gz", "parquet", "csv", "dataset")


def write_container(folder: Path, name: str, container: str, records: list[dict[str, Any]]) -> Path:
    """Write ``records`` to ``folder/name.<container>`` the way common tools do; returns the path."""
    path = folder / (f"{name}.{container}" if container != "dataset" else name)
    if container == "json":
        if len(records) == 1 and "Instances" in records[0]:
            path.write_text(json.dumps(records[0], indent=4, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif container in ("jsonl", "jsonl.gz"):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        if container == "jsonl":
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    elif container == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(records), path)
    elif container == "csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
    elif container == "dataset":
        import datasets

        datasets.Dataset.from_list(records).save_to_disk(str(path))
    else:
        raise ValueError(container)
    return path
