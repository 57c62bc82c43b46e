# merge help
xtrace-multi-merge --help | head -3
