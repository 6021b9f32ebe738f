"""Meeting markets: one-to-one meetings at an event between its participants, requested, answered
and placed in slots at tables or behind online links (see docs/meeting-markets.md)."""
