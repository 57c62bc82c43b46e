# view help
xtrace-view --help | head -3
