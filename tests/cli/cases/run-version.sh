# run version
xtrace-run --version
