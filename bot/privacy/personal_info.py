"""Spotting personal details in an anonymous question before it is posted.

An anonymous question is read by everyone in the server, and a question that carries an NHS number,
a phone number, an email address, a postcode or a date of birth can identify the person who asked
(or someone else), which is exactly what anonymity is meant to prevent. Discord's Developer Policy
also forbids collecting health information. So such a question is not posted and not stored; the
asker is told, kindly, which kind of detail to take out.

The rules are tuned for no false alarms on ordinary numbers (years, "12 sessions", "question 3",
times, percentages), which a property test checks over generated text in both directions:

* **NHS number**: ten digits, together or spaced/hyphenated as 3-3-4, that pass the modulus-11 check
  (so a random ten-digit number is flagged only one time in eleven, and never a shorter one).
* **UK phone number**: ``0`` or ``+44`` followed by ten more digits (nine for a few old numbers), with
  the spaces, hyphens and brackets people type.
* **Email address**: ``name@domain.tld``.
* **UK postcode**: a real postcode area (``SW``, ``M``, ``LS``…), the district, then the inward part
  (``1AA``); in lower case, ``2nd``/``3rd``-style endings and times are not taken for postcodes.
* **Date of birth**: "born", "DOB", "D.O.B." or "date of birth" followed by a date
  ("born 3/4/1961", "DOB: 03.04.61", "date of birth 3 April 1961").

Pure Python: no Discord, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PersonalDetail:
    """One kind of personal detail found in a text (never the detail itself, so it is never logged)."""

    kind: str
    label: str

    @property
    def sentence(self) -> str:
        """What the asker is told; nothing was posted or saved."""
        return (
            f"Your question seems to include {self.label}. To keep everyone safe, copbot doesn't post personal "
            "details like that, even anonymously. Please take it out and ask again. Nothing was posted or saved."
        )


NHS_NUMBER = PersonalDetail("nhs_number", "an NHS number")
PHONE_NUMBER = PersonalDetail("phone_number", "a phone number")
EMAIL_ADDRESS = PersonalDetail("email_address", "an email address")
POSTCODE = PersonalDetail("postcode", "a postcode")
DATE_OF_BIRTH = PersonalDetail("date_of_birth", "a date of birth")
KINDS = (NHS_NUMBER, PHONE_NUMBER, EMAIL_ADDRESS, POSTCODE, DATE_OF_BIRTH)

_SEP = r"[ \u00a0\-]?"
_NHS = re.compile(rf"(?<![\d+])(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{4}})(?!\d)")
# 0 or +44 / 0044 (optionally "(0)"), then 9 or 10 digits each optionally after a space, hyphen,
# dot or bracket: 07700 900123, +44 (0)20 7946 0018, (01632) 960 001.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)44[ \-]?(?:\(0\)[ \-]?)?|\(?0)"
    r"(?:[1-9][ \-.)]{0,2})(?:\d[ \-.)]{0,2}){7,8}\d(?![\d])"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_AREAS = [
    "AB",
    "AL",
    "B",
    "BA",
    "BB",
    "BD",
    "BF",
    "BH",
    "BL",
    "BN",
    "BR",
    "BS",
    "BT",
    "BX",
    "CA",
    "CB",
    "CF",
    "CH",
    "CM",
    "CO",
    "CR",
    "CT",
    "CV",
    "CW",
    "DA",
    "DD",
    "DE",
    "DG",
    "DH",
    "DL",
    "DN",
    "DT",
    "DY",
    "E",
    "EC",
    "EH",
    "EN",
    "EX",
    "FK",
    "FY",
    "G",
    "GL",
    "GU",
    "GY",
    "HA",
    "HD",
    "HG",
    "HP",
    "HR",
    "HS",
    "HU",
    "HX",
    "IG",
    "IM",
    "IP",
    "IV",
    "JE",
    "KA",
    "KT",
    "KW",
    "KY",
    "L",
    "LA",
    "LD",
    "LE",
    "LL",
    "LN",
    "LS",
    "LU",
    "M",
    "ME",
    "MK",
    "ML",
    "N",
    "NE",
    "NG",
    "NN",
    "NP",
    "NR",
    "NW",
    "OL",
    "OX",
    "PA",
    "PE",
    "PH",
    "PL",
    "PO",
    "PR",
    "RG",
    "RH",
    "RM",
    "S",
    "SA",
    "SE",
    "SG",
    "SK",
    "SL",
    "SM",
    "SN",
    "SO",
    "SP",
    "SR",
    "SS",
    "ST",
    "SW",
    "SY",
    "TA",
    "TD",
    "TF",
    "TN",
    "TQ",
    "TR",
    "TS",
    "TW",
    "UB",
    "W",
    "WA",
    "WC",
    "WD",
    "WF",
    "WN",
    "WR",
    "WS",
    "WV",
    "YO",
    "ZE",
]
_POSTCODE = re.compile(
    rf"(?<![A-Za-z0-9])((?:{'|'.join(sorted(_AREAS, key=len, reverse=True))})\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{{2}})"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NOT_INWARD = re.compile(r"^\d(st|nd|rd|th|am|pm)$")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{2,4}}"
    rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}"
    r"|\d{4}-\d{2}-\d{2})"
)
_DOB = re.compile(
    rf"(?<![A-Za-z])(?:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date)(?![A-Za-z])[\s:,\-]*"
    rf"(?:(?:on|is|was|in|of)\s+)?(?:the\s+)?{_DATE}",
    re.IGNORECASE,
)


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS modulus-11 check on ten digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _has_nhs_number(text: str) -> bool:
    return any(nhs_number_is_valid("".join(m.groups())) for m in _NHS.finditer(text))


def _has_postcode(text: str) -> bool:
    for match in _POSTCODE.finditer(text):
        outward, inward = match.group(1), match.group(2)
        lower = not (outward + inward).isupper()
        if lower and _NOT_INWARD.match(inward.lower()):
            continue
        return True
    return False


def find_personal_detail(text: str) -> PersonalDetail | None:
    """The first kind of personal detail in ``text`` (checked in the order of :data:`KINDS`), or ``None``."""
    if _has_nhs_number(text):
        return NHS_NUMBER
    if _PHONE.search(text):
        return PHONE_NUMBER
    if _EMAIL.search(text):
        return EMAIL_ADDRESS
    if _has_postcode(text):
        return POSTCODE
    if _DOB.search(text):
        return DATE_OF_BIRTH
    return None
