# merge version
xtrace-multi-merge --version
