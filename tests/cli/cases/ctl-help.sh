# ctl help
xtrace-ctl --help | head -3
