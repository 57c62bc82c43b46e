# ctl version
xtrace-ctl --version
