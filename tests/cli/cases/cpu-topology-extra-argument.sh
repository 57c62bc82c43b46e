# cpu topology extra argument
cpu-topology extra
