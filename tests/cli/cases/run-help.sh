# run help
xtrace-run --help | head -3
