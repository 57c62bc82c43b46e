# ctl bad pid
xtrace-ctl -p 12x status
