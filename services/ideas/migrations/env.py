from nabo_common.persistence.migrations import run_env
from services.ideas.models import Base

run_env(Base.metadata)
