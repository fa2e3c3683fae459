"""The source strings are Chinese, so the zh-hans catalogue translates each to itself.

`make messages` runs this after makemessages: every new string gets msgstr = msgid, so the
zh-hans catalogue is complete by construction and only English needs a translator.
"""

from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"


def main() -> None:
    po = polib.pofile(str(CATALOGUE))
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    for entry in po:
        # Always the identity, never kept: makemessages fills a new string with a "fuzzy"
        # guess from a similar old one (排序号 -> 排序), which would show the wrong text.
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    po.save()


if __name__ == "__main__":
    main()
