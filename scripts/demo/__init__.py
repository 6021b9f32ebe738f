"""Data of the demo installation (scripts/demo_data.py): name parts per
country, business profiles with offers and needs, and the fixed stories
(the Danish meeting programme, the green business panel, the Swedish open
networks). Everything generated from these lists uses a seeded RNG, so every
run produces the same names."""
