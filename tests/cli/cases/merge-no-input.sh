# merge no input
xtrace-multi-merge -o out
