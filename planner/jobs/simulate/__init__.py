"""Rolling-horizon simulation of one home: site and prices (``site``), forecasts, strategies, the home-controller
policy (``controller``), execution of a day, the days' pieces and the simulation loop (``simulation``)."""
