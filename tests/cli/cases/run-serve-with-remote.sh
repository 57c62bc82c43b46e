# run serve with remote
xtrace-run --serve --remote vm1
