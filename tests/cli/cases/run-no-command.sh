# run no command
xtrace-run
