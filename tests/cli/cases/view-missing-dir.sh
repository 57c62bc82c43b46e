# view missing dir
xtrace-view nosuch
