# cpu topology unknown option
cpu-topology --bogus
