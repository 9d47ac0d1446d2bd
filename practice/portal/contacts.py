"""Crisis contacts people can tap: phone numbers become tel: and sms: links, the words stay the practice's.

`contact_links(text)` finds phone numbers in the practice's own crisis text
("Call 112", "Samaritans 116 123", "text HOME to 741741") and puts a
tap-to-call link on each and a tap-to-text link after it. Everything that is
not a number is escaped as it is, and the links are built only from the
escaped number and an href of digits (and a leading +), so the result is
Markup made only of escaped pieces: no practice text can become HTML.

Both are pure functions of the practice's own (public) wording and are asked
for on every portal page, so their answers are remembered (a few hundred
texts at most; finding the numbers cost a small page a tenth of its time).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

# A run of digits, spaces, dots, dashes and brackets, optionally after a +, holding 3 to 15 digits,
# not glued to letters or other digits (so "24/7" or "2nd" stay words).
NUMBER = re.compile(r"(?<![\w+/])(\+?\(?\d[\d\s().-]*\d)(?![\w/])")
TEXT_KEYWORD = re.compile(r"\btext\s+([A-Za-z0-9]{1,20})\s+to\s*$", re.IGNORECASE)
MIN_DIGITS, MAX_DIGITS = 3, 15


def dial_string(number: str) -> str:
    """What goes after tel: or sms: — digits, and a + if the number starts with one."""
    if number.lstrip().startswith("+"):  # "+44 (0)20 ...": the bracketed 0 is not dialled from abroad
        return "+" + re.sub(r"\D", "", number.replace("(0)", ""))
    return re.sub(r"\D", "", number)


def _is_number(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or "\n" in candidate:
        return False
    return not re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", candidate.strip())  # a date, not a number


@lru_cache(maxsize=256, typed=True)  # typed: Markup and str are equal keys, escaped differently
def number_links(number: str, body: str | None = None) -> Markup:
    """A tap-to-call link on the number itself, and a tap-to-text link after it."""
    dial = dial_string(number)
    sms = f"sms:{dial}" + (f"?body={body}" if body else "")
    return Markup('<a href="tel:{dial}" class="tel-link">{shown}</a>'
                  ' <a href="{sms}" class="sms-link" aria-label="Send a text to {shown}">(text)</a>').format(
        dial=dial, shown=number, sms=sms)


@lru_cache(maxsize=256, typed=True)  # typed: Markup and str are equal keys, escaped differently
def contact_links(text: str | None) -> Markup:
    """The practice's crisis text, escaped, with every phone number in it tappable."""
    if not text:
        return Markup("")
    pieces: list[Markup] = []
    last = 0
    for match in NUMBER.finditer(text):
        number = match.group(1).rstrip(" .-")
        while number.count("(") > number.count(")"):  # "116 123 (24/7)": the bracket is the sentence's
            number = number[:number.rindex("(")].rstrip(" .-(")
        # Trailing separators belong to the sentence, not the number.
        end = match.start(1) + len(number)
        if not _is_number(number):
            continue
        before = text[last:match.start(1)]
        keyword = TEXT_KEYWORD.search(before)
        pieces.append(escape(before))
        pieces.append(number_links(number, keyword.group(1).upper() if keyword else None))
        last = end
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)
