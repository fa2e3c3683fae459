"""The source strings are Chinese, so the zh-hans catalogue translates each to itself.

`make messages` runs this after makemessages: every new string gets msgstr = msgid, so the
zh-hans catalogue is complete by construction and only English needs a translator. The few
English msgids are Django's own messages that Django's zh_Hans catalogue lacks
(lixiong/django_messages.py): they get the Chinese listed there instead.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"

sys.path.insert(0, str(ROOT))
from lixiong.django_messages import ZH_HANS  # noqa: E402 (needs the project on the path)


def main() -> None:
    po = polib.pofile(str(CATALOGUE))
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    for entry in po:
        # Always the identity (or the listed Chinese), never kept: makemessages fills a new
        # string with a "fuzzy" guess from a similar old one (排序号 -> 排序), which would
        # show the wrong text.
        text = ZH_HANS.get(entry.msgid, entry.msgid)
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    missing = set(ZH_HANS) - {entry.msgid for entry in po}
    if missing:
        sys.exit(f"lixiong/django_messages.py lists msgids makemessages did not find: {missing}")
    po.save()


if __name__ == "__main__":
    main()
