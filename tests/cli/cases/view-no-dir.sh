# view no dir
xtrace-view
