"""Developer helper: write a new revision for a service from its models.

    python -m nabo_common.persistence.migrations_autogen members "add networks"
"""
import os
import sys
import tempfile

from alembic import command

from nabo_common.persistence.migrations import alembic_config, upgrade


def main(service, message):
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{os.path.join(tmp, 'autogen.db')}"
        upgrade(service, url)
        command.revision(alembic_config(service, url), message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
