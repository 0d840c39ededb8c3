"""Jobs that make many plans: batch planning (``jobs.batch``), simulation and tariff comparison."""
