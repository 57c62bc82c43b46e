# merge bad offset
xtrace-multi-merge -q -o out --offset vm1=12parsecs "$DATA/kvm-svm"
