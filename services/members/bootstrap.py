"""Create the first platform admin (idempotent), for a fresh installation.

    python -m services.members.bootstrap --email admin@example.org --password '...'
"""
import argparse
import os
import sys

from sqlalchemy import select

from nabo_common.persistence import db
from nabo_common.runtime import settings
from nabo_common.runtime.context import system_caller
from services.members.domain.accounts import hash_password, normalise_email
from services.members.domain.common import publish
from services.members.domain.persons import person_event_data
from services.members.models import Person


def ensure_platform_admin(session_factory, email, password, name="Platform admin"):
    session = session_factory()
    try:
        with session.begin():
            person = session.scalar(select(Person).where(Person.email == normalise_email(email)))
            if person is None:
                person = Person(name=name, email=normalise_email(email), language="en",
                                password_hash=hash_password(password), is_platform_admin=True)
                session.add(person)
                session.flush()
                # like every person, the admin reaches other services' read models by event
                publish(session, "person.created", person_event_data(person), system_caller())
                return True
            person.is_platform_admin = True
            return False
    finally:
        session.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.members.bootstrap")
    parser.add_argument("--email", default=os.environ.get("NABO_ADMIN_EMAIL"))
    parser.add_argument("--password", default=os.environ.get("NABO_ADMIN_PASSWORD"))
    args = parser.parse_args(argv)
    if not args.email or not args.password or len(args.password) < 10:
        sys.exit(
            "nabo: give --email and a --password of 10+ characters (or NABO_ADMIN_EMAIL/NABO_ADMIN_PASSWORD)"
        )
    engine = db.make_engine(settings.load("members").database_url)
    created = ensure_platform_admin(db.make_sessionmaker(engine), args.email, args.password)
    print(f"nabo: platform admin {args.email} {'created' if created else 'already present'}")


if __name__ == "__main__":
    main()
