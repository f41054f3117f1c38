"""harness: what `make test` runs after the builds (scripts/test.sh starts it).

Three steps, each with its own module:

  plan    (plan.py)    decides the jobs: the hosted runners, the results
                       tools' tests, the end-to-end scripts and every QEMU
                       boot, in the order they should start (longest first).
                       It writes them to DIR/test-logs/jobs.mk, one make
                       target per job, and each job's expectations to
                       jobs.json.
  schedule (make)      GNU make runs jobs.mk with -j N and --output-sync, so
                       at most N jobs run at once, a job's result lines
                       print together when it ends, and one job can be run
                       again by hand: make -f DIR/test-logs/jobs.mk job/smp4
  check   (job.py,     each target runs `python3 -m harness.job ID -- CMD`:
           checks.py)  the command with its output in DIR/test-logs/ID.log,
                       then the checker of the job's kind on that log. It
                       prints PASS/FAIL lines and writes them to ID.verdict.

The command-line entry (__main__.py) then counts every verdict and prints,
as its very last line, "N passed, M failed" (the contract of make test). A
job that left no verdict (killed, or its checker crashed) is a failure.

Why make: it is a scheduler already on every machine that builds the
kernel, with a job-server, output grouping and a target per job that can be
rerun alone; pytest-xdist would add a package and a process model (workers
holding test items) that does not fit a boot reporting hundreds of
self-tests. The checks are Python, so they have types and unit tests
(tests/host/test_harness.py).
"""
