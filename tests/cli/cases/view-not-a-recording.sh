# view not a recording
mkdir empty && xtrace-view empty
