# merge no output
xtrace-multi-merge "$DATA/kvm-svm"
