"""Scheduled jobs: each run is recorded so operators can see the schedules are alive."""
