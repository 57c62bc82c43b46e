# run bad timestamp
xtrace-run -t bogus true
