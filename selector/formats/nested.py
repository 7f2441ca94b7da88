"""Nested formats: one record holds a task and several instances; each instance becomes one sample.

- self-instruct (``instruction``, ``instances[{input, output}]``): the user turn is the instruction and the
  instance input; the answer is the instance output.
- Super-NaturalInstructions task files (``Definition``, ``Instances[{input, output[...]}]``, plus ``Positive
  Examples`` and metadata): the definition is the system turn, the instance input the user turn, the first of the
  instance's outputs the answer (cleaning edits every output). The task name is the file stem.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from selector.formats.base import Format, FormatError, Turn, set_path


class InstancesFormat(Format):
    nested = True

    def count(self, record: Any) -> int | None:
        items = record.get(self.instances_key) if isinstance(record, Mapping) else None
        if not isinstance(items, list):
            raise FormatError(f"field {self.instances_key!r} must be a list of instances")
        return len(items)

    def instance(self, record: Any, instance: int | None) -> Mapping[str, Any]:
        if instance is None:
            raise FormatError(f"{self.name} records hold several instances; an instance index is needed")
        item = record[self.instances_key][instance]
        if not isinstance(item, Mapping) or "output" not in item:
            raise FormatError(
                f"{self.instances_key}[{instance}] is missing its response field 'output'"
                if isinstance(item, Mapping)
                else f"{self.instances_key}[{instance}] must be an object with 'input' and 'output'"
            )
        return item


class SelfInstructFormat(InstancesFormat):
    name = "self_instruct"
    required = frozenset({"instruction", "instances"})
    optional = frozenset({"id", "name", "is_classification", "motivation_app"})
    response_keys = frozenset({"instances"})
    instances_key = "instances"

    def turns(self, record: Any, instance: int | None = None) -> list[Turn]:
        item = self.instance(record, instance)
        user = [("instruction",)] + ([(self.instances_key, instance, "input")] if "input" in item else [])
        return [("user", user), ("assistant", [(self.instances_key, instance, "output")])]


class NaturalInstructionsFormat(InstancesFormat):
    name = "natural_instructions"
    required = frozenset({"Definition", "Instances"})
    optional = frozenset({"Positive Examples", "Negative Examples", "Contributors", "Source", "Categories"})
    response_keys = frozenset({"Instances"})
    instances_key = "Instances"

    def turns(self, record: Any, instance: int | None = None) -> list[Turn]:
        item = self.instance(record, instance)
        definition = record["Definition"]
        if isinstance(definition, list):
            system = [("Definition", i) for i in range(len(definition))]
        else:
            system = [("Definition",)]
        user = [(self.instances_key, instance, "input")] if "input" in item else []
        output = item["output"]
        if isinstance(output, list):
            answer = [(self.instances_key, instance, "output", 0)] if output else []
        else:
            answer = [(self.instances_key, instance, "output")]
        return [("system", system), ("user", user), ("assistant", answer)]

    def map_text(
        self, record: Any, fn: Callable[[str], str], roles: Collection[str], instance: int | None = None
    ) -> Any:
        """As :meth:`Format.map_text`, and every alternative output of the instance gets ``fn`` too."""
        out = super().map_text(record, fn, roles, instance)
        if "assistant" in roles and instance is not None:
            outputs = record[self.instances_key][instance].get("output")
            if isinstance(outputs, list) and len(outputs) > 1:
                for j in range(1, len(outputs)):
                    if isinstance(outputs[j], str) and fn(outputs[j]) != outputs[j]:
                        out = set_path(out, (self.instances_key, instance, "output", j), fn(outputs[j]))
        return out


SELF_INSTRUCT = SelfInstructFormat()
NATURAL_INSTRUCTIONS = NaturalInstructionsFormat()
