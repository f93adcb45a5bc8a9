"""The sandbox reads parse_mode=HTML texts the way Telegram does."""

from __future__ import annotations

import html
from typing import Any

import pytest

from sandbox.html import check_text_length, parse_html, utf16_len
from sandbox.spec import ApiError


def entities_of(text: str) -> list[dict[str, Any]]:
    return parse_html(text)[1]


def parse_error(text: str) -> str:
    with pytest.raises(ApiError) as caught:
        parse_html(text)
    assert caught.value.error_code == 400
    prefix = "Bad Request: can't parse entities: "
    assert caught.value.description.startswith(prefix)
    return caught.value.description.removeprefix(prefix)


@pytest.mark.parametrize(
    ("tag", "entity_type"),
    [
        ("b", "bold"),
        ("strong", "bold"),
        ("i", "italic"),
        ("em", "italic"),
        ("u", "underline"),
        ("ins", "underline"),
        ("s", "strikethrough"),
        ("strike", "strikethrough"),
        ("del", "strikethrough"),
        ("tg-spoiler", "spoiler"),
        ("code", "code"),
        ("pre", "pre"),
        ("blockquote", "blockquote"),
    ],
)
def test_each_simple_tag_becomes_its_entity(tag: str, entity_type: str) -> None:
    assert parse_html(f"x <{tag}>yz</{tag}>") == (
        "x yz",
        [{"type": entity_type, "offset": 2, "length": 2}],
    )


def test_tag_names_are_case_insensitive() -> None:
    assert entities_of("<B>x</b>") == [{"type": "bold", "offset": 0, "length": 1}]


def test_attributed_tags() -> None:
    assert entities_of('<span class="tg-spoiler">x</span>') == [
        {"type": "spoiler", "offset": 0, "length": 1}
    ]
    assert entities_of("<a href='https://example.org/a?b=1&amp;c=2'>x</a>") == [
        {"type": "text_link", "offset": 0, "length": 1, "url": "https://example.org/a?b=1&c=2"}
    ]
    assert entities_of('<A HREF="tg://user?id=123">Jan</a>') == [
        {"type": "text_link", "offset": 0, "length": 3, "url": "tg://user?id=123"}
    ]
    assert entities_of('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>') == [
        {"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324170671202286"}
    ]
    assert entities_of("<blockquote expandable>x</blockquote>") == [
        {"type": "expandable_blockquote", "offset": 0, "length": 1}
    ]


def test_pre_with_a_language_class_on_its_code() -> None:
    assert parse_html('<pre><code class="language-python">print(1)</code></pre>') == (
        "print(1)",
        [{"type": "pre", "offset": 0, "length": 8, "language": "python"}],
    )
    # A standalone code tag cannot carry a language.
    assert entities_of('<code class="language-python">x</code>') == [
        {"type": "code", "offset": 0, "length": 1}
    ]


def test_nested_tags_give_nested_entities_sorted_by_offset() -> None:
    assert parse_html("<b>vet <i>en <u>schuin</u></i></b>!") == (
        "vet en schuin!",
        [
            {"type": "bold", "offset": 0, "length": 13},
            {"type": "italic", "offset": 4, "length": 9},
            {"type": "underline", "offset": 7, "length": 6},
        ],
    )


def test_nothing_is_formatted_inside_pre_or_code() -> None:
    assert entities_of("<pre>a <b>b</b></pre>") == [{"type": "pre", "offset": 0, "length": 3}]
    assert entities_of("<code><i>x</i></code>") == [{"type": "code", "offset": 0, "length": 1}]
    # ... but code may sit inside bold.
    assert entities_of("<b><code>x</code></b>") == [
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "code", "offset": 0, "length": 1},
    ]


def test_empty_tags_produce_no_entity() -> None:
    assert parse_html("a<b></b>b") == ("ab", [])


def test_offsets_and_lengths_count_utf16_code_units() -> None:
    # The emoji is one character but two UTF-16 code units.
    assert parse_html("😀 <b>é😀</b>") == ("😀 é😀", [{"type": "bold", "offset": 3, "length": 3}])
    assert utf16_len("😀é") == 3


def test_the_four_named_entities_and_all_numeric_ones_are_decoded() -> None:
    assert parse_html("&lt;b&gt; &amp; &quot; &#65; &#x1F600;")[0] == '<b> & " A 😀'


def test_html_escape_output_round_trips() -> None:
    # What the bot produces with html.escape() must come back unchanged.
    text = "Tom & Jerry <3 \"quotes\" 'apostrophes' > all"
    assert parse_html(html.escape(text)) == (text, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 4'),
        ("é <br>", 'Unsupported start tag "br" at byte offset 3'),  # é is two bytes
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<i>x</b>", 'Unmatched end tag at byte offset 4, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
        ("1 > 2", "Character '>' is reserved and must be escaped with \"&gt;\""),
        ("Tom & Jerry", "Character '&' is reserved and must be escaped with \"&amp;\""),
        ("&nbsp;", "Character '&' is reserved and must be escaped with \"&amp;\""),
        ("&lt", "Character '&' is reserved and must be escaped with \"&amp;\""),
        (
            '<a href="?a=1&b=2">x</a>',
            "Character '&' is reserved and must be escaped with \"&amp;\"",
        ),
    ],
)
def test_malformed_html_is_rejected_with_telegrams_wording(text: str, message: str) -> None:
    assert parse_error(text) == message


def test_message_text_must_not_be_empty_or_too_long() -> None:
    check_text_length("x" * 4096)
    check_text_length("😀" * 4096)  # Telegram counts characters, not UTF-16 units
    for empty in ("", " \n "):
        with pytest.raises(ApiError, match=r"^Bad Request: message text is empty$"):
            check_text_length(empty)
    with pytest.raises(ApiError, match=r"^Bad Request: message is too long$"):
        check_text_length("x" * 4097)


def test_captions_may_be_empty_but_not_too_long() -> None:
    check_text_length("", 1024)
    check_text_length("x" * 1024, 1024)
    with pytest.raises(ApiError, match=r"^Bad Request: message caption is too long$"):
        check_text_length("x" * 1025, 1024)
