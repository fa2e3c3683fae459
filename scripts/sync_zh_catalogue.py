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
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid}
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()


if __name__ == "__main__":
    main()
