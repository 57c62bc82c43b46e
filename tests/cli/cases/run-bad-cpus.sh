# run bad cpus
xtrace-run -c 1-x true
