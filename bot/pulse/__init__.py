"""The anonymous check-in after a meeting (``/pulse``): memory, results, chart and service. No Discord."""
