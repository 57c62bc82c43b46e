# probe bad interval
xtrace-probe timer -i 10x
