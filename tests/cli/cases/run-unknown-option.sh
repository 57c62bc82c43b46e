# run unknown option
xtrace-run --bogus true
