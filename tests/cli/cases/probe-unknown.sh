# probe unknown kind
xtrace-probe sleep
