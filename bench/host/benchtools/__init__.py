"""The results tools of the benchmark harness: serial dumps in, results
directories, tables, plots and reports out. bench/host/bench.py and
bench/host/qmp_pin.py are the commands; this package is their code.

  cli           bench.py's subcommands: process, merge, replot, compare, table
  errors        the commands' two errors: usage (exit 2) and bad data (exit 1)
  merge         bench.py merge: shards of one plan checked and joined into one run
  benchlog      parse and validate one serial log's dump (bench/FORMAT.md)
  hist          histogram bucket math and percentiles, as the kernel's hist.c
  stats         bootstrap confidence intervals over repeats
  results       dumps -> summary.csv, histograms.csv, repeats.csv, meta.json; reading back
  calib         the platform's scaling ceiling and each series' efficiency
  calib_report  report.md's platform calibration section
  table         the results table (terminal text and markdown)
  report        report.md
  instructions  report.md's instructions per operation of deterministic runs
  workloads     report.md's published workloads: origins, changed parameters, ops/s
  plots         the PNG plots (the only module that imports matplotlib)
  variants      the variant table (variants.txt): default, baselines, order
  fsutil        atomic writes and sha256 of results files
  qmp_pin       qmp_pin.py: pin QEMU's vCPU threads to host cores, host topology
  callgrind     callgrind_count.py: instructions and atomic instructions of a profile
"""
