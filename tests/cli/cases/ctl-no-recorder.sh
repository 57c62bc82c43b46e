# ctl no recorder
xtrace-ctl status
