# merge unknown offset name
xtrace-multi-merge -q -o out --offset nosuch=1us "$DATA/kvm-svm"
