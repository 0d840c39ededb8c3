"""Rolling-horizon simulation (moving here from ``planner.simulate``): the home-controller policy."""
