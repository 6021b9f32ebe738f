"""Server texts in the reader's language: gettext catalogues per language, the negotiation of that
language, and Babel's formats for numbers, money and dates."""
