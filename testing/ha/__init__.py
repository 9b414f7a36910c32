"""High-availability test harness: processes, faults and checks on results.

The harness runs Levante as several processes on one database, injects
faults (SIGKILL, a database outage, dropped connections) and checks that
every execution still ends as it does in an undisturbed run.
"""
