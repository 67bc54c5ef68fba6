"""Markdown re-wrapping: paragraphs and list items to a fixed width, everything else untouched.

Report templates break lines wherever their source code needs it; :func:`reflow` makes the written
markdown read well as a raw file too. General markdown, used by any report that renders templates.
"""

from __future__ import annotations

import re
import textwrap

#: A line that markdown would read as a list item, heading, quote or table row.
_MARKUP_START = re.compile(r"^\s*([-+*]|\d+[.)]|#+|>|\|)(\s|$)")
#: Lines starting with these are kept as they are: tables, headings, images.
_KEPT = ("|", "#", "![")
_FENCE = "```"
_ITEM = "- "
#: Continuation indent of a wrapped list item, so markdown keeps it inside the item.
_ITEM_INDENT = "  "


def _no_accidental_markup(lines: list[str]) -> list[str]:
    """Move words so that no continuation line starts like a list item, heading, quote or table row."""
    lines = list(lines)
    for i in range(1, len(lines)):
        while _MARKUP_START.match(lines[i]) and " " in lines[i - 1].strip():
            head, word = lines[i - 1].rsplit(" ", 1)
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i - 1], lines[i] = head, f"{indent}{word} {lines[i].lstrip()}"
    return lines


def _items(block: list[str]) -> list[str]:
    """The paragraph or list items of a block of prose lines, each joined into one line."""
    items: list[list[str]] = []
    for ln in block:
        if ln.startswith(_ITEM) or not items:
            items.append([ln.strip()])
        else:
            items[-1].append(ln.strip())
    return [" ".join(item) for item in items]


def _wrap_block(block: list[str], width: int) -> list[str]:
    """Re-wrap one block of prose lines (a paragraph or consecutive list items) to ``width``."""
    out: list[str] = []
    for text in _items(block):
        indent = _ITEM_INDENT if text.startswith(_ITEM) else ""
        lines = textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False,
                              break_long_words=False)
        out.extend(_no_accidental_markup(lines))
    return out


def reflow(md: str, width: int = 100) -> str:
    """Re-wrap paragraphs and list items of ``md`` to ``width``; tables, code, headings and images stay.

    A line may exceed ``width`` by one word where a word was moved down so that the next line does not
    start like a list item (``- ``, ``15. ``), which would turn prose into markup.

    Parameters
    ----------
    md : markdown; blank lines separate blocks, lines starting with ``- `` start list items
    width : the column to wrap at

    Returns
    -------
    The re-wrapped markdown, ending with one newline.
    """
    out: list[str] = []
    block: list[str] = []
    fenced = False
    for ln in md.splitlines():
        kept = ln.startswith(_FENCE) or fenced or not ln.strip() or ln.startswith(_KEPT)
        if not kept:
            block.append(ln)
            continue
        out.extend(_wrap_block(block, width))
        block.clear()
        if ln.startswith(_FENCE):
            fenced = not fenced
        out.append(ln)
    out.extend(_wrap_block(block, width))
    return "\n".join(out) + "\n"
