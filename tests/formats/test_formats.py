"""Format detection from keys, conversion to messages, and mapping text back into records."""

from __future__ import annotations

import pytest

from selector.cli.console import as_flags
from selector.formats import FORMATS, FormatError, detect_format, get_format, mapped_format
from selector.sample import Message

RECORDS = {
    "alpaca": {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"},
    "sharegpt": {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]},
    "openai": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                            {"role": "assistant", "content": "Hello!"}]},
    "dolly": {"instruction": "Summarise.", "context": "A text.", "response": "Short.", "category": "summarization"},
    "prompt_completion": {"prompt": "2+2=", "completion": "4"},
    "prompt_response": {"prompt": "Name a colour.", "response": "Blue."},
    "question_answer": {"question": "Capital of France?", "answer": "Paris"},
    "self_instruct": {"id": "t1", "instruction": "Antonym?", "instances": [{"input": "hot", "output": "cold"}]},
    "natural_instructions": {"Definition": ["Answer yes or no."], "Positive Examples": [],
                             "Instances": [{"input": "Is ice cold?", "output": ["Yes", "yes"]}]},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_each_format_is_detected_from_its_keys(name: str) -> None:
    assert detect_format(RECORDS[name].keys()).name == name


def test_registry_holds_every_issue_format() -> None:
    assert set(RECORDS) <= set(FORMATS)


def test_extra_response_key_is_still_alpaca_and_kept() -> None:
    """new_codealpaca.json: instruction, input, output AND response -> Alpaca (uses the most keys)."""
    record = {"instruction": "x", "input": "", "output": "y", "response": "y"}
    fmt = detect_format(record.keys())
    assert fmt.name == "alpaca"
    assert fmt.map_text(record, str.upper, ["assistant"]) == {**record, "output": "Y"}


def test_alpaca_messages_join_instruction_and_input() -> None:
    msgs = FORMATS["alpaca"].to_messages(RECORDS["alpaca"])
    assert msgs == [Message("user", "Add the numbers.\n\n2 and 3"), Message("assistant", "5")]


def test_alpaca_empty_input_adds_nothing_and_empty_output_is_kept() -> None:
    msgs = FORMATS["alpaca"].to_messages({"instruction": "Say nothing.", "input": "", "output": ""})
    assert msgs == [Message("user", "Say nothing."), Message("assistant", "")]


def test_openai_and_sharegpt_roles_are_normalised() -> None:
    assert [m.role for m in FORMATS["openai"].to_messages(RECORDS["openai"])] == ["system", "user", "assistant"]
    assert [m.role for m in FORMATS["sharegpt"].to_messages(RECORDS["sharegpt"])] == ["user", "assistant"]


def test_unknown_role_names_the_turn() -> None:
    record = {"conversations": [{"from": "robot", "value": "x"}]}
    with pytest.raises(FormatError, match=r"conversations\[0\].*robot"):
        FORMATS["sharegpt"].to_messages(record)


def test_natural_instructions_uses_definition_and_first_output() -> None:
    msgs = FORMATS["natural_instructions"].to_messages(RECORDS["natural_instructions"], 0)
    assert msgs == [
        Message("system", "Answer yes or no."),
        Message("user", "Is ice cold?"),
        Message("assistant", "Yes"),
    ]


def test_unknown_keys_error_lists_keys_and_formats() -> None:
    with pytest.raises(FormatError) as info:
        detect_format(["question_id", "text", "category"])
    text = str(info.value)
    assert "question_id" in text and "alpaca" in text and 'mapping={"prompt": KEY, "response": KEY}' in text
    assert as_flags(text).endswith("describe it with --map prompt=KEY --map response=KEY")


def test_missing_response_is_named() -> None:
    with pytest.raises(FormatError, match="missing its response"):
        detect_format(["instruction", "input"])


def test_missing_required_key_in_later_record() -> None:
    with pytest.raises(FormatError, match="missing its response field 'output'"):
        FORMATS["alpaca"].to_messages({"instruction": "x", "input": ""})


def test_mapping_joins_keys_and_stringifies_values() -> None:
    fmt = mapped_format({"prompt": "premise+hypothesis", "response": "label"})
    msgs = fmt.to_messages({"premise": "It rains.", "hypothesis": "It is wet.", "label": True, "idx": 3})
    assert msgs == [Message("user", "It rains.\n\nIt is wet."), Message("assistant", "True")]
    assert get_format(fmt.name) is fmt


