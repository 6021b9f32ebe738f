"""Numbers, money and dates as a reader of a language writes them (Babel's CLDR data):
``75.000,00 kr.`` in Danish, ``€ 7.500,00`` in Dutch. Amounts travel in minor units; only what a
person reads is formatted."""
from datetime import date

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision


def money(amount_minor, currency, language):
    """An amount in minor units (øre, cent) of ``currency`` as ``language`` writes money."""
    major = amount_minor / 10 ** get_currency_precision(currency)
    return format_currency(major, currency, locale=language)


def number(value, language):
    return format_decimal(value, locale=language)


def percent(share, language):
    """A share (0.25) as ``language`` writes a percentage: ``25 %`` in German, ``25%`` in Dutch."""
    return format_percent(share, locale=language)


def day(value, language):
    """A date (or its ISO text) in ``language``'s medium form, such as ``3. mar. 2026``."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, "medium", locale=language)
