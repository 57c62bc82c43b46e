# ctl no such pid
xtrace-ctl -p 999999 status
