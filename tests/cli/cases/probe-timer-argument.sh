# probe timer with an argument
xtrace-probe timer now
