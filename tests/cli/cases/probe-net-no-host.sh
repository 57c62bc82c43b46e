# probe net without its responder
xtrace-probe net -l 3
