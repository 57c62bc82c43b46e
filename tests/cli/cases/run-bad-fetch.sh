# run bad fetch rate and jobs
xtrace-run --fetch-rate 0 --remote a true
xtrace-run --fetch-jobs x --remote a true
