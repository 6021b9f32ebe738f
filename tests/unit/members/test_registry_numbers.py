"""Registry numbers are checked by the register that issues them and kept in its normal form."""
import pytest

from nabo_common.api.errors import ValidationFailed
from services.members.domain.registry_numbers import normalised


@pytest.mark.parametrize("kind, number, country, stored", [
    ("CVR", "13 58 56 28", "DK", "13585628"),
    ("KvK", "6959.9084", "NL", "69599084"),
    ("org.nr", "5560360793", "SE", "556036-0793"),
    ("HRB", "Amtsgericht Köln HRB 12345", "DE", "Köln HRB 12345"),
    ("HRA", "Aachen HRA 11223", "DE", "Aachen HRA 11223"),
    ("VAT", "DE123456789", "DE", "DE123456789"),
])
def test_valid_numbers_are_kept_in_their_registers_normal_form(kind, number, country, stored):
    assert normalised(kind, number, country) == stored


@pytest.mark.parametrize("kind, number, country, field", [
    ("KvK", "12ABxyz", "NL", "registration_number"),
    ("KvK", "1234567", "NL", "registration_number"),
    ("CVR", "13585627", "DK", "registration_number"),  # modulus-11 check fails
    ("org.nr", "5560360794", "SE", "registration_number"),  # Luhn check digit fails
    ("HRB", "HRB 12345", "DE", "registration_number"),  # no court
    ("HRA", "Amtsgericht Köln HRB 12345", "DE", "registration_number"),  # another register
    ("CVR", "13585628", "NL", "registration_kind"),  # a Danish number for a Dutch company
    ("other", "ünïcode!", "DK", "registration_number"),
])
def test_invalid_numbers_name_the_field(kind, number, country, field):
    with pytest.raises(ValidationFailed) as failed:
        normalised(kind, number, country)
    assert list(failed.value.errors) == [field]
