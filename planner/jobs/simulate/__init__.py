"""Rolling-horizon simulation (moving here from ``planner.jobs.simulate.simulation``): the home-controller policy."""