def test_mapping_needs_prompt_and_response() -> None:
    with pytest.raises(Exception, match="prompt=KEY and response=KEY"):
        mapped_format({"prompt": "text"})


def test_map_text_copies_only_along_the_path() -> None:
    record = RECORDS["natural_instructions"]
    out = FORMATS["natural_instructions"].map_text(record, str.upper, ["assistant"], 0)
    assert out["Instances"][0]["output"] == ["YES", "YES"]
    assert record["Instances"][0]["output"] == ["Yes", "yes"]
    assert out["Definition"] is record["Definition"]


def test_map_text_leaves_unchanged_values_as_they_were() -> None:
    fmt = mapped_format({"prompt": "p", "response": "label"})
    record = {"p": "q", "label": False}
    assert fmt.map_text(record, lambda t: t, ["assistant"]) is record


TOOL_CHAT = {
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"},
        {"role": "assistant", "content": "It is 18 C and sunny."},
    ]
}  # fmt: skip


def test_openai_tool_calls_and_tool_turns_are_part_of_the_conversation() -> None:
    messages = FORMATS["openai"].to_messages(TOOL_CHAT)
    assert messages == [
        Message("user", "Weather in Paris?"),
        Message("assistant", 'get_weather({"city": "Paris"})'),
        Message("user", "18 C, sunny"),
        Message("assistant", "It is 18 C and sunny."),
    ]


def test_openai_call_without_content_key_with_text_and_legacy_function_call() -> None:
    record = {
        "messages": [
            {"role": "user", "content": "Add 2 and 3."},
            {
                "role": "assistant",
                "tool_calls": [{"type": "function", "function": {"name": "add", "arguments": {"a": 2}}}],
            },
            {"role": "tool", "content": "5"},
            {"role": "assistant", "content": "Calling.", "function_call": {"name": "log", "arguments": "{}"}},
            {"role": "function", "name": "log", "content": "ok"},
            {"role": "assistant", "content": "5"},
        ]
    }
    texts = [(m.role, m.content) for m in FORMATS["openai"].to_messages(record)]
    assert texts == [
        ("user", "Add 2 and 3."),
        ("assistant", 'add({"a": 2})'),
        ("user", "5"),
        ("assistant", "Calling.\n\nlog({})"),
        ("user", "ok"),
        ("assistant", "5"),
    ]


@pytest.mark.parametrize(
    ("turn", "message"),
    [
        ({"role": "assistant", "tool_calls": "get_weather"}, r"messages\[1\]\.tool_calls holds a str"),
        ({"role": "assistant", "tool_calls": [{"id": "c"}]}, r"messages\[1\]\.tool_calls\[0\] must name the function"),
        ({"role": "user", "tool_calls": [{"function": {"name": "f"}}]}, r"has tool calls but its role is 'user'"),
        ({"role": "assistant"}, r"messages\[1\] must be an object with 'role' and 'content'"),
    ],
)
def test_malformed_tool_calls_are_named(turn: dict, message: str) -> None:
    record = {"messages": [{"role": "user", "content": "x"}, turn, {"role": "assistant", "content": "y"}]}
    with pytest.raises(FormatError, match=message):
        FORMATS["openai"].to_messages(record)


def test_cleaning_tool_chats_edits_content_never_call_arguments() -> None:
    fmt = FORMATS["openai"]
    out = fmt.map_text(TOOL_CHAT, str.upper, ["assistant", "user"])
    assert out["messages"][1] is TOOL_CHAT["messages"][1]  # content null, arguments untouched
    assert out["messages"][2]["content"] == "18 C, SUNNY" and out["messages"][3]["content"] == "IT IS 18 C AND SUNNY."
    assert fmt.map_text(TOOL_CHAT, lambda t: t, ["assistant"]) is TOOL_CHAT


def test_sharegpt_function_call_and_observation_turns() -> None:
    turns = [("human", "Time?"), ("function_call", '{"name": "now"}'), ("observation", "12:00"), ("gpt", "Noon.")]
    record = {"conversations": [{"from": who, "value": text} for who, text in turns]}
    roles = [m.role for m in FORMATS["sharegpt"].to_messages(record)]
    assert roles == ["user", "assistant", "user", "assistant"]
