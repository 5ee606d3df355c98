"""``ml-inference-lb check DIR``: will this deploy and serve? Answered on a laptop, before ``pulumi up``.

Five checks, each a line with ``ok``, ``warn`` or ``fail`` and what to change: the plan, contract and
deployability rules (:mod:`.static`); each deployment started for real as the local target starts it,
timed, measured and scored (:mod:`.run`); its probes against the measured start (:mod:`.probes`); the
environment file against what the run imported (:mod:`.drift`); and the vCPUs and GPUs the stack needs
per VM family against the quota (:mod:`.capacity`). See docs/check.md.
"""

from .command import CheckOptions, run_check
from .model import CheckLine, CheckReport, Status

__all__ = ["CheckLine", "CheckOptions", "CheckReport", "Status", "run_check"]
