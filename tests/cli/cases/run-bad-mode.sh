# run bad mode
xtrace-run -m bogus true
