"""Parsers of the text containers: JSON arrays (:mod:`.json`), JSON Lines (:mod:`.jsonl`), CSV (:mod:`.csv`),
gzip-compressed input inflated with a bound (:mod:`.gz`), and the decoding they share (:mod:`.base`)."""

from __future__ import annotations

from selector.io.readers.base import decode, encode
from selector.io.readers.csv import parse_csv
from selector.io.readers.gz import GZIP_MAGIC, decompress
from selector.io.readers.json import parse_json, sniff_json
from selector.io.readers.jsonl import parse_jsonl

__all__ = ["GZIP_MAGIC", "decode", "decompress", "encode", "parse_csv", "parse_json", "parse_jsonl", "sniff_json"]
