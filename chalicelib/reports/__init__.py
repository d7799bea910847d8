"""Reports for the city: compliance, sales, fairness - all from counters."""
