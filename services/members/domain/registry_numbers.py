"""Organisation registry numbers, checked by the register that issues them.

Each national register's number is checked (python-stdnum where it covers the register) and
stored in one normal form, so the same company is found again however its number was typed:

- CVR (Denmark): 8 digits with the CVR modulus-11 check, stored as the digits;
- KvK (Netherlands): 8 digits (the register publishes no check digit), stored as the digits;
- org.nr (Sweden): 10 digits with a Luhn check digit, stored as NNNNNN-NNNN;
- HRA/HRB (Germany, Handelsregister): the register court and the number, such as
  "Amtsgericht Köln HRB 12345", stored as the court's name, the register and the number
  ("Köln HRB 12345").
VAT and other numbers are kept as given.
"""
import re

from stdnum.de import handelsregisternummer
from stdnum.dk import cvr
from stdnum.exceptions import ValidationError as InvalidNumber
from stdnum.se import orgnr

from contracts.api.members import COUNTRY_OF_KIND
from nabo_common.api.errors import ValidationFailed
from nabo_common.i18n.catalogues import N_

FREE_FORM = re.compile(r"[A-Za-z0-9 .\-/]{2,40}")
SEPARATORS = re.compile(r"[\s.\-]")
COURT_PREFIX = re.compile(r"^\s*(Amtsgericht|AG)\s+", re.IGNORECASE)


def _invalid(message, field="registration_number"):
    raise ValidationFailed("The registration number is not valid.", {field: [message]})


def _cvr(number):
    try:
        return cvr.validate(number)
    except InvalidNumber:
        _invalid(N_("A CVR number is 8 digits with a valid check digit, such as 13585628."))


def _kvk(number):
    digits = SEPARATORS.sub("", number)
    if not re.fullmatch(r"\d{8}", digits):
        _invalid(N_("A KvK number is 8 digits, such as 69599084."))
    return digits


def _orgnr(number):
    try:
        return orgnr.format(orgnr.validate(number))
    except InvalidNumber:
        _invalid(N_("A Swedish organisation number is 10 digits with a valid check digit, "
                    "such as 556036-0793."))


def _handelsregister(kind):
    def check(number):
        try:
            court_and_number = handelsregisternummer.validate(COURT_PREFIX.sub("", number))
        except InvalidNumber:
            _invalid(N_("Give the register court and the {kind} number, "
                        "such as 'Amtsgericht Köln {kind} 12345'.").format(kind=kind))
        if f" {kind} " not in f"{court_and_number} ":
            _invalid(N_("This is not a {kind} number; give the court and the {kind} number, "
                        "such as 'Amtsgericht Köln {kind} 12345'.").format(kind=kind))
        return court_and_number
    return check


NORMAL_FORM = {"CVR": _cvr, "KvK": _kvk, "org.nr": _orgnr, "HRA": _handelsregister("HRA"),
               "HRB": _handelsregister("HRB")}


def normalised(kind, number, country):
    """The number in its register's normal form; ValidationFailed naming the field when it is not one."""
    if not kind and not number:
        return None
    expected_country = COUNTRY_OF_KIND.get(kind)
    if expected_country and country != expected_country:
        _invalid(N_("A {kind} number is issued in {expected_country}; the organisation's country is "
                    "{country}.").format(kind=kind, expected_country=expected_country, country=country),
                 "registration_kind")
    check = NORMAL_FORM.get(kind)
    if check is not None:
        return check(number)
    if not FREE_FORM.fullmatch(number):
        _invalid(N_("Use 2 to 40 letters, digits, spaces and . - /"))
    return number
