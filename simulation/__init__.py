"""What-if simulation of an office day on the real queue engine (`antrean simulate`).

`model` holds the inputs (arrival rates, service-time distributions, counters per hour),
`run` drives `server.engine.Engine` with a clock it controls, `staffing` searches the
fewest counters per hour that meet a wait target, and `cli` is the command line.
"""

from simulation.model import Distribution, Scenario, Staffing, Visit, make_visits
from simulation.run import DayResult, simulate
from simulation.staffing import Target, find_staffing

__all__ = ["DayResult", "Distribution", "Scenario", "Staffing", "Target", "Visit",
           "find_staffing", "make_visits", "simulate"]
