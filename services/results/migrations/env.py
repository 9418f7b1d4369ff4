from services.common.migrations import run_env
from services.results.models import Base

run_env(Base.metadata)
