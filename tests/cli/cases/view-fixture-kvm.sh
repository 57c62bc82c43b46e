# view fixture kvm
xtrace-view -k "$DATA/kvm-svm" | head -12
