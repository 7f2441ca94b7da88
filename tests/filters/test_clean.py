from __future__ import annotations

from selector.filters import CleanConfig, clean_samples, clean_text
from selector.filters.clean import clean_text_steps
from selector.sample import Message, Sample


def test_markdown_links_keep_text_and_images_go():
    text = 'See [the docs](https://x.org/a_(b) "t") and ![logo](a.png) or [ref][1].\n\n[1]: https://x.org\n'
    assert clean_text(text) == "See the docs and  or ref.\n\n"


def test_code_is_never_rewritten():
    text = "Use `[a](b)` here.\n\n```\n[link](url) <b>bold</b>\n```\n\n    ![img](x.png)\n"
    assert clean_text(text) == text
    assert clean_text("funcs[0](5)") == "funcs[0](5)"  # an index followed by a call is not a link


def test_html_prose_becomes_markdown_with_code_and_lists_kept():
    text = (
        '<p>See <a href="http://x.com">the docs</a> <img src="a.png"> here:</p>'
        "<pre><code>if a &lt; b:\n    x = 1\n</code></pre>"
        "<ul><li>one</li><li>two<ol><li>sub</li></ol></li></ul>"
        "<h2>Title</h2><p>Use <code>my_list</code> &amp; <strong>more</strong>.</p>"
    )
    assert clean_text(text) == (
        "See the docs  here:\n\n```\nif a < b:\n    x = 1\n```\n\n- one\n- two\n   1. sub\n\n## Title\n\n"
        "Use `my_list` & **more**."
    )


def test_source_code_answers_are_left_alone():
    for code in [
        "#include <iostream>\nstd::vector<int> v;",
        "<html><body><p>Hi <a href='x'>there</a></p></body></html>",
        "<!DOCTYPE html>\n<p>Hi</p>",
        "<?php echo '<b>x</b>'; ?>",
        "const s = '<p>hello</p>';",
        "if a < b and c > d: pass",
    ]:
        assert clean_text(code) == code, code


def test_steps_are_reported_and_switchable():
    text = "This article shows [how](http://x) <b>now</b>"
    assert clean_text_steps(text, CleanConfig(wikihow_intro=True)) == (
        "The following answer shows how **now**",
        ["html", "links", "wikihow_intro"],
    )
    assert clean_text_steps(text, CleanConfig(links=False, html=False)) == (text, [])
    assert clean_text("Read This article.", CleanConfig(wikihow_intro=True)) == "Read This article."


def test_clean_samples_rewrites_the_record_and_counts():
    rec = {"instruction": "Q [x](y)", "input": "", "output": "A [link](http://x) ![i](p.png)"}
    sample = Sample(
        "f:0",
        "s",
        None,
        [Message("user", rec["instruction"]), Message("assistant", rec["output"])],
        rec,
        "alpaca",
        "f.json",
        0,
    )
    plain = Sample(
        "f:1",
        "s",
        None,
        [Message("user", "Q"), Message("assistant", "A")],
        {"instruction": "Q", "input": "", "output": "A"},
        "alpaca",
        "f.json",
        1,
    )
    out, stats = clean_samples([sample, plain], CleanConfig(enabled=True))
    assert out[0].record["output"] == "A link " and out[0].response == "A link "
    assert out[0].record["instruction"] == "Q [x](y)"  # only assistant turns by default
    assert rec["output"] == "A [link](http://x) ![i](p.png)"  # the original record is untouched
    assert out[1].record is plain.record
    assert stats == {
        "enabled": True,
        "records_cleaned": 1,
        "by_step": {"links": 1, "images": 1, "html": 0, "wikihow_intro": 0},
    }
    same, off = clean_samples([sample], CleanConfig(enabled=False))
    assert same[0] is sample and off["records_cleaned"] == 0


def test_unfenced_code_and_tag_mentions_are_not_cleaned():
    for text in [
        "func f() -> [Int] {\n    var s = [Int]()\n    return s\n}",  # [Int]() is not a link
        "gsub(/([A-Z]+)([A-Z][a-z])/, '\\1_\\2')",  # [A-Z][a-z] is a regex, not a reference link
        "const L = ({ items }) => (\n  <ul>\n    <li key={x.id}>{x.name}</li>\n  </ul>\n);",  # JSX
        "The HTML tag <pre> defines preformatted text.",
        "One class for this <h2> tag would be 'h2-class'.",
    ]:
        assert clean_text(text) == text, text
