# run bad size
xtrace-run -b 12Q true
