# view version
xtrace-view --version
