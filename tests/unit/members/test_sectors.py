import pytest

from services.members.domain.sectors import complementary_sections, divisions_of, nace_section


@pytest.mark.parametrize("sector,section", [("62.01", "J"), ("47", "G"), ("01.1", "A"), ("J", "J"),
                                            (None, None)])
def test_nace_sections(sector, section):
    assert nace_section(sector) == section


def test_complementary_sectors_and_divisions():
    assert "G" in complementary_sections("62.01") and "J" not in complementary_sections("62.01")
    assert divisions_of({"D"}) == ["35"]
    assert "62" in divisions_of({"J"}) and "47" not in divisions_of({"J"})
