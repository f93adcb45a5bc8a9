"""Fill msgstrs in a catalog from a JSON file {msgid: msgstr}; `en` copies missing msgids.

python tools/po_fill.py nl new-dutch.json     # add Dutch translations
python tools/po_fill.py en                    # English: msgstr = msgid where empty
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "bot" / "locale"


def main(language: str, source: str | None = None) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "bondgenoten.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=language)
    given = json.loads(Path(source).read_text()) if source else {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in given:
            # A plural's forms come as a JSON list; the catalog keeps them as a tuple.
            value = given[key]
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
        elif language == "en" and (
            message.fuzzy
            # a plural's forms are a tuple, empty strings when untranslated
            or not (message.string if isinstance(message.string, str) else any(message.string))
        ):  # English is the msgid itself; a fuzzy guess (a text that became a plural) too
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
            message.flags.discard("fuzzy")
    # Written beside the catalog, then put in its place: a failure never leaves half a file.
    written = path.with_suffix(".po.new")
    with written.open("wb") as fp:
        # The same shape as `pybabel update --omit-header` writes, so diffs stay small.
        write_po(fp, catalog, omit_header=True, sort_output=True, width=76)
    written.replace(path)


if __name__ == "__main__":
    main(*sys.argv[1:])
